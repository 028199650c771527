using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace CaseEngine.Bench.Faults;

/// <summary>
/// A graphql-transport-ws client that follows <c>petitionEvents</c> through the faults: whenever its
/// socket breaks (its node killed, the database crashed) it connects again, to any node, with
/// <c>after</c> = the last sequence it received. It keeps every delivery, so the run can check that
/// it saw each event of the log exactly once and in order.
/// </summary>
public sealed class ResumingSubscriber(Func<Random, NodeProcess> pickNode, string token)
{
    private const string Query = "subscription($after: Long) { petitionEvents(after: $after) { sequence petitionId version type } }";

    private readonly List<long> _sequences = [];
    private readonly Random _rng = new(7);
    private long _last;
    private int _connections;

    /// <summary>Connections made (1 + reconnections).</summary>
    public int Connections => _connections;

    public long Last => Interlocked.Read(ref _last);

    public List<long> Sequences
    {
        get { lock (_sequences) return [.. _sequences]; }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(pickNode(_rng).WebSocketUri, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is WebSocketException or IOException or JsonException or InvalidOperationException
                                          or KeyNotFoundException or OperationCanceledException)
            {
                // The node went away or the socket broke: follow again from the last sequence received.
            }
            if (!stop.IsCancellationRequested)
                await Task.Delay(_rng.Next(100, 400), CancellationToken.None);
        }
    }

    private async Task FollowAsync(Uri uri, CancellationToken stop)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            connect.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(uri, connect.Token);
            await SendAsync(socket, new { type = "connection_init", payload = new { authorization = $"Bearer {token}" } }, connect.Token);
            while (true)
            {
                using var message = await ReceiveAsync(socket, connect.Token) ?? throw new InvalidOperationException("closed before connection_ack");
                var type = message.RootElement.GetProperty("type").GetString();
                if (type == "connection_ack")
                    break;
                if (type == "ping")
                    await SendAsync(socket, new { type = "pong" }, connect.Token);
            }
        }
        Interlocked.Increment(ref _connections);
        await SendAsync(socket, new { id = "1", type = "subscribe", payload = new { query = Query, variables = new { after = Last } } }, stop);
        while (await ReceiveAsync(socket, stop) is { } message)
        {
            using (message)
            {
                var root = message.RootElement;
                switch (root.GetProperty("type").GetString())
                {
                    case "next":
                        var payload = root.GetProperty("payload");
                        if (payload.TryGetProperty("errors", out _))
                            return;
                        var sequence = payload.GetProperty("data").GetProperty("petitionEvents").GetProperty("sequence").GetInt64();
                        lock (_sequences)
                            _sequences.Add(sequence);
                        Interlocked.Exchange(ref _last, Math.Max(Last, sequence));
                        break;
                    case "ping":
                        await SendAsync(socket, new { type = "pong" }, stop);
                        break;
                    case "error" or "complete":
                        return;
                }
            }
        }
    }

    private static async Task SendAsync(ClientWebSocket socket, object message, CancellationToken ct) =>
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, ct);

    /// <summary>The next whole text message, or null once the server's Close has arrived.</summary>
    private static async Task<JsonDocument?> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(4096), ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            buffer.Advance(result.Count);
            if (result.EndOfMessage)
                return JsonDocument.Parse(buffer.WrittenMemory);
        }
    }
}
