namespace CaseEngine.GraphApi.Http;

/// <summary>The message types of graphql-transport-ws, both ways.</summary>
public static class MessageTypes
{
    /// <summary>Client → server, first: the payload may carry <c>{"authorization":"Bearer &lt;JWT&gt;"}</c>.</summary>
    public const string ConnectionInit = "connection_init";

    /// <summary>Server → client: the socket is open for subscribe.</summary>
    public const string ConnectionAck = "connection_ack";

    /// <summary>Either way; answered with <see cref="Pong"/>.</summary>
    public const string Ping = "ping";

    public const string Pong = "pong";

    /// <summary>Client → server: run an operation under an id.</summary>
    public const string Subscribe = "subscribe";

    /// <summary>Server → client: a result of the operation.</summary>
    public const string Next = "next";

    /// <summary>Server → client: the operation failed; it ends.</summary>
    public const string Error = "error";

    /// <summary>Either way: the operation ends.</summary>
    public const string Complete = "complete";
}

/// <summary>
/// The close codes this server sends: graphql-transport-ws's own (44xx), and RFC 6455's where the
/// protocol has none. The graphql-ws client reconnects by itself after 4403 and 4408 and gives up
/// after the others (it treats 1008 and 1009 as fatal).
/// </summary>
public static class WebSocketCloseCodes
{
    /// <summary>A message that is not JSON, not an object with a string type, or a message the protocol does not know.</summary>
    public const int BadRequest = 4400;

    /// <summary>subscribe before connection_ack.</summary>
    public const int Unauthorized = 4401;

    /// <summary>A present but invalid token at connection_init, or the token's exp has passed: sign in again and resume with after.</summary>
    public const int Forbidden = 4403;

    /// <summary>No connection_init within GraphQL:WebSocket:ConnectionInitTimeoutSeconds.</summary>
    public const int InitTimeout = 4408;

    /// <summary>A subscribe with the id of an operation still running.</summary>
    public const int SubscriberAlreadyExists = 4409;

    /// <summary>A second connection_init.</summary>
    public const int TooManyInitialisationRequests = 4429;

    /// <summary>A message not whole within MessageTimeoutSeconds, or a subscriber too slow for its buffer (RFC 6455 policy violation).</summary>
    public const int PolicyViolation = 1008;

    /// <summary>A message over MaxMessageBytes (RFC 6455 message too big).</summary>
    public const int MessageTooBig = 1009;
}
