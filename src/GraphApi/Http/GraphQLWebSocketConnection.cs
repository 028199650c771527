using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace CaseEngine.GraphApi.Http;
/// <summary>
/// One graphql-transport-ws socket, its transport half: the receive loop (message size and time limits,
/// then each whole message to the protocol, <c>GraphQLWebSocketProtocol.cs</c>), the send loop behind the
/// bounded outbox (messages are never written concurrently; a producer waits when the client reads
/// slowly), the Close handshake and the timers (init, ping). Created by <see cref="GraphQLWebSocketEndpoint"/>
/// once the socket is admitted.
/// </summary>
internal sealed partial class GraphQLWebSocketConnection(GraphQLWebSocketEndpoint endpoint, WebSocket socket, HttpContext http)
{
    private readonly Channel<Outgoing> _outbox = System.Threading.Channels.Channel.CreateBounded<Outgoing>(
        new BoundedChannelOptions(endpoint.Options.OutboxSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
    private readonly TaskCompletionSource _closeSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closeRequested;
    // A message whose first bytes arrived and whose end has not: the message timer closes the socket.
    private volatile bool _messageInProgress;

    private sealed record Outgoing(byte[]? Message, WebSocketCloseStatus? Close = null, string? Reason = null);

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
                await SendAsync(MessageTypes.Ping, null, null);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Truncate(string? text, int max) =>
        text is null ? "" : text.Length <= max ? text : text[..max];
}
