using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Reading;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.Bench.Scenarios;

/// <summary>What T9 saw: deliveries against expectations, latency from the event's stored timestamp to the client's receipt.</summary>
public sealed record SubscriptionResult(
    int Subscribers, int Submitted, int Events, long Expected, long Received, long Missing, int ClientsMissing,
    long Duplicates, long OutOfOrder, IReadOnlyList<string> Failures, int ClosedCleanly, Measured Latency,
    Measured FromResponse, Measured AppendToResponse, TimeSpan Connect, TimeSpan Drive, long After);

/// <summary>
/// T9: N real graphql-transport-ws clients (ClientWebSocket) each follow <c>petitionEvents</c> from the
/// current committed position (live only, no replay of history) while submitPetition mutations arrive
/// over HTTP at a steady rate. Latency of a delivery = the client's receipt − the event's
/// <c>occurredAt</c>, which is Marten's event timestamp (the host's TimeProvider.System, same clock),
/// taken when the event is appended, just before the commit: so it includes the commit itself.
/// </summary>
public static class Subscriptions
{
    private const string Query = """
        subscription($after: Long) { petitionEvents(after: $after) {
          sequence petitionId version type occurredAt actor { id role departmentId } correlationId data } }
        """;

    public static async Task<SubscriptionResult> MeasureAsync(Api api, int subscribers, TimeSpan duration, TimeSpan interval)
    {
        var feed = api.Services.GetRequiredService<EventFeed>();
        var live = api.Services.GetRequiredService<LiveEvents>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;

        // Nothing is being written now, so the committed prefix is the end of the log: following
        // from there is live only (the contract's `after` replays every stored event beyond it).
        var after = await CommittedEndAsync(api, feed, ct);

        var connect = Stopwatch.StartNew();
        var clients = new Client[subscribers];
        await Parallel.ForEachAsync(Enumerable.Range(0, subscribers), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => clients[i] = await Client.ConnectAsync(api.WebSocketUri,
                api.Mint($"integrator-bench-{i}", Role.Integrator, null), after, token));
        // A subscription has joined the server's live tail once LiveEvents counts it (no replay was due).
        while (live.LiveCount < subscribers)
        {
            if (clients.FirstOrDefault(c => c.Failure is not null) is { } failed)
                throw new InvalidOperationException($"a subscriber failed before the load: {failed.Failure}");
            await Task.Delay(20, ct);
        }
        connect.Stop();

        // Open loop: one submission every interval, not waiting for the previous one.
        var drive = Stopwatch.StartNew();
        var submissions = new List<Task>();
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
        using (var timer = new PeriodicTimer(interval))
        {
            for (var i = 0; drive.Elapsed < duration && await timer.WaitForNextTickAsync(ct); i++)
                submissions.Add(SubmitAsync(api, i, answered));
        }
        await Task.WhenAll(submissions);
        drive.Stop();

        // Every submission has answered, so its events are committed. Let follow-up work settle, then
        // expect every event in (after, end] at every client.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var end = await CommittedEndAsync(api, feed, ct);
        var expected = await SequencesAsync(api, after, end, ct);
        var waitUntil = Stopwatch.StartNew();
        while (waitUntil.Elapsed < TimeSpan.FromSeconds(30) && clients.Any(c => c.Failure is null && c.CountOf(expected) < expected.Count))
            await Task.Delay(50, ct);

        var closed = 0;
        await Task.WhenAll(clients.Select(async c =>
        {
            if (await c.CloseAsync())
                Interlocked.Increment(ref closed);
        }));

        var latencies = new List<double>();
        var fromResponse = new List<double>();
        var appendToResponse = new Dictionary<string, double>();
        long received = 0, missing = 0, duplicates = 0, outOfOrder = 0;
        var clientsMissing = 0;
        foreach (var c in clients)
        {
            var all = c.Deliveries;
            var mine = all.Where(d => expected.Contains(d.Sequence)).ToList();
            var distinct = mine.Select(d => d.Sequence).Distinct().Count();
            received += mine.Count;
            duplicates += mine.Count - distinct;
            missing += expected.Count - distinct;
            if (distinct < expected.Count)
                clientsMissing++;
            for (var i = 1; i < all.Count; i++)
                if (all[i].Sequence <= all[i - 1].Sequence)
                    outOfOrder++;
            foreach (var d in mine)
            {
                latencies.Add((d.ReceivedAt - d.OccurredAt).TotalMilliseconds);
                if (d.Type == "PetitionSubmitted" && answered.TryGetValue(d.PetitionId, out var answeredAt))
                {
                    fromResponse.Add((d.ReceivedAt - answeredAt).TotalMilliseconds);
                    appendToResponse[d.PetitionId] = (answeredAt - d.OccurredAt).TotalMilliseconds;
                }
            }
        }
        var failures = clients.Where(c => c.Failure is not null).Select(c => c.Failure!).Distinct().Take(5).ToList();
        return new SubscriptionResult(subscribers, submissions.Count, expected.Count, (long)expected.Count * subscribers, received, missing,
            clientsMissing, duplicates, outOfOrder, failures, closed, new Measured(latencies.Count, drive.Elapsed, [.. latencies]),
            new Measured(fromResponse.Count, drive.Elapsed, [.. fromResponse]),
            new Measured(appendToResponse.Count, drive.Elapsed, [.. appendToResponse.Values]), connect.Elapsed, drive.Elapsed, after);
    }

    private static async Task SubmitAsync(Api api, int i, System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> answered)
    {
        var petitionId = await api.SubmitAsync(0, i);
        answered[petitionId] = DateTimeOffset.UtcNow;
    }

    /// <summary>The end of the log once the committed prefix has caught up with it (nothing in flight).</summary>
    private static async Task<long> CommittedEndAsync(Api api, EventFeed feed, CancellationToken ct)
    {
        while (true)
        {
            var max = await ScalarAsync(api, "select coalesce(max(seq_id), 0) from {0}.mt_events", ct);
            if (await feed.SafeSequenceAsync(ct) >= max)
                return max;
            await Task.Delay(50, ct);
        }
    }

    private static async Task<long> ScalarAsync(Api api, string sql, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)api.Store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(string.Format(CultureInfo.InvariantCulture, sql, api.Store.Options.Events.DatabaseSchemaName), conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<HashSet<long>> SequencesAsync(Api api, long after, long end, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)api.Store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select seq_id from {api.Store.Options.Events.DatabaseSchemaName}.mt_events where seq_id > @after and seq_id <= @end", conn);
        cmd.Parameters.AddWithValue("after", after);
        cmd.Parameters.AddWithValue("end", end);
        var sequences = new HashSet<long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            sequences.Add(reader.GetInt64(0));
        return sequences;
    }

    public readonly record struct Delivery(long Sequence, string PetitionId, string Type, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt);

    /// <summary>One graphql-transport-ws client with one subscription (id "1") and its receive loop.</summary>
    private sealed class Client : IDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly SemaphoreSlim _send = new(1, 1);
        private readonly List<Delivery> _deliveries = [];
        private readonly Lock _gate = new();
        private Task _receiving = Task.CompletedTask;
        private volatile string? _failure;
        private volatile bool _closing;

        public string? Failure => _failure;

        public List<Delivery> Deliveries
        {
            get { lock (_gate) return [.. _deliveries]; }
        }

        public int CountOf(HashSet<long> expected)
        {
            lock (_gate)
                return _deliveries.Count(d => expected.Contains(d.Sequence));
        }

        public static async Task<Client> ConnectAsync(Uri uri, string token, long after, CancellationToken ct)
        {
            var client = new Client();
            client._socket.Options.AddSubProtocol("graphql-transport-ws");
            await client._socket.ConnectAsync(uri, ct);
            await client.SendAsync(new { type = "connection_init", payload = new { authorization = $"Bearer {token}" } }, ct);
            while (true)
            {
                using var message = await client.ReceiveAsync(ct)
                    ?? throw new InvalidOperationException($"the server closed before connection_ack: {client._socket.CloseStatus} {client._socket.CloseStatusDescription}");
                var type = message.RootElement.GetProperty("type").GetString();
                if (type == "connection_ack")
                    break;
                if (type == "ping")
                    await client.SendAsync(new { type = "pong" }, ct);
            }
            await client.SendAsync(new { id = "1", type = "subscribe", payload = new { query = Query, variables = new { after } } }, ct);
            client._receiving = Task.Run(client.ReceiveLoopAsync, CancellationToken.None);
            return client;
        }

        private async Task ReceiveLoopAsync()
        {
            try
            {
                while (await ReceiveAsync(CancellationToken.None) is { } message)
                {
                    var receivedAt = DateTimeOffset.UtcNow;
                    using (message)
                    {
                        var root = message.RootElement;
                        switch (root.GetProperty("type").GetString())
                        {
                            case "next":
                                var payload = root.GetProperty("payload");
                                if (payload.TryGetProperty("errors", out var errors))
                                {
                                    _failure ??= $"next with errors: {Truncate(errors.GetRawText())}";
                                    break;
                                }
                                var e = payload.GetProperty("data").GetProperty("petitionEvents");
                                var occurredAt = DateTimeOffset.Parse(e.GetProperty("occurredAt").GetString()!, CultureInfo.InvariantCulture);
                                var delivery = new Delivery(e.GetProperty("sequence").GetInt64(), e.GetProperty("petitionId").GetString()!,
                                    e.GetProperty("type").GetString()!, occurredAt, receivedAt);
                                lock (_gate)
                                    _deliveries.Add(delivery);
                                break;
                            case "ping":
                                await SendAsync(new { type = "pong" }, CancellationToken.None);
                                break;
                            case "error":
                                _failure ??= $"error: {Truncate(root.GetRawText())}";
                                break;
                            case "complete":
                                if (!_closing)
                                    _failure ??= "the server completed the subscription";
                                break;
                        }
                    }
                }
                if (!_closing)
                    _failure ??= $"the server closed the socket: {_socket.CloseStatus} {_socket.CloseStatusDescription}";
            }
            catch (Exception e) when (e is WebSocketException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                _failure ??= $"{e.GetType().Name}: {e.Message}";
            }
        }

        /// <summary>Completes the subscription, sends Close and waits for the server's Close; true when that all happened.</summary>
        public async Task<bool> CloseAsync()
        {
            _closing = true;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                if (_socket.State == WebSocketState.Open)
                {
                    await SendAsync(new { id = "1", type = "complete" }, timeout.Token);
                    await _send.WaitAsync(timeout.Token);
                    try
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", timeout.Token);
                    }
                    finally
                    {
                        _send.Release();
                    }
                }
                await _receiving.WaitAsync(timeout.Token);
                return _socket.State == WebSocketState.Closed && _socket.CloseStatus == WebSocketCloseStatus.NormalClosure;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
                _failure ??= $"closing: {e.GetType().Name}: {e.Message}";
                return false;
            }
            finally
            {
                Dispose();
            }
        }

        private async Task SendAsync(object message, CancellationToken ct)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
            await _send.WaitAsync(ct);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
            }
            finally
            {
                _send.Release();
            }
        }

        /// <summary>The next whole text message, or null once the server's Close has arrived.</summary>
        private async Task<JsonDocument?> ReceiveAsync(CancellationToken ct)
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(4096), ct);
                if (result.MessageType == WebSocketMessageType.Close)
                    return null;
                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                    return JsonDocument.Parse(buffer.WrittenMemory);
            }
        }

        private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

        public void Dispose()
        {
            _socket.Dispose();
            _send.Dispose();
        }
    }
}
