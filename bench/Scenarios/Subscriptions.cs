using CaseEngine.Testing;
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
/// <param name="ClientCpuMs">the subscribers' process: CPU time while the submissions ran, and in all (connect, drive, drain, close)</param>
public sealed record SubscriptionResult(
    int Subscribers, int Filtered, int Submitted, int Events, long Expected, long Received, long Missing, int ClientsMissing,
    long Duplicates, long OutOfOrder, IReadOnlyList<string> Failures, int ClosedCleanly, Measured Latency,
    Measured FromResponse, Measured AppendToResponse, TimeSpan Connect, TimeSpan Drive, long After, double ClientCpuDriveMs, double ClientCpuMs);

/// <summary>What the subscribers' process saw (sent back as JSON).</summary>
public sealed record SubscriberOutcome(long Expected, long Received, long Missing, int ClientsMissing, long Duplicates, long OutOfOrder,
    string[] Failures, int ClosedCleanly, double[] LatenciesMs, double[] FromResponseMs, double[] AppendToResponseMs, double CpuDriveMs, double CpuMs);

/// <summary>What the bench tells the subscribers once the submissions have answered: every event to expect (sequence, department) and when each submission was answered.</summary>
public sealed record SubscriberExpectations(long[] Sequences, string?[] Departments, Dictionary<string, DateTimeOffset> Answered);

/// <summary>
/// T9: N real graphql-transport-ws clients (ClientWebSocket), in a process of their own
/// (<see cref="ClientProcess"/>), each a distinct authenticated caller (an INTEGRATOR token of its own),
/// follow <c>petitionEvents</c> from the current committed position (live only, no replay of history):
/// most filtered by a department, the rest unfiltered, while submitPetition mutations arrive over HTTP at
/// a steady rate spread over the departments. Latency of a delivery = the client's receipt − the event's
/// <c>occurredAt</c>, which is Marten's event timestamp (the host's TimeProvider.System, same clock),
/// taken when the event is appended, just before the commit: so it includes the commit itself.
/// </summary>
public static class Subscriptions
{
    private const string Query = """
        subscription($after: Long, $filter: PetitionEventFilter) { petitionEvents(after: $after, filter: $filter) {
          sequence petitionId version type occurredAt actor { id role departmentId } correlationId data } }
        """;

    /// <param name="filtered">how many of the subscribers filter by a department (the first ones)</param>
    /// <param name="entryRegions">where the submissions enter, in turn; the filters are these regions' petition offices</param>
    public static async Task<SubscriptionResult> MeasureAsync(Api api, int subscribers, int filtered, TimeSpan duration, TimeSpan interval,
        IReadOnlyList<string> entryRegions)
    {
        var feed = api.Services.GetRequiredService<EventFeed>();
        var live = api.Services.GetRequiredService<LiveEvents>();
        var directory = api.Services.GetRequiredService<CaseEngine.Workflow.Rules.RuleBook>().Directory;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var offices = entryRegions.Select(r => directory.PetitionOfficeOf(r)!.Id).ToArray();

        // Nothing is being written now, so the committed prefix is the end of the log: following
        // from there is live only (the contract's `after` replays every stored event beyond it).
        var after = await CommittedEndAsync(api, feed, ct);
        var baseline = live.LiveCount;

        var connect = Stopwatch.StartNew();
        var spec = new ClientSpec(ClientSpec.Subscribe, api.WebSocketUri.ToString(),
            [.. Enumerable.Range(0, subscribers).Select(i => api.Mint($"integrator-bench-{i}", Role.Integrator, null))],
            subscribers, duration.TotalSeconds, null, 0, [.. entryRegions],
            [.. Enumerable.Range(0, subscribers).Select(i => i < filtered ? offices[i % offices.Length] : null)], after);
        await using var clients = await ClientProcess.StartAsync(spec);
        await clients.WaitReadyAsync(TimeSpan.FromMinutes(5));
        // A subscription has joined the server's live tail once LiveEvents counts it (no replay was due).
        while (live.LiveCount - baseline < subscribers)
            await Task.Delay(20, ct);
        connect.Stop();

        // Open loop: one submission every interval, not waiting for the previous one.
        var drive = Stopwatch.StartNew();
        var submissions = new List<Task>();
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();
        using (var timer = new PeriodicTimer(interval))
        {
            for (var i = 0; drive.Elapsed < duration && await timer.WaitForNextTickAsync(ct); i++)
                submissions.Add(SubmitAsync(api, i, entryRegions[i % entryRegions.Count], answered));
        }
        await Task.WhenAll(submissions);
        drive.Stop();

        // Every submission has answered, so its events are committed. Let follow-up work settle, then
        // expect every event in (after, end] at every unfiltered client, and its department's at the others.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var end = await CommittedEndAsync(api, feed, ct);
        var (sequences, departments) = await SequencesAsync(api, after, end, ct);
        await clients.SendAsync(new SubscriberExpectations(sequences, departments, new(answered)));
        var r = await clients.ResultAsync<SubscriberOutcome>(TimeSpan.FromMinutes(3));
        return new SubscriptionResult(subscribers, filtered, submissions.Count, sequences.Length, r.Expected, r.Received, r.Missing,
            r.ClientsMissing, r.Duplicates, r.OutOfOrder, r.Failures, r.ClosedCleanly, new Measured(r.LatenciesMs.Length, drive.Elapsed, r.LatenciesMs),
            new Measured(r.FromResponseMs.Length, drive.Elapsed, r.FromResponseMs),
            new Measured(r.AppendToResponseMs.Length, drive.Elapsed, r.AppendToResponseMs), connect.Elapsed, drive.Elapsed, after, r.CpuDriveMs, r.CpuMs);
    }

    /// <summary>In the client process: connects every subscriber, says ready, waits for the expectations, drains, closes and counts.</summary>
    public static async Task<SubscriberOutcome> RunClientsAsync(ClientSpec spec)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var uri = new Uri(spec.Url);
        var clients = new Client[spec.Tokens.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => clients[i] = await Client.ConnectAsync(uri, spec.Tokens[i]!, spec.Departments?[i], spec.After, token));
        if (clients.FirstOrDefault(c => c.Failure is not null) is { } failed)
            throw new InvalidOperationException($"a subscriber failed before the load: {failed.Failure}");
        Console.WriteLine("ready");
        var cpu = ClientProcess.CpuMs();
        var expectations = JsonSerializer.Deserialize<SubscriberExpectations>(await Console.In.ReadLineAsync(ct) ?? "", ClientProcess.Json)
            ?? throw new InvalidOperationException("no expectations");
        var cpuDrive = ClientProcess.CpuMs() - cpu;
        var all = expectations.Sequences.ToHashSet();
        var byDepartment = expectations.Sequences.Zip(expectations.Departments)
            .GroupBy(p => p.Second ?? "").ToDictionary(g => g.Key, g => g.Select(p => p.First).ToHashSet());
        HashSet<long> ExpectedOf(Client c) => c.Department is null ? all : byDepartment.GetValueOrDefault(c.Department) ?? [];
        var waitUntil = Stopwatch.StartNew();
        while (waitUntil.Elapsed < TimeSpan.FromSeconds(30) && clients.Any(c => c.Failure is null && c.CountOf(ExpectedOf(c)) < ExpectedOf(c).Count))
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
        long expected = 0, received = 0, missing = 0, duplicates = 0, outOfOrder = 0;
        var clientsMissing = 0;
        foreach (var c in clients)
        {
            var wanted = ExpectedOf(c);
            var deliveries = c.Deliveries;
            var mine = deliveries.Where(d => wanted.Contains(d.Sequence)).ToList();
            var distinct = mine.Select(d => d.Sequence).Distinct().Count();
            expected += wanted.Count;
            received += mine.Count;
            duplicates += mine.Count - distinct;
            missing += wanted.Count - distinct;
            if (distinct < wanted.Count)
                clientsMissing++;
            for (var i = 1; i < deliveries.Count; i++)
                if (deliveries[i].Sequence <= deliveries[i - 1].Sequence)
                    outOfOrder++;
            foreach (var d in mine)
            {
                latencies.Add((d.ReceivedAt - d.OccurredAt).TotalMilliseconds);
                if (d.Type == "PetitionSubmitted" && expectations.Answered.TryGetValue(d.PetitionId, out var answeredAt))
                {
                    fromResponse.Add((d.ReceivedAt - answeredAt).TotalMilliseconds);
                    appendToResponse[d.PetitionId] = (answeredAt - d.OccurredAt).TotalMilliseconds;
                }
            }
        }
        var failures = clients.Where(c => c.Failure is not null).Select(c => c.Failure!).Distinct().Take(5).ToArray();
        return new SubscriberOutcome(expected, received, missing, clientsMissing, duplicates, outOfOrder, failures, closed,
            [.. latencies], [.. fromResponse], [.. appendToResponse.Values], cpuDrive, ClientProcess.CpuMs());
    }

    private static async Task SubmitAsync(Api api, int i, string entryRegion, System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> answered)
    {
        var petitionId = await api.SubmitAsync(0, i, entryRegion);
        answered[petitionId] = DateTimeOffset.UtcNow;
    }

    /// <summary>The end of the log once the committed prefix has caught up with it (nothing in flight).</summary>
    private static async Task<long> CommittedEndAsync(Api api, EventFeed feed, CancellationToken ct)
    {
        while (true)
        {
            var max = await ScalarAsync(api, "select coalesce(max(seq_id), 0) from {0}.mt_events", ct);
            if (await feed.SafeSequenceAsync(Province.Demo, ct) >= max)
                return max;
            await Task.Delay(50, ct);
        }
    }

    private static async Task<long> ScalarAsync(Api api, string sql, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)(await api.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(string.Format(CultureInfo.InvariantCulture, sql, api.Store.Options.Events.DatabaseSchemaName), conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The events in (after, end] with the responsible department each stored (what a department filter selects on).</summary>
    private static async Task<(long[] Sequences, string?[] Departments)> SequencesAsync(Api api, long after, long end, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)(await api.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select seq_id, data->>'departmentId' from {api.Store.Options.Events.DatabaseSchemaName}.mt_events where seq_id > @after and seq_id <= @end order by seq_id", conn);
        cmd.Parameters.AddWithValue("after", after);
        cmd.Parameters.AddWithValue("end", end);
        var sequences = new List<long>();
        var departments = new List<string?>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            sequences.Add(reader.GetInt64(0));
            departments.Add(reader.IsDBNull(1) ? null : reader.GetString(1));
        }
        return ([.. sequences], [.. departments]);
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

        /// <summary>The department this subscriber filters by, or null.</summary>
        public string? Department { get; private init; }

        public static async Task<Client> ConnectAsync(Uri uri, string token, string? department, long after, CancellationToken ct)
        {
            var client = new Client { Department = department };
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
            await client.SendAsync(new { id = "1", type = "subscribe", payload = new { query = Query, variables = new { after, filter = department is null ? null : new { departmentId = department } } } }, ct);
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
