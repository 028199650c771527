using System.Collections.Concurrent;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Parsed documents that passed validation, by operation name and query text, so that a query sent
/// again (every work queue and integrator sends the same few) skips parsing and the document rules:
/// validation was 11 % of the server's CPU for an inbox page (bench T6 profile, bench/tuning.md). A
/// cached document is checked only against the rules that depend on the caller, the operation or the
/// variables (introspection, the limits and the cost; <see cref="GraphQLExecution.ExecuteAsync"/>); the
/// variables are still checked on every request (GraphQL.NET coerces them whatever the rules). The same
/// scheme as GraphQL.NET's MemoryDocumentCache, which our registry does not serve.
/// <para>
/// Keyed by the operation name too: a document that passed with one of its operations selected
/// says nothing about another operation of the same text (issue 15, finding 8). Every execution,
/// over HTTP or WebSocket, goes through <see cref="GraphQLExecution"/>, which looks here before it parses.
/// </para>
/// </summary>
public sealed class ValidatedDocumentCache
{
    /// <summary>At most this many documents are kept; when full, the cache starts afresh.</summary>
    public const int MaxDocuments = 1_000;

    /// <summary>Longer query texts are not kept (a hand-written query, not a client's fixed one).</summary>
    public const int MaxQueryLength = 20_000;

    private readonly ConcurrentDictionary<(string Operation, string Query), GraphQLDocument> _documents = new();

    public int Count => _documents.Count;

    /// <summary>The document this text (with this operation selected) passed every rule as, or null.</summary>
    public GraphQLDocument? Find(string query, string? operationName) =>
        query.Length <= MaxQueryLength && _documents.TryGetValue((operationName ?? "", query), out var document) ? document : null;

    /// <summary>Keeps a document that passed every rule with this operation selected.</summary>
    public void Keep(string query, string? operationName, GraphQLDocument document)
    {
        if (query.Length > MaxQueryLength)
            return;
        if (_documents.Count >= MaxDocuments)
            _documents.Clear();
        _documents.TryAdd((operationName ?? "", query), document);
    }
}
