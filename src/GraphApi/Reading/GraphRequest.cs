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

    /// <summary>Set for a subscription over WebSocket: paces its source to the socket (one event in flight).</summary>
    public SubscriptionGate? Gate { get; init; }
}

/// <summary>
/// Flow control between a subscription's source and its socket: the source hands over the next
/// event only when the previous one has been sent, so nothing queues inside the executer; a fault
/// of the source (a slow consumer) goes to the socket directly.
/// </summary>
public sealed class SubscriptionGate(Action<Exception> fault)
{
    private readonly SemaphoreSlim _ready = new(1, 1);

    public Task WaitAsync(CancellationToken ct) => _ready.WaitAsync(ct);

    /// <summary>The previous event has been written (or dropped): let the next one through.</summary>
    public void Release()
    {
        if (_ready.CurrentCount == 0)
            _ready.Release();
    }

    public void Fault(Exception e) => fault(e);
}

public static class GraphRequestExtensions
{
    public static GraphRequest Request(this IResolveFieldContext context) =>
        context.UserContext as GraphRequest ?? throw new InvalidOperationException("the request context is missing");

    public static Caller Caller(this IResolveFieldContext context) => context.Request().Caller;

    public static T Service<T>(this IResolveFieldContext context) where T : notnull =>
        (T)(context.RequestServices ?? throw new InvalidOperationException("no request services")).GetService(typeof(T))!;
}
