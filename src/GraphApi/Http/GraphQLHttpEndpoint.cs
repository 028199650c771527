using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Schema;
using GraphQL;
using GraphQLParser.AST;
using Microsoft.Net.Http.Headers;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// GraphQL over HTTP at /graphql (no GraphQL.Server package is served to us): POST application/json,
/// GET for queries, responses in application/graphql-response+json when accepted, else application/json.
/// Status codes follow the contract: malformed JSON or parameters 400, unsupported media type 415,
/// a body over the limit 413 before parsing, a mutation over GET 405, a document that fails to
/// parse or validate 400 for application/graphql-response+json (200 for application/json), and
/// execution errors 200 with <c>errors</c>.
/// </summary>
public sealed class GraphQLHttpEndpoint(
    GraphQLExecution execution,
    IGraphQLSerializer serializer,
    TokenService tokens,
    AccessLog accessLog,
    OperationLimitsOptions limits,
    CallerRateLimiter rateLimiter,
    ILogger<GraphQLHttpEndpoint> logger)
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";
    public const string CorrelationHeader = "X-Correlation-ID";

    private sealed record Parameters(string Query, string? OperationName, Inputs? Variables, Inputs? Extensions);

    private sealed class RequestFailed(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }

    public async Task HandleAsync(HttpContext http)
    {
        NoStore(http.Response);
        var responseType = ResponseMediaType(http.Request);
        if (responseType is null)
        {
            http.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            return;
        }
        try
        {
            if (!HttpMethods.IsGet(http.Request.Method) && await FromBodyAsync(http.Request) is { Batch: true } batch)
            {
                await ExecuteBatchAsync(http, batch.Operations, responseType);
                return;
            }
            var parameters = HttpMethods.IsGet(http.Request.Method)
                ? FromQueryString(http.Request.Query)
                : (await FromBodyAsync(http.Request)).Operations[0];
            var prepared = Prepare(parameters, responseType);
            var operation = prepared.Operation;
            if (HttpMethods.IsGet(http.Request.Method) && operation == OperationType.Mutation)
            {
                http.Response.Headers.Allow = "POST";
                throw new RequestFailed(StatusCodes.Status405MethodNotAllowed, "VALIDATION", "mutations are sent with POST");
            }
            // A URL ends up in proxy, browser and server logs: an access code never travels in one.
            if (HttpMethods.IsGet(http.Request.Method) && CarriesAccessCode(parameters, prepared))
            {
                http.Response.Headers.Allow = "POST";
                throw new RequestFailed(StatusCodes.Status405MethodNotAllowed, "VALIDATION", "an access code is sent with POST, never in a URL");
            }
            if (operation == OperationType.Subscription)
                throw new RequestFailed(responseType == GraphQLResponseJson ? 400 : 200, "VALIDATION", SubscriptionType.NotOverHttp);
            var caller = await AuthenticateAsync(http.Request, responseType);
            Limit(http, caller, 1);
            var result = await ExecuteAsync(http, parameters, prepared, caller);
            var status = !result.Executed && responseType == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
            await WriteAsync(http, status, responseType, result);
        }
        catch (RequestFailed failed)
        {
            await WriteAsync(http, failed.Status, responseType, Failure(failed));
        }
        catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted && Workflow.Hosting.DatabaseUnavailable.Is(e))
        {
            // The database is down or restarting (e.g. while writing the access log): try again shortly.
            logger.LogWarning("GraphQL request could not reach the database ({Failure})", Workflow.Hosting.DatabaseUnavailable.Describe(e));
            http.Response.Headers.RetryAfter = "2";
            await WriteAsync(http, StatusCodes.Status503ServiceUnavailable, responseType,
                Failure(new RequestFailed(StatusCodes.Status503ServiceUnavailable, Workflow.Hosting.DatabaseUnavailable.Code, Workflow.Hosting.DatabaseUnavailable.Message)));
        }
        catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
        {
            // Anything unforeseen is a coded 500 without the exception: no stack trace and no input
            // (an exception message may quote it) reaches the client, in Development either.
            var reference = Guid.NewGuid().ToString("N")[..12];
            logger.LogError("GraphQL request failed with {ExceptionType} (reference {Reference}) at {StackTrace}",
                e.GetType().FullName, reference, e.StackTrace);
            await WriteAsync(http, StatusCodes.Status500InternalServerError, responseType,
                Failure(new RequestFailed(StatusCodes.Status500InternalServerError, "INTERNAL", $"internal error (reference {reference})")));
        }
    }

    /// <summary>Answers carry personal data and access-checked content: no browser or proxy may keep them.</summary>
    public static void NoStore(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }

    /// <summary>
    /// The document, made ready once (<see cref="GraphQLExecution.Prepare"/>): the caps are counted before
    /// anything parses the text, and this endpoint's own look at the operation uses the same parse.
    /// </summary>
    private PreparedDocument Prepare(Parameters parameters, string responseType)
    {
        var prepared = execution.Prepare(parameters.Query, parameters.OperationName);
        if (prepared.Scan.Exceeded is { } exceeded)
            throw new RequestFailed(responseType == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
                "QUERY_TOO_COMPLEX", exceeded);
        return prepared;
    }

    /// <summary>
    /// Whether the request mentions an access code anywhere: the name <c>accessCode</c> in the document
    /// (an argument or an input field, in any operation or fragment; found by the lexer's one pass) or in the variables.
    /// </summary>
    private static bool CarriesAccessCode(Parameters parameters, PreparedDocument prepared) =>
        prepared.Scan.NamesAccessCode || Mentions(parameters.Variables);

    private static bool Mentions(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> d => d.Any(p => p.Key == "accessCode" || Mentions(p.Value)),
        IDictionary<string, object?> d => d.Any(p => p.Key == "accessCode" || Mentions(p.Value)),
        IEnumerable<object?> l when value is not string => l.Any(Mentions),
        _ => false,
    };

    private static ExecutionResult Failure(RequestFailed failed) => new()
    {
        Errors = [new ExecutionError(failed.Message) { Code = failed.Code }],
    };

    private void Limit(HttpContext http, Caller caller, int operations)
    {
        if (rateLimiter.TryAcquire(caller, http, operations) is not { } retryAfter)
            return;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        throw new RequestFailed(StatusCodes.Status429TooManyRequests, "RATE_LIMITED", $"too many requests from this caller: retry after {seconds} s");
    }

    /// <summary>A JSON array body: at most <see cref="OperationLimitsOptions.MaxBatchSize"/> operations, answered as an array of results.</summary>
    private async Task ExecuteBatchAsync(HttpContext http, IReadOnlyList<Parameters> operations, string responseType)
    {
        if (operations.Count > limits.MaxBatchSize)
            throw new RequestFailed(StatusCodes.Status400BadRequest, "QUERY_TOO_COMPLEX",
                $"a batch holds {operations.Count} operations; at most {limits.MaxBatchSize} are allowed");
        var caller = await AuthenticateAsync(http.Request, responseType);
        Limit(http, caller, operations.Count);
        var results = new List<ExecutionResult>(operations.Count);
        foreach (var parameters in operations)
        {
            try
            {
                var prepared = execution.Prepare(parameters.Query, parameters.OperationName);
                if (prepared.Scan.Exceeded is { } exceeded)
                    throw new RequestFailed(200, "QUERY_TOO_COMPLEX", exceeded);
                if (prepared.Operation == OperationType.Subscription)
                    throw new RequestFailed(200, "VALIDATION", SubscriptionType.NotOverHttp);
                results.Add(await ExecuteAsync(http, parameters, prepared, caller));
            }
            catch (RequestFailed failed)
            {
                results.Add(Failure(failed));
            }
        }
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = $"{responseType}; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, results, http.RequestAborted);
    }

    private async Task<ExecutionResult> ExecuteAsync(HttpContext http, Parameters parameters, PreparedDocument prepared, Caller caller)
    {
        var correlationId = CorrelationId(http.Request);
        var log = accessLog.ForRequest(caller.Actor, caller.Anonymous, correlationId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(limits.OperationTimeoutSeconds));
        var request = new GraphRequest(caller, log, correlationId)
        {
            // The operation's cost is charged to the caller's budget once it is measured, before anything resolves.
            [OperationLimitsRule.ChargeKey] = rateLimiter.ChargeFor(caller, http),
        };
        ExecutionResult result;
        try
        {
            result = await execution.ExecuteAsync(prepared, parameters.Variables, parameters.Extensions, request, http.RequestServices, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            throw new RequestFailed(StatusCodes.Status200OK, "INTERNAL",
                $"the operation ran longer than its limit of {limits.OperationTimeoutSeconds} s and was stopped");
        }
        if (result.Errors?.Any(e => e.InnerException is OperationCanceledException) == true && timeout.IsCancellationRequested
            && !http.RequestAborted.IsCancellationRequested)
            throw new RequestFailed(StatusCodes.Status200OK, "INTERNAL",
                $"the operation ran longer than its limit of {limits.OperationTimeoutSeconds} s and was stopped");
        if (result.Errors?.OfType<RateLimitedError>().FirstOrDefault() is { } limited)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(limited.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new RequestFailed(StatusCodes.Status429TooManyRequests, "RATE_LIMITED", limited.Message);
        }

        // The clear reads are on record before the data leaves; if they cannot be, the data does not leave.
        try
        {
            await log.FlushAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException && !Workflow.Hosting.DatabaseUnavailable.Is(e))
        {
            logger.LogError("Storing the personal-data access log failed with {ExceptionType}; the response was withheld", e.GetType().FullName);
            throw new RequestFailed(StatusCodes.Status500InternalServerError, "INTERNAL", "internal error: the access log could not be written");
        }
        return result;
    }

    private async Task<Caller> AuthenticateAsync(HttpRequest request, string responseType)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
            return Caller.AnonymousPetitioner;
        var status = responseType == GraphQLResponseJson ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK;
        if (BearerToken.From(header) is not { } token)
            throw new RequestFailed(status, "UNAUTHENTICATED", "the Authorization header must be 'Bearer <token>'");
        try
        {
            return await tokens.ValidateAsync(token);
        }
        catch (RuleViolation violation)
        {
            throw new RequestFailed(status, violation.WireCode, violation.Message);
        }
    }

    private async Task WriteAsync(HttpContext http, int status, string responseType, ExecutionResult result)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = $"{responseType}; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    /// <summary>graphql-response+json when the client accepts it; application/json for application/json, */* or no Accept; null otherwise (406).</summary>
    public static string? ResponseMediaType(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || string.IsNullOrWhiteSpace(accept.ToString()))
            return Json;
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types))
            return Json;
        string? chosen = null;
        double best = 0;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1;
            var candidate = type.MediaType.Value?.ToLowerInvariant() switch
            {
                GraphQLResponseJson => GraphQLResponseJson,
                Json or "application/*" or "*/*" => Json,
                _ => null,
            };
            if (candidate is not null && quality > best)
            {
                chosen = candidate;
                best = quality;
            }
        }
        return chosen;
    }

    private static Parameters FromQueryString(IQueryCollection query)
    {
        var text = query["query"].ToString();
        if (string.IsNullOrEmpty(text))
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the query parameter is missing");
        return new Parameters(text, NullIfEmpty(query["operationName"].ToString()),
            ParseMap(NullIfEmpty(query["variables"].ToString()), "variables"),
            ParseMap(NullIfEmpty(query["extensions"].ToString()), "extensions"));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static Inputs? ParseMap(string? json, string name)
    {
        if (json is null)
            return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return Map(document.RootElement, name);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", $"{name} is not JSON (or holds text that is not valid Unicode)");
        }
    }

    /// <summary>
    /// One reader for every request's variables and extensions: a serializer built per request would
    /// build System.Text.Json's type metadata (and its emitted accessors) again each time.
    /// </summary>
    private static readonly GraphQL.SystemTextJson.GraphQLSerializer InputReader = new();

    private static Inputs? Map(JsonElement element, string name) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Object => InputReader.ReadNode<Inputs>(element),
        _ => throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", $"{name} must be an object"),
    };

    private sealed record Body(IReadOnlyList<Parameters> Operations, bool Batch);

    /// <summary>The body, read once per request (kept in HttpContext.Items): one operation, or a JSON array of them (a batch).</summary>
    private async Task<Body> FromBodyAsync(HttpRequest request)
    {
        if (request.HttpContext.Items.TryGetValue(typeof(Body), out var cached) && cached is Body body)
            return body;
        body = await ReadBodyAsync(request);
        request.HttpContext.Items[typeof(Body)] = body;
        return body;
    }

    private async Task<Body> ReadBodyAsync(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType.Value, Json, StringComparison.OrdinalIgnoreCase)
            || (contentType.Charset.HasValue && !string.Equals(contentType.Charset.Value, "utf-8", StringComparison.OrdinalIgnoreCase)))
            throw new RequestFailed(StatusCodes.Status415UnsupportedMediaType, "VALIDATION", "send the request as application/json (utf-8)");
        if (request.ContentLength > limits.MaxBodyBytes)
            throw new RequestFailed(StatusCodes.Status413RequestEntityTooLarge, "VALIDATION", $"the request body exceeds {limits.MaxBodyBytes} bytes");

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limits.MaxBodyBytes)
                    throw new RequestFailed(StatusCodes.Status413RequestEntityTooLarge, "VALIDATION", $"the request body exceeds {limits.MaxBodyBytes} bytes");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // The server could not read the body (it ended before its Content-Length, a bad chunk, too slow):
            // the client's error, answered with the server's status for it (400, 408), not INTERNAL and no stack in the log.
            throw new RequestFailed(e.StatusCode, "VALIDATION", "the request body could not be read: it ended early, was malformed or came too slowly");
        }
        if (buffer.Length == 0)
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the request body is empty");

        var bytes = buffer.ToArray();
        // Malformed UTF-8 and lone surrogates are the client's error (400), found before any string is read.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the request body is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the request body is not valid JSON");
        }
        using (document)
        {
            try
            {
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Array)
                {
                    if (root.GetArrayLength() == 0)
                        throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "a batch must hold at least one operation");
                    return new Body([.. root.EnumerateArray().Select(OperationFrom)], true);
                }
                return new Body([OperationFrom(root)], false);
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException)
            {
                // A \uD800 escape without its pair: valid JSON, but no text.
                throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the request body holds text that is not valid Unicode");
            }
        }
    }

    private static Parameters OperationFrom(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "the request body must be a JSON object");
        if (!root.TryGetProperty("query", out var query) || query.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(query.GetString()))
            throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "query must be a non-empty string");
        string? operationName = null;
        if (root.TryGetProperty("operationName", out var op) && op.ValueKind != JsonValueKind.Null)
            operationName = op.ValueKind == JsonValueKind.String
                ? op.GetString()
                : throw new RequestFailed(StatusCodes.Status400BadRequest, "VALIDATION", "operationName must be a string");
        var variables = root.TryGetProperty("variables", out var v) ? Map(v, "variables") : null;
        var extensions = root.TryGetProperty("extensions", out var x) ? Map(x, "extensions") : null;
        return new Parameters(query.GetString()!, operationName, variables, extensions);
    }

    private static string? CorrelationId(HttpRequest request)
    {
        var value = request.Headers[CorrelationHeader].ToString().Trim();
        if (value.Length is > 0 and <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            return value;
        // Traced and no id of the caller's: the request's W3C trace context, so that the projection work on
        // the command's events links back to this trace (Projections.Monitoring.ProjectionTracing).
        return System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C, Recorded: true } traced ? traced.Id : null;
    }
}
