using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Reading;
using GraphQL;
using GraphQL.Transport;

namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>GraphQL:WebSocket</c>.</summary>
public sealed class GraphQLWebSocketOptions
{
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
}

/// <summary>
/// The graphql-transport-ws protocol at /graphql (the upgrade of a GET): connection_init with the
/// token as <c>{"authorization":"Bearer &lt;JWT&gt;"}</c> (a present but invalid token closes with
/// 4403; none is anonymous), connection_ack, subscribe / next / error / complete, ping / pong both
/// ways, and the protocol's close codes (4400 bad message, 4401 subscribe before ack, 4408 init
/// timeout, 4409 duplicate id, 4429 a second init). Every socket has one send loop fed by a bounded
/// outbox, so messages are never written concurrently and a producer waits when the client reads slowly.
/// </summary>
public sealed class GraphQLWebSocketEndpoint(
    IDocumentExecuter executer,
    IGraphQLSerializer serializer,
    GraphQLHttpEndpoint http,
    TokenService tokens,
    AccessLog accessLog,
    GraphQLWebSocketOptions options,
    CallerRateLimiter rateLimiter,
    ILogger<GraphQLWebSocketEndpoint> logger)
{
    public const string SubProtocol = "graphql-transport-ws";

    private IDocumentExecuter Executer => executer;
    private IGraphQLSerializer Serializer => serializer;
    private GraphQLHttpEndpoint Http => http;
    private TokenService Tokens => tokens;
    private AccessLog AccessLog => accessLog;
    private GraphQLWebSocketOptions Options => options;
    private CallerRateLimiter RateLimiter => rateLimiter;
    private ILogger Logger => logger;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"WebSocket clients must offer the {SubProtocol} subprotocol", context.RequestAborted);
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(SubProtocol);
        var connection = new Connection(this, socket, context);
        await connection.RunAsync();
    }

    private sealed class Connection(GraphQLWebSocketEndpoint endpoint, WebSocket socket, HttpContext http)
    {
        private readonly Channel<Outgoing> _outbox = System.Threading.Channels.Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(endpoint.Options.OutboxSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        private readonly TaskCompletionSource _closeSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _initReceived;
        private volatile bool _acknowledged;
        private int _closeRequested;
        private Caller _caller = Caller.AnonymousPetitioner;

        private sealed record Outgoing(byte[]? Message, WebSocketCloseStatus? Close = null, string? Reason = null);

        private sealed class Operation(CancellationTokenSource cts)
        {
            public CancellationTokenSource Cancellation { get; } = cts;
            public IDisposable? Subscription { get; set; }
        }

        public async Task RunAsync()
        {
            var sender = SendLoopAsync();
            var initTimeout = InitTimeoutAsync();
            var pinger = PingLoopAsync();
            try
            {
                await ReceiveLoopAsync();
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                foreach (var id in _operations.Keys)
                    Stop(id);
                // What is queued (the answer to the client's Close, above all) still goes out, within the close timeout.
                _outbox.Writer.TryComplete();
                try
                {
                    await sender.WaitAsync(TimeSpan.FromSeconds(endpoint.Options.CloseTimeoutSeconds));
                }
                catch (TimeoutException)
                {
                    socket.Abort();
                }
                await _closing.CancelAsync();
                await Task.WhenAll(sender, initTimeout, pinger);
                _closing.Dispose();
            }
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                using var message = new MemoryStream();
                while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
                {
                    var received = await socket.ReceiveAsync(buffer, _closing.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        // Answer the client's Close so that it sees a clean close, not 1006.
                        if (socket.State == WebSocketState.CloseReceived)
                            await RequestCloseAsync(received.CloseStatus ?? WebSocketCloseStatus.NormalClosure, received.CloseStatusDescription);
                        return;
                    }
                    if (Interlocked.CompareExchange(ref _closeRequested, 0, 0) != 0)
                        continue;
                    if (message.Length + received.Count > GraphQLHttpEndpoint.MaxBodyBytes)
                    {
                        await RequestCloseAsync(WebSocketCloseStatus.MessageTooBig, $"a message may have at most {GraphQLHttpEndpoint.MaxBodyBytes} bytes");
                        message.SetLength(0);
                        continue;
                    }
                    message.Write(buffer, 0, received.Count);
                    if (!received.EndOfMessage)
                        continue;
                    if (received.MessageType != WebSocketMessageType.Text)
                        await RequestCloseAsync((WebSocketCloseStatus)4400, "messages are JSON text");
                    else
                        await OnMessageAsync(message.ToArray());
                    message.SetLength(0);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private async Task OnMessageAsync(byte[] bytes)
        {
            string? type, id = null;
            JsonElement payload = default;
            try
            {
                using var document = JsonDocument.Parse(bytes);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
                {
                    await RequestCloseAsync((WebSocketCloseStatus)4400, "a message is a JSON object with a string type");
                    return;
                }
                type = t.GetString();
                if (root.TryGetProperty("id", out var i))
                {
                    if (i.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(i.GetString()))
                    {
                        await RequestCloseAsync((WebSocketCloseStatus)4400, "id must be a non-empty string");
                        return;
                    }
                    id = i.GetString();
                }
                if (root.TryGetProperty("payload", out var p))
                    payload = p.Clone();
            }
            catch (JsonException)
            {
                await RequestCloseAsync((WebSocketCloseStatus)4400, "the message is not valid JSON");
                return;
            }

            switch (type)
            {
                case "connection_init":
                    await OnInitAsync(payload);
                    break;
                case "ping":
                    await SendAsync("pong", null, null);
                    break;
                case "pong":
                    break;
                case "subscribe" when id is null:
                    await RequestCloseAsync((WebSocketCloseStatus)4400, "subscribe needs an id");
                    break;
                case "subscribe":
                    await OnSubscribeAsync(id, payload);
                    break;
                case "complete" when id is null:
                    await RequestCloseAsync((WebSocketCloseStatus)4400, "complete needs an id");
                    break;
                case "complete":
                    Stop(id);
                    break;
                default:
                    await RequestCloseAsync((WebSocketCloseStatus)4400, $"unknown message type '{Truncate(type, 40)}'");
                    break;
            }
        }

        private async Task OnInitAsync(JsonElement payload)
        {
            if (Interlocked.Exchange(ref _initReceived, 1) == 1)
            {
                await RequestCloseAsync((WebSocketCloseStatus)4429, "Too many initialisation requests");
                return;
            }
            if (payload.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
            {
                await RequestCloseAsync((WebSocketCloseStatus)4400, "the connection_init payload must be an object");
                return;
            }
            if (payload.ValueKind == JsonValueKind.Object && FindAuthorization(payload) is { } authorization)
            {
                const string scheme = "Bearer ";
                if (authorization.ValueKind != JsonValueKind.String
                    || authorization.GetString() is not { } header
                    || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length <= scheme.Length)
                {
                    await RequestCloseAsync((WebSocketCloseStatus)4403, "Forbidden: authorization must be 'Bearer <token>'");
                    return;
                }
                try
                {
                    _caller = await endpoint.Tokens.ValidateAsync(header[scheme.Length..].Trim());
                }
                catch (RuleViolation violation)
                {
                    await RequestCloseAsync((WebSocketCloseStatus)4403, $"Forbidden: {violation.Message}");
                    return;
                }
            }
            _acknowledged = true;
            await SendAsync("connection_ack", null, null);
        }

        private static JsonElement? FindAuthorization(JsonElement payload)
        {
            foreach (var property in payload.EnumerateObject())
                if (string.Equals(property.Name, "authorization", StringComparison.OrdinalIgnoreCase))
                    return property.Value;
            return null;
        }

        private async Task OnSubscribeAsync(string id, JsonElement payload)
        {
            if (!_acknowledged)
            {
                await RequestCloseAsync((WebSocketCloseStatus)4401, "Unauthorized: subscribe before connection_ack");
                return;
            }
            if (_operations.ContainsKey(id))
            {
                await RequestCloseAsync((WebSocketCloseStatus)4409, $"Subscriber for {Truncate(id, 40)} already exists");
                return;
            }
            GraphQLRequest? request;
            try
            {
                request = payload.ValueKind == JsonValueKind.Object ? endpoint.Serializer.ReadNode<GraphQLRequest>(payload) : null;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
            {
                request = null;
            }
            if (request is null || string.IsNullOrEmpty(request.Query))
            {
                await RequestCloseAsync((WebSocketCloseStatus)4400, "the subscribe payload needs a query");
                return;
            }
            if (_operations.Count >= endpoint.Options.MaxSubscriptionsPerSocket)
            {
                await SendErrorAsync(id, "RATE_LIMITED", $"at most {endpoint.Options.MaxSubscriptionsPerSocket} operations may run on one socket");
                return;
            }
            if (endpoint.RateLimiter.TryAcquire(_caller, http) is { } retryAfter)
            {
                await SendErrorAsync(id, "RATE_LIMITED", $"too many requests: retry after {retryAfter.TotalSeconds:0} s");
                return;
            }
            var operation = new Operation(CancellationTokenSource.CreateLinkedTokenSource(_closing.Token));
            if (!_operations.TryAdd(id, operation))
            {
                await RequestCloseAsync((WebSocketCloseStatus)4409, $"Subscriber for {Truncate(id, 40)} already exists");
                return;
            }
            // The operation runs beside the receive loop, so that ping, complete and other subscribes keep flowing.
            _ = Task.Run(() => RunOperationAsync(id, request, operation));
        }

        private async Task RunOperationAsync(string id, GraphQLRequest request, Operation operation)
        {
            var ct = operation.Cancellation.Token;
            var results = System.Threading.Channels.Channel.CreateUnbounded<ExecutionResult>(new UnboundedChannelOptions { SingleReader = true });
            var gate = new SubscriptionGate(e => Fault(id, e));
            var log = endpoint.AccessLog.ForRequest(_caller.Actor, _caller.Anonymous, null);
            var context = new GraphRequest(_caller, log, null) { Gate = gate };
            try
            {
                var result = await endpoint.Executer.ExecuteAsync(endpoint.Http.CreateOptions(
                    request.Query!, request.OperationName, request.Variables, request.Extensions, context, http.RequestServices, ct));
                if (result.Streams is not { Count: > 0 } streams)
                {
                    if (!result.Executed || result.Data is null && result.Errors is { Count: > 0 })
                    {
                        await SendAsync("error", id, await ErrorsOf(result, ct));
                        return;
                    }
                    await log.FlushAsync(ct);
                    await SendAsync("next", id, await endpoint.Serializer.SerializeToBytesAsync(result, ct));
                    await SendAsync("complete", id, null);
                    return;
                }
                // One root field per subscription (the validation rule): one stream.
                var observer = new ResultObserver(results.Writer);
                operation.Subscription = streams.Values.First().Subscribe(observer);
                await foreach (var next in results.Reader.ReadAllAsync(ct))
                {
                    await log.FlushAsync(ct);
                    await SendAsync("next", id, await endpoint.Serializer.SerializeToBytesAsync(next, ct));
                    gate.Release();
                }
                if (_operations.ContainsKey(id))
                    await SendAsync("complete", id, null);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (ChannelClosedException)
            {
            }
            catch (Exception e)
            {
                // The message may quote input; the type and the stack say where it failed.
                endpoint.Logger.LogError("Subscription failed with {ExceptionType} at {StackTrace}", e.GetType().FullName, e.StackTrace);
                await SendErrorAsync(id, "INTERNAL", "internal error");
            }
            finally
            {
                Stop(id);
            }
        }

        private sealed class ResultObserver(ChannelWriter<ExecutionResult> writer) : IObserver<ExecutionResult>
        {
            public void OnCompleted() => writer.TryComplete();
            public void OnError(Exception error) => writer.TryComplete(error);
            public void OnNext(ExecutionResult value) => writer.TryWrite(value);
        }

        private void Fault(string id, Exception e)
        {
            if (e is SlowConsumerException)
            {
                endpoint.Logger.LogWarning("A subscriber fell behind its buffer; its socket is closed");
                _ = RequestCloseAsync(WebSocketCloseStatus.PolicyViolation, Truncate(e.Message, 120));
            }
            else
            {
                endpoint.Logger.LogError("Subscription source failed with {ExceptionType} at {StackTrace}", e.GetType().FullName, e.StackTrace);
                _ = SendErrorAsync(id, "INTERNAL", "internal error: the event source failed; resubscribe with after");
                Stop(id);
            }
        }

        /// <summary>Ends an operation (client complete, close, or its own end); the client hears nothing more of it.</summary>
        private void Stop(string id)
        {
            if (!_operations.TryRemove(id, out var operation))
                return;
            operation.Subscription?.Dispose();
            try
            {
                operation.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task<byte[]> ErrorsOf(ExecutionResult result, CancellationToken ct)
        {
            var bytes = await endpoint.Serializer.SerializeToBytesAsync(new ExecutionResult { Errors = result.Errors }, ct);
            using var document = JsonDocument.Parse(bytes);
            return Encoding.UTF8.GetBytes(document.RootElement.GetProperty("errors").GetRawText());
        }

        private async Task SendErrorAsync(string id, string code, string message)
        {
            var errors = JsonSerializer.SerializeToUtf8Bytes(new[]
            {
                new { message, extensions = new { code } },
            });
            await SendAsync("error", id, errors);
        }

        private async Task SendAsync(string type, string? id, byte[]? payload)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                if (id is not null)
                    writer.WriteString("id", id);
                writer.WriteString("type", type);
                if (payload is not null)
                {
                    writer.WritePropertyName("payload");
                    writer.WriteRawValue(payload, skipInputValidation: true);
                }
                writer.WriteEndObject();
            }
            try
            {
                await _outbox.Writer.WriteAsync(new Outgoing(stream.ToArray()), _closing.Token);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
            }
        }

        /// <summary>Queues a Close after what is already queued; the send loop sends it and nothing after it.</summary>
        private async Task RequestCloseAsync(WebSocketCloseStatus status, string? reason)
        {
            if (Interlocked.Exchange(ref _closeRequested, 1) == 1)
                return;
            try
            {
                await _outbox.Writer.WriteAsync(new Outgoing(null, status, reason), _closing.Token);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
            }
        }

        private async Task SendLoopAsync()
        {
            try
            {
                await foreach (var item in _outbox.Reader.ReadAllAsync(_closing.Token))
                {
                    if (item.Close is { } status)
                    {
                        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                            await socket.CloseOutputAsync(status, item.Reason, _closing.Token);
                        _closeSent.TrySetResult();
                        _outbox.Writer.TryComplete();
                        // The receive loop waits for the client's Close; a client that never sends it is cut off.
                        _ = AbortAfterAsync(TimeSpan.FromSeconds(endpoint.Options.CloseTimeoutSeconds));
                        return;
                    }
                    if (socket.State != WebSocketState.Open)
                        continue;
                    await socket.SendAsync(item.Message!, WebSocketMessageType.Text, true, _closing.Token);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                socket.Abort();
            }
        }

        private async Task AbortAfterAsync(TimeSpan delay)
        {
            try
            {
                await Task.Delay(delay, _closing.Token);
                socket.Abort();
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task InitTimeoutAsync()
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(endpoint.Options.ConnectionInitTimeoutSeconds), _closing.Token);
                if (Volatile.Read(ref _initReceived) == 0)
                    await RequestCloseAsync((WebSocketCloseStatus)4408, "Connection initialisation timeout");
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task PingLoopAsync()
        {
            if (endpoint.Options.PingIntervalSeconds <= 0)
                return;
            try
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(endpoint.Options.PingIntervalSeconds));
                while (await timer.WaitForNextTickAsync(_closing.Token))
                    await SendAsync("ping", null, null);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static string Truncate(string? text, int max) =>
            text is null ? "" : text.Length <= max ? text : text[..max];
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
