using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using GraphQL;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// The graphql-transport-ws protocol at /graphql (the upgrade of a GET): connection_init with the
/// token as <c>{"authorization":"Bearer &lt;JWT&gt;"}</c> (a present but invalid token closes with
/// 4403; none is anonymous), connection_ack, subscribe / next / error / complete, ping / pong both
/// ways, and the protocol's close codes (<see cref="WebSocketCloseCodes"/>). Every socket has one send
/// loop fed by a bounded outbox, so messages are never written concurrently and a producer waits when
/// the client reads slowly. What one client can hold is bounded: sockets per client address and per
/// node (429 before the upgrade), bytes and time per message (1009, 1008), and the token's lifetime:
/// at its exp the socket closes with 4403 and nothing is sent after it (docs/operations.md, WebSocket limits).
/// </summary>
public sealed class GraphQLWebSocketEndpoint(
    GraphQLExecution execution,
    IGraphQLSerializer serializer,
    TokenService tokens,
    AccessLog accessLog,
    GraphQLWebSocketOptions options,
    CallerRateLimiter rateLimiter,
    OperationLimitsOptions limits,
    TimeProvider time,
    ILogger<GraphQLWebSocketEndpoint> logger)
{
    public const string SubProtocol = "graphql-transport-ws";

    private readonly GraphQLWebSocketOptions _options = options;
    private readonly WebSocketAdmission _admission = new(options);
    private long _lastRefusalLogged = long.MinValue;

    internal GraphQLExecution Execution => execution;
    internal IGraphQLSerializer Serializer => serializer;
    internal TokenService Tokens => tokens;
    internal AccessLog AccessLog => accessLog;
    internal GraphQLWebSocketOptions Options => _options;
    internal CallerRateLimiter RateLimiter => rateLimiter;
    internal ILogger Logger => logger;
    internal TimeProvider Time => time;
    internal OperationLimitsOptions Limits => limits;

    /// <summary>Open sockets on this node.</summary>
    public int OpenSockets => _admission.Open;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"WebSocket clients must offer the {SubProtocol} subprotocol", context.RequestAborted);
            return;
        }
        // Counted before the upgrade, so that a refused client costs no socket, buffer or task.
        using var place = _admission.TryEnter(context.Connection.RemoteIpAddress);
        if (place is null)
        {
            LogRefusal();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "10";
            await context.Response.WriteAsync("too many WebSocket connections from this client or to this server", context.RequestAborted);
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(SubProtocol);
        var connection = new GraphQLWebSocketConnection(this, socket, context);
        await connection.RunAsync();
    }

    /// <summary>At most one line a minute: a client hammering a cap must not flood the log. No address is logged.</summary>
    private void LogRefusal()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastRefusalLogged);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < TimeSpan.FromMinutes(1))
            return;
        if (Interlocked.CompareExchange(ref _lastRefusalLogged, now, last) == last)
            logger.LogWarning("WebSocket upgrades are refused with 429: a client reached GraphQL:WebSocket:MaxSocketsPerClient ({PerClient}) or the node reached GraphQL:WebSocket:MaxSockets ({Total}); {Open} sockets are open",
                _options.MaxSocketsPerClient, _options.MaxSockets, _admission.Open);
    }
}

internal static class SerializerExtensions
{
    public static async Task<byte[]> SerializeToBytesAsync(this IGraphQLSerializer serializer, object value, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        await serializer.WriteAsync(stream, value, ct);
        return stream.ToArray();
    }
}
