namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>GraphQL:WebSocket</c> (docs/operations.md, WebSocket limits).</summary>
public sealed class GraphQLWebSocketOptions
{
    public const string Section = "GraphQL:WebSocket";

    /// <summary>A socket that has not sent connection_init within this time is closed with 4408.</summary>
    public double ConnectionInitTimeoutSeconds { get; set; } = 10;

    /// <summary>The server pings an idle client this often (0: never).</summary>
    public double PingIntervalSeconds { get; set; } = 15;

    /// <summary>Operations running at once on one socket; more are refused with an error message (RATE_LIMITED).</summary>
    public int MaxSubscriptionsPerSocket { get; set; } = 20;

    /// <summary>Messages waiting to be sent on one socket before producers wait.</summary>
    public int OutboxSize { get; set; } = 64;

    /// <summary>After the server sends Close, how long it waits for the client's Close.</summary>
    public double CloseTimeoutSeconds { get; set; } = 5;

    /// <summary>Open sockets on this node; an upgrade beyond it is refused with 429.</summary>
    public int MaxSockets { get; set; } = 2000;

    /// <summary>Open sockets from one client address (an IPv6 client: its /64); an upgrade beyond it is refused with 429.</summary>
    public int MaxSocketsPerClient { get; set; } = 50;

    /// <summary>
    /// The largest message a client may send; the socket is closed with 1009 as soon as a message's
    /// received bytes pass it, so no more than this is ever held for one socket.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>A message whose first bytes arrived must arrive whole within this time, or the socket is closed with 1008.</summary>
    public double MessageTimeoutSeconds { get; set; } = 10;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        MaxSockets < 1 ? "GraphQL:WebSocket:MaxSockets must be at least 1"
        : MaxSocketsPerClient < 1 ? "GraphQL:WebSocket:MaxSocketsPerClient must be at least 1"
        : MaxMessageBytes < 1024 ? "GraphQL:WebSocket:MaxMessageBytes must be at least 1024"
        : MessageTimeoutSeconds <= 0 ? "GraphQL:WebSocket:MessageTimeoutSeconds must be above 0"
        : ConnectionInitTimeoutSeconds <= 0 ? "GraphQL:WebSocket:ConnectionInitTimeoutSeconds must be above 0"
        : MaxSubscriptionsPerSocket < 1 ? "GraphQL:WebSocket:MaxSubscriptionsPerSocket must be at least 1"
        : OutboxSize < 1 ? "GraphQL:WebSocket:OutboxSize must be at least 1"
        : null;
}
