using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Reading;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// A request's document made ready once: counted by the lexer (<see cref="DocumentBudget"/>), then taken
/// from the <see cref="ValidatedDocumentCache"/> or parsed. The transports look at it (the operation's
/// type, whether it names an access code) and hand it to <see cref="GraphQLExecution.ExecuteAsync"/>,
/// so no text is lexed or parsed twice for one request.
/// </summary>
public sealed class PreparedDocument
{
    internal PreparedDocument(string query, string? operationName, DocumentScan scan, GraphQLDocument? document, bool validated, ExecutionError? refusal)
    {
        Query = query;
        OperationName = operationName;
        Scan = scan;
        Document = document;
        Validated = validated;
        Refusal = refusal;
    }

    public string Query { get; }
    public string? OperationName { get; }

    /// <summary>What the lexer counted, and whether the text names an access code.</summary>
    public DocumentScan Scan { get; }

    /// <summary>The parsed document; null when the text is over a cap or does not parse (<see cref="Refusal"/>).</summary>
    public GraphQLDocument? Document { get; }

    /// <summary>The document passed every rule before (from the cache): only the rules of this request run again.</summary>
    public bool Validated { get; }

    /// <summary>QUERY_TOO_COMPLEX (a cap of the text) or the syntax error: the answer, nothing runs.</summary>
    public ExecutionError? Refusal { get; }

    /// <summary>The type of the operation that will run, or null when the document does not parse or names none.</summary>
    public OperationType? Operation
    {
        get
        {
            if (Document is null)
                return null;
            var operations = Document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
            var operation = OperationName is null
                ? (operations.Count == 1 ? operations[0] : null)
                : operations.FirstOrDefault(o => o.Name is not null && (string)o.Name.Value == OperationName);
            return operation?.Operation;
        }
    }
}

/// <summary>
/// The one execution of an operation for a caller, over HTTP and WebSocket alike: the document caps,
/// one parse (or the validated-document cache), the contract's limits and cost accounting
/// (<see cref="OperationLimitsRule"/>), the introspection rule, the cap on returned errors and the
/// mapping of exceptions to coded errors. The transports add only what is theirs (status codes,
/// time limits, messages on the socket).
/// </summary>
public sealed class GraphQLExecution(
    IDocumentExecuter executer,
    ISchema schema,
    IDocumentBuilder documentBuilder,
    ValidatedDocumentCache cache,
    OperationLimitsOptions limits,
    IHostEnvironment environment,
    ILogger<GraphQLExecution> logger)
{
    private readonly OperationLimitsRule _limitsRule = new(limits);

    /// <summary>Counts the text, then takes the validated document from the cache or parses it: once per request.</summary>
    public PreparedDocument Prepare(string query, string? operationName)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scan = DocumentBudget.Scan(query, limits);
        if (scan.Exceeded is { } exceeded)
            return new PreparedDocument(query, operationName, scan, null, false, new OperationTooComplexError(exceeded));
        if (cache.Find(query, operationName) is { } validated)
            return new PreparedDocument(query, operationName, scan, validated, true, null);
        try
        {
            return new PreparedDocument(query, operationName, scan, documentBuilder.Build(query), false, null);
        }
        catch (SyntaxError error)
        {
            return new PreparedDocument(query, operationName, scan, null, false, error);
        }
    }

    /// <summary>Runs the prepared document for the request's caller; a document that passes every rule is kept for the next request.</summary>
    public async Task<ExecutionResult> ExecuteAsync(PreparedDocument prepared, Inputs? variables, Inputs? extensions,
        GraphRequest request, IServiceProvider services, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(request);
        // The time limit runs from before the work: a request already out of time does no more.
        ct.ThrowIfCancellationRequested();
        if (prepared.Refusal is { } refusal)
            return new ExecutionResult { Errors = [refusal] };

        // The rules that depend on the caller, the operation chosen or the variables, not only on the
        // document's text, run on every request, also on a cached document: the time limit, the limits
        // and the cost of the operation actually run, and introspection. The variables are checked on
        // every request whatever the rules (GraphQL.NET coerces them).
        IValidationRule[] callerRules = !Jurisdiction.MayIntrospect(request.Caller.Actor, environment.IsDevelopment())
            ? [TimeLimitRule.Instance, _limitsRule, NoIntrospectionValidationRule.Instance]
            : [TimeLimitRule.Instance, _limitsRule];
        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = schema,
            Query = prepared.Query,
            Document = prepared.Document,
            OperationName = prepared.OperationName,
            Variables = variables,
            Extensions = extensions,
            UserContext = request,
            RequestServices = services,
            CancellationToken = ct,
            ValidationRules = prepared.Validated ? callerRules : DocumentValidator.CoreRules.Concat(callerRules),
            ThrowOnUnhandledException = false,
            UnhandledExceptionDelegate = context =>
            {
                if (context.OriginalException is RuleViolation violation)
                {
                    context.ErrorMessage = violation.Message;
                }
                else if (Workflow.Hosting.DatabaseUnavailable.Is(context.OriginalException))
                {
                    // Not a bug of ours: a warning without a stack; the type says which failure it was.
                    logger.LogWarning("GraphQL resolver could not reach the database ({Failure})",
                        Workflow.Hosting.DatabaseUnavailable.Describe(context.OriginalException));
                    context.ErrorMessage = Workflow.Hosting.DatabaseUnavailable.Message;
                }
                else
                {
                    // Exception messages may quote input; only the type and the stack are logged.
                    var reference = Guid.NewGuid().ToString("N")[..12];
                    logger.LogError("GraphQL resolver failed with {ExceptionType} (reference {Reference}) at {StackTrace}",
                        context.OriginalException.GetType().FullName, reference, context.OriginalException.StackTrace);
                    context.ErrorMessage = $"internal error (reference {reference})";
                }
                return Task.CompletedTask;
            },
        });
        // Executed: the document passed every rule (a refused one is parsed and checked again next time).
        if (!prepared.Validated && result.Executed && prepared.Document is { } document)
            cache.Keep(prepared.Query, prepared.OperationName, document);
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
