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
using Microsoft.IdentityModel.JsonWebTokens;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// One graphql-transport-ws socket: the receive loop (message size and time limits, then the protocol's
/// messages), the operations it runs, the send loop behind the bounded outbox, and the timers (init,
/// ping, token expiry). Created by <see cref="GraphQLWebSocketEndpoint"/> once the socket is admitted.
/// </summary>
internal sealed class GraphQLWebSocketConnection(GraphQLWebSocketEndpoint endpoint, WebSocket socket, HttpContext http)
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
    // The token's exp (UTC ticks; MaxValue: anonymous, never expires), on the injected clock.
    private long _expiresUtcTicks = long.MaxValue;
    private Task _expiryWatch = Task.CompletedTask;
    // A message whose first bytes arrived and whose end has not: the message timer closes the socket.
    private volatile bool _messageInProgress;

    private const string ExpiredReason = "Forbidden: the token has expired; sign in again and resubscribe with after";

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
            StopAll();
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
            await Task.WhenAll(sender, initTimeout, pinger, _expiryWatch);
            _closing.Dispose();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var max = endpoint.Options.MaxMessageBytes;
        var messageTimeout = TimeSpan.FromSeconds(endpoint.Options.MessageTimeoutSeconds);
        var buffer = ArrayPool<byte>.Shared.Rent(4 * 1024);
        var message = new MessageBuffer(max);
        using var messageTimer = endpoint.Time.CreateTimer(_ => OnMessageTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
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
                // After a Close is queued, what the client still sends is read and dropped until its Close (or the close timeout).
                if (Interlocked.CompareExchange(ref _closeRequested, 0, 0) != 0)
                    continue;
                if (!_messageInProgress)
                {
                    _messageInProgress = true;
                    if (!received.EndOfMessage)
                        messageTimer.Change(messageTimeout, Timeout.InfiniteTimeSpan);
                }
                // Checked before the bytes are kept: a message over the cap is never held, whatever its frames declare.
                if (!message.TryAppend(buffer.AsSpan(0, received.Count)))
                {
                    message.Release();
                    await RequestCloseAsync(WebSocketCloseStatus.MessageTooBig, $"a message may have at most {max} bytes");
                    continue;
                }
                if (!received.EndOfMessage)
                    continue;
                messageTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _messageInProgress = false;
                if (received.MessageType != WebSocketMessageType.Text)
                    await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "messages are JSON text");
                else
                    await OnMessageAsync(message.Written);
                message.Clear();
            }
        }
        finally
        {
            message.Release();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnMessageTimeout()
    {
        if (_messageInProgress)
            _ = RequestCloseAsync(WebSocketCloseStatus.PolicyViolation,
                $"a message must arrive whole within {endpoint.Options.MessageTimeoutSeconds:0.###} s");
    }

    private async Task OnMessageAsync(ReadOnlyMemory<byte> bytes)
    {
        string? type, id = null;
        JsonElement payload = default;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "a message is a JSON object with a string type");
                return;
            }
            type = t.GetString();
            if (root.TryGetProperty("id", out var i))
            {
                if (i.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(i.GetString()))
                {
                    await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "id must be a non-empty string");
                    return;
                }
                id = i.GetString();
            }
            if (root.TryGetProperty("payload", out var p))
                payload = p.Clone();
        }
        catch (JsonException)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the message is not valid JSON");
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
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "subscribe needs an id");
                break;
            case "subscribe":
                await OnSubscribeAsync(id, payload);
                break;
            case "complete" when id is null:
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "complete needs an id");
                break;
            case "complete":
                Stop(id);
                break;
            default:
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, $"unknown message type '{Truncate(type, 40)}'");
                break;
        }
    }

    private async Task OnInitAsync(JsonElement payload)
    {
        if (Interlocked.Exchange(ref _initReceived, 1) == 1)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.TooManyInitialisationRequests, "Too many initialisation requests");
            return;
        }
        if (payload.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the connection_init payload must be an object");
            return;
        }
        if (payload.ValueKind == JsonValueKind.Object && FindAuthorization(payload) is { } authorization)
        {
            const string scheme = "Bearer ";
            if (authorization.ValueKind != JsonValueKind.String
                || authorization.GetString() is not { } header
                || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length <= scheme.Length)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, "Forbidden: authorization must be 'Bearer <token>'");
                return;
            }
            var token = header[scheme.Length..].Trim();
            try
            {
                _caller = await endpoint.Tokens.ValidateAsync(token);
            }
            catch (RuleViolation violation)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, $"Forbidden: {violation.Message}");
                return;
            }
            // The token proves the caller until its exp, not for as long as the socket stays open.
            // Validated above, so its exp claim is the signed one.
            Interlocked.Exchange(ref _expiresUtcTicks, new DateTimeOffset(new JsonWebToken(token).ValidTo, TimeSpan.Zero).UtcTicks);
            _expiryWatch = WatchExpiryAsync();
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
        // Nothing runs on an expired token: a query or mutation would act for a caller no longer proven.
        if (Expired)
        {
            await CloseExpiredAsync();
            return;
        }
        if (!_acknowledged)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Unauthorized, "Unauthorized: subscribe before connection_ack");
            return;
        }
        if (_operations.ContainsKey(id))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.SubscriberAlreadyExists, $"Subscriber for {Truncate(id, 40)} already exists");
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
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the subscribe payload needs a query");
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
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.SubscriberAlreadyExists, $"Subscriber for {Truncate(id, 40)} already exists");
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
        var context = new GraphRequest(_caller, log, null)
        {
            Gate = gate,
            // As over HTTP: the operation's measured cost is charged to the caller's budget before anything resolves.
            [OperationLimitsRule.ChargeKey] = endpoint.RateLimiter.ChargeFor(_caller, http),
        };
        try
        {
            var execution = endpoint.Executer.ExecuteAsync(endpoint.Http.CreateOptions(
                request.Query!, request.OperationName, request.Variables, request.Extensions, context, http.RequestServices, ct));
            // The operation time limit of HTTP bounds a query or mutation here too, and a subscription's set-up;
            // not a subscription's stream, which lives until complete or close (so ct itself has no deadline).
            ExecutionResult result;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var limit = Task.Delay(TimeSpan.FromSeconds(endpoint.Limits.OperationTimeoutSeconds), endpoint.Time, deadline.Token);
                if (await Task.WhenAny(limit, execution) == limit && limit.IsCompletedSuccessfully)
                {
                    Stop(id);
                    _ = execution.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    await SendErrorAsync(id, "INTERNAL",
                        $"the operation ran longer than its limit of {endpoint.Limits.OperationTimeoutSeconds} s and was stopped");
                    return;
                }
                await deadline.CancelAsync();
                result = await execution;
            }
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

    private void StopAll()
    {
        foreach (var id in _operations.Keys)
            Stop(id);
    }

    private bool Expired => endpoint.Time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _expiresUtcTicks);

    /// <summary>Stops every operation, then closes with 4403: the client signs in again and resumes each subscription with after.</summary>
    private async Task CloseExpiredAsync()
    {
        StopAll();
        await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, ExpiredReason);
    }

    /// <summary>
    /// Closes the socket at the token's exp on the injected clock. It looks again at least every ping
    /// interval (or minute), so that a clock that is stepped forward is noticed before the long wait ends.
    /// </summary>
    private async Task WatchExpiryAsync()
    {
        var recheck = TimeSpan.FromSeconds(endpoint.Options.PingIntervalSeconds > 0 ? endpoint.Options.PingIntervalSeconds : 60);
        try
        {
            while (true)
            {
                var remaining = new DateTimeOffset(Interlocked.Read(ref _expiresUtcTicks), TimeSpan.Zero) - endpoint.Time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                    break;
                await Task.Delay(remaining < recheck ? remaining : recheck, endpoint.Time, _closing.Token);
            }
            await CloseExpiredAsync();
        }
        catch (OperationCanceledException)
        {
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
            await foreach (var queued in _outbox.Reader.ReadAllAsync(_closing.Token))
            {
                var item = queued;
                // Checked as each message leaves, so that nothing queued before the exp is sent after it.
                if (item.Close is null && Expired)
                {
                    StopAll();
                    Interlocked.Exchange(ref _closeRequested, 1);
                    item = new Outgoing(null, (WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, ExpiredReason);
                }
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
            await Task.Delay(delay, endpoint.Time, _closing.Token);
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
            await Task.Delay(TimeSpan.FromSeconds(endpoint.Options.ConnectionInitTimeoutSeconds), endpoint.Time, _closing.Token);
            if (Volatile.Read(ref _initReceived) == 0)
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.InitTimeout, "Connection initialisation timeout");
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
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(endpoint.Options.PingIntervalSeconds), endpoint.Time);
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

/// <summary>
/// The bytes of one incoming message, at most <c>max</c>: it grows by doubling up to the cap and never
/// past it, and returns its array to the pool after a large message, so an idle socket holds little.
/// </summary>
internal sealed class MessageBuffer(int max)
{
    private const int KeptAfterMessage = 16 * 1024;
    private byte[] _array = [];
    private int _length;

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _length);

    /// <summary>False, keeping nothing, when the message would pass the cap.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > max - _length)
            return false;
        if (_length + bytes.Length > _array.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(max, Math.Max(_length + bytes.Length, Math.Max(1024, _array.Length * 2))));
            _array.AsSpan(0, _length).CopyTo(grown);
            ReturnArray();
            _array = grown;
        }
        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
        return true;
    }

    public void Clear()
    {
        _length = 0;
        if (_array.Length > KeptAfterMessage)
            ReturnArray();
    }

    public void Release()
    {
        _length = 0;
        ReturnArray();
    }

    private void ReturnArray()
    {
        if (_array.Length > 0)
            ArrayPool<byte>.Shared.Return(_array);
        _array = [];
    }
}
