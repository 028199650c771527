using System.Collections.Concurrent;
using GraphQL;
using GraphQL.DI;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Parsed documents that passed validation, by query text, so that a query sent again (every work
/// queue and integrator sends the same few) skips parsing and the document rules: validation was
/// 11 % of the server's CPU for an inbox page (bench T6 profile, bench/tuning.md). A cached document
/// is checked only against <see cref="ExecutionOptions.CachedDocumentValidationRules"/>, which
/// <see cref="GraphQLHttpEndpoint.CreateOptions"/> sets to the rules that depend on the caller
/// (introspection); the variables are still checked on every request (GraphQL.NET coerces them
/// whatever the rules). The same scheme as GraphQL.NET's MemoryDocumentCache, which our registry
/// does not serve.
/// </summary>
public sealed class ValidatedDocumentCache : IConfigureExecution
{
    /// <summary>At most this many documents are kept; when full, the cache starts afresh.</summary>
    public const int MaxDocuments = 1_000;

    /// <summary>Longer query texts are not kept (a hand-written query, not a client's fixed one).</summary>
    public const int MaxQueryLength = 20_000;

    private readonly ConcurrentDictionary<string, GraphQLDocument> _documents = new(StringComparer.Ordinal);

    public int Count => _documents.Count;

    // After the options are configured (100), like GraphQL.NET's own document cache.
    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(next);
        if (options.Document is not null || options.Query is not { Length: <= MaxQueryLength } query)
            return await next(options);
        var hit = _documents.TryGetValue(query, out var document);
        if (hit)
        {
            options.Document = document;
            options.ValidationRules = options.CachedDocumentValidationRules ?? [];
        }
        var result = await next(options);
        // Executed: the document passed every rule (a refused one is parsed and checked again next time).
        if (!hit && result.Executed && result.Document is { } validated)
        {
            if (_documents.Count >= MaxDocuments)
                _documents.Clear();
            _documents.TryAdd(query, validated);
        }
        return result;
    }
}
