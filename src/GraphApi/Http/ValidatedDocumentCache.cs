using System.Collections.Concurrent;
using GraphQL;
using GraphQL.DI;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Parsed documents that passed validation, by operation name and query text, so that a query sent
/// again (every work queue and integrator sends the same few) skips parsing and the document rules:
/// validation was 11 % of the server's CPU for an inbox page (bench T6 profile, bench/tuning.md). A
/// cached document is checked only against <see cref="ExecutionOptions.CachedDocumentValidationRules"/>,
/// which <see cref="GraphQLHttpEndpoint.CreateOptions"/> sets to the rules that depend on the caller,
/// the operation or the variables (introspection, the limits and the cost); the variables are still
/// checked on every request (GraphQL.NET coerces them whatever the rules). The same scheme as
/// GraphQL.NET's MemoryDocumentCache, which our registry does not serve.
/// <para>
/// Keyed by the operation name too: a document that passed with one of its operations selected
/// says nothing about another operation of the same text (issue 15, finding 8). Every execution,
/// over HTTP or WebSocket, passes here first, so the document caps (<see cref="DocumentBudget"/>),
/// the cap on returned errors and the time limit around parsing are applied here for both.
/// </para>
/// </summary>
public sealed class ValidatedDocumentCache(OperationLimitsOptions limits) : IConfigureExecution
{
    /// <summary>At most this many documents are kept; when full, the cache starts afresh.</summary>
    public const int MaxDocuments = 1_000;

    /// <summary>Longer query texts are not kept (a hand-written query, not a client's fixed one).</summary>
    public const int MaxQueryLength = 20_000;

    private readonly ConcurrentDictionary<(string Operation, string Query), GraphQLDocument> _documents = new();

    public int Count => _documents.Count;

    // After the options are configured (100), like GraphQL.NET's own document cache.
    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(next);
        // The time limit runs from before the parse: a request already out of time does no more work.
        options.CancellationToken.ThrowIfCancellationRequested();
        if (options.Document is null && options.Query is { } text && DocumentBudget.Exceeded(text, limits) is { } exceeded)
            return new ExecutionResult { Errors = [new OperationTooComplexError(exceeded)] };
        if (options.Document is not null || options.Query is not { Length: <= MaxQueryLength } query)
            return Capped(await next(options));
        var key = (options.OperationName ?? "", query);
        var hit = _documents.TryGetValue(key, out var document);
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
            _documents.TryAdd(key, validated);
        }
        return Capped(result);
    }

    /// <summary>At most <see cref="OperationLimitsOptions.MaxErrors"/> errors, then one that counts the rest.</summary>
    private ExecutionResult Capped(ExecutionResult result)
    {
        if (result.Errors is not { } errors || errors.Count <= limits.MaxErrors)
            return result;
        var kept = new ExecutionErrors();
        foreach (var error in errors.Take(limits.MaxErrors))
            kept.Add(error);
        kept.Add(new ValidationError($"{errors.Count - limits.MaxErrors} more errors were left out"));
        result.Errors = kept;
        return result;
    }
}
