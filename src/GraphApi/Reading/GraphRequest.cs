using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using GraphQL;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// The per-request user context: the caller and the clear reads to log. Resolvers run in parallel,
/// so it holds nothing that is not thread-safe (each resolver opens its own Marten session).
/// </summary>
public sealed class GraphRequest(Caller caller, RequestAccessLog accessLog, string? correlationId) : Dictionary<string, object?>
{
    public Caller Caller { get; } = caller;
    public RequestAccessLog AccessLog { get; } = accessLog;
    public string? CorrelationId { get; } = correlationId;
}

public static class GraphRequestExtensions
{
    public static GraphRequest Request(this IResolveFieldContext context) =>
        context.UserContext as GraphRequest ?? throw new InvalidOperationException("the request context is missing");

    public static Caller Caller(this IResolveFieldContext context) => context.Request().Caller;

    public static T Service<T>(this IResolveFieldContext context) where T : notnull =>
        (T)(context.RequestServices ?? throw new InvalidOperationException("no request services")).GetService(typeof(T))!;
}
