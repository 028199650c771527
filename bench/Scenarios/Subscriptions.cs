using CaseEngine.Testing;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CaseEngine.Bench.Harness.Report;

namespace CaseEngine.Bench.Scenarios;

/// <summary>What T9 saw: deliveries against expectations, latency from the event's stored timestamp to the client's receipt.</summary>
/// <param name="ClientCpuMs">the subscribers' process: CPU time while the submissions ran, and in all (connect, drive, drain, close)</param>
/// <param name="Afters">each followed log's committed end when the subscribers connected (its key: a province's code or the national log's)</param>
public sealed record SubscriptionResult(
    int Subscribers, int Filtered, int Submitted, int Events, long Expected, long Received, long Missing, int ClientsMissing,
    long Duplicates, long OutOfOrder, IReadOnlyList<string> Failures, int ClosedCleanly, Measured Latency,
    Measured FromResponse, Measured AppendToResponse, TimeSpan Connect, TimeSpan Drive, IReadOnlyDictionary<string, long> Afters,
    double ClientCpuDriveMs, double ClientCpuMs, Measured FilteredLatency, Measured UnfilteredLatency, string Connections, int Refused);

/// <summary>What the subscribers' process saw (sent back as JSON).</summary>
/// <param name="FilteredLatenciesMs">the latencies of the subscribers filtered by a department (their province's log), and of the others (the national log)</param>
public sealed record SubscriberOutcome(long Expected, long Received, long Missing, int ClientsMissing, long Duplicates, long OutOfOrder,
    string[] Failures, int ClosedCleanly, double[] LatenciesMs, double[] FromResponseMs, double[] AppendToResponseMs, double CpuDriveMs, double CpuMs,
    double[] FilteredLatenciesMs, double[] UnfilteredLatenciesMs);

/// <summary>
/// What the bench tells the subscribers once the submissions have answered: per log followed, every event to
/// expect (its sequence in that log, its department), and when each submission was answered.
/// </summary>
public sealed record SubscriberExpectations(Dictionary<string, LogExpectations> Logs, Dictionary<string, DateTimeOffset> Answered);

/// <summary>The events of one log in (after, end]: their sequences in that log and the department each stored.</summary>
public sealed record LogExpectations(long[] Sequences, string?[] Departments);

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
        var provinces = api.Services.GetRequiredService<ProvinceDatabases>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var offices = entryRegions.Select(r => directory.PetitionOfficeOf(r)!.Id).ToArray();
        var departments = Enumerable.Range(0, subscribers).Select(i => i < filtered ? offices[i % offices.Length] : null).ToArray();
        var subjects = Enumerable.Range(0, subscribers).Select(i => $"integrator-bench-{i}").ToArray();

        // The log each subscriber follows, as the server chooses it: a department's province's own log, or the
        // national log (its own sequence) for an unfiltered integrator; each numbers its events its own way.
        var logs = new string[subscribers];
        for (var i = 0; i < subscribers; i++)
            logs[i] = await feed.LogOfAsync(new FeedQuery(0, 1, null, departments[i]), new Caller(new Actor(subjects[i], Role.Integrator, null), false))
                ?? throw new InvalidOperationException($"no log for a subscriber filtering by {departments[i] ?? "nothing"}");
        // Every log of the deployment, the national one included (every province feeds it). Nothing is being
        // written now, so each one's committed end is where following it is live only (the contract's `after`
        // replays every stored event beyond it).
        var everyLog = (await provinces.AllAsync()).Append(NationalLog.Key).Distinct(StringComparer.Ordinal).ToList();
        var starts = await SettledEndsAsync(api, feed, everyLog, null, ct);
        var baseline = live.LiveCount;

        var connect = Stopwatch.StartNew();
        var spec = new ClientSpec(ClientSpec.Subscribe, api.WebSocketUri.ToString(),
            [.. subjects.Select(s => api.Mint(s, Role.Integrator, null))],
            subscribers, duration.TotalSeconds, null, 0, [.. entryRegions], departments, [.. logs.Select(l => starts[l])], logs);
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
        var refused = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (var timer = new PeriodicTimer(interval))
        {
            for (var i = 0; drive.Elapsed < duration && await timer.WaitForNextTickAsync(ct); i++)
                submissions.Add(SubmitAsync(api, i, entryRegions[i % entryRegions.Count], answered, refused));
        }
        await Task.WhenAll(submissions);
        drive.Stop();
        // The connections the server holds at the end of the drive, by database (a federation's budget).
        var connections = await BackendsAsync(api, ct);

        // Every submission has answered, so its events are committed. Let follow-up work settle (and the national
        // log take in what the provinces committed), then expect at every subscriber the events of its log in
        // (after, end]: all of them unfiltered, its department's filtered.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var ends = await SettledEndsAsync(api, feed, everyLog, starts, ct);
        var expected = new Dictionary<string, LogExpectations>(StringComparer.Ordinal);
        foreach (var log in logs.Distinct(StringComparer.Ordinal))
            expected[log] = await EventsAsync(feed, log, starts[log], ends[log], ct);
        await clients.SendAsync(new SubscriberExpectations(expected, new(answered)));
        var r = await clients.ResultAsync<SubscriberOutcome>(TimeSpan.FromMinutes(3));
        // The events themselves: a province's own log holds each once (the national log holds them again).
        var events = 0;
        foreach (var log in everyLog.Where(l => l != NationalLog.Key))
            events += (await EventsAsync(feed, log, starts[log], ends[log], ct)).Sequences.Length;
        return new SubscriptionResult(subscribers, filtered, submissions.Count, events, r.Expected, r.Received, r.Missing,
            r.ClientsMissing, r.Duplicates, r.OutOfOrder, [.. r.Failures, .. refused.Take(3).Select(m => $"submission refused ({refused.Count} in all): {m}")], r.ClosedCleanly, new Measured(r.LatenciesMs.Length, drive.Elapsed, r.LatenciesMs),
            new Measured(r.FromResponseMs.Length, drive.Elapsed, r.FromResponseMs),
            new Measured(r.AppendToResponseMs.Length, drive.Elapsed, r.AppendToResponseMs), connect.Elapsed, drive.Elapsed,
            logs.Distinct(StringComparer.Ordinal).ToDictionary(l => l, l => starts[l], StringComparer.Ordinal), r.CpuDriveMs, r.CpuMs,
            new Measured(r.FilteredLatenciesMs.Length, drive.Elapsed, r.FilteredLatenciesMs), new Measured(r.UnfilteredLatenciesMs.Length, drive.Elapsed, r.UnfilteredLatenciesMs),
            connections, refused.Count);
    }

    /// <summary>
    /// T9 as the bench reports it: a warm-up of two subscribers, then 1,000 (CASEENGINE_BENCH_SUBSCRIBERS;
    /// 20 quick), nine in ten filtered by the petition offices of <paramref name="entryRegions"/>, while
    /// submissions enter there in turn at 30/s; its row and notes, named <paramref name="label"/>.
    /// </summary>
    public static async Task ReportAsync(Report report, Api api, IReadOnlyList<string> entryRegions, TimeSpan seconds, bool quick, string label)
    {
        var subscribers = quick ? 20 : 1000;
        if (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_SUBSCRIBERS") is { } s)
            subscribers = int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        var filtered = subscribers * 9 / 10;
        // 30 submissions a second (the issue's T9); CASEENGINE_BENCH_T9_RATE sets another, to tell delivery from a saturated server.
        var rate = Environment.GetEnvironmentVariable("CASEENGINE_BENCH_T9_RATE") is { } perSecond ? double.Parse(perSecond, CultureInfo.InvariantCulture) : 30;
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        await Subscriptions.MeasureAsync(api, 2, 1, TimeSpan.FromSeconds(1), interval, entryRegions);   // warm up the subscription path; not reported
        var r = await Subscriptions.MeasureAsync(api, subscribers, filtered, seconds, interval, entryRegions);
        var complete = r.Missing == 0 && r.Duplicates == 0 && r.OutOfOrder == 0 && r.Failures.Count == 0;
        report.Add(new ResultRow("T9", $"{(label == "T9" ? "" : label + ": ")}subscription delivery to {r.Subscribers:N0} authenticated graphql-transport-ws clients ({r.Filtered:N0} filtered by department, " +
            $"{r.Subscribers - r.Filtered:N0} unfiltered), submitPetition {1 / interval.TotalSeconds:0}/s over HTTP",
            $"p50 {Ms(r.Latency.P50)}, p99 {Ms(r.Latency.P99)}, max {Ms(r.Latency.Percentile(1))}; {r.Received:N0} of {r.Expected:N0} deliveries",
            "—", null, "p99 ≤ 250 ms, every client gets every event it selects", r.Latency.P99 <= 250 && complete,
            $"{r.Events:N0} events from {r.Submitted:N0} submissions in {r.Drive.TotalSeconds:0.0} s; missing {r.Missing:N0} (at {r.ClientsMissing} clients), " +
            $"duplicates {r.Duplicates:N0}, out of order {r.OutOfOrder:N0}; {r.ClosedCleanly} of {r.Subscribers} sockets closed cleanly; " +
            $"the clients' own process used {r.ClientCpuDriveMs:N0} ms CPU during the {r.Drive.TotalSeconds:0.0} s of submissions ({r.ClientCpuDriveMs / r.Drive.TotalMilliseconds:P0} of a core), {r.ClientCpuMs:N0} ms in all"));
        report.Note($"{label}: each client is a distinct caller (an INTEGRATOR token of its own) and subscribes with after = the committed end of the log it follows once the warm-up has settled ({Afters(r)}), so nothing is replayed; " +
            $"the filtered ones follow the petition offices of {entryRegions.Count} regions ({string.Join(", ", entryRegions.Take(3))}, …) in turn, where the submissions enter in turn. " +
            $"All {r.Subscribers} had joined the server's live tail {r.Connect.TotalMilliseconds:0} ms after the client process started. Latency = client receipt − the event's occurredAt, " +
            "which is Marten's event timestamp (TimeProvider.System in the server, the same clock as the client's process) taken when the event is appended, before the commit, " +
            "so it includes the append → commit time and is an upper bound on commit → delivery. Measured from the submission's HTTP response instead (a lower bound), " +
            $"PetitionSubmitted deliveries took p50 {Ms(r.FromResponse.P50)}, p99 {Ms(r.FromResponse.P99)}; occurredAt → response was p50 {Ms(r.AppendToResponse.P50)}, p99 {Ms(r.AppendToResponse.P99)}. " +
            $"The server polls the committed log every {api.Services.GetRequiredService<CaseEngine.GraphApi.Reading.LiveEventsOptions>().PollMilliseconds} ms (GraphQL:Subscriptions:PollMilliseconds), which sets the floor. " +
            "Clients, server and PostgreSQL share the machine. " +
            $"By subscriber: filtered (a department, its province's log) p50 {Ms(r.FilteredLatency.P50)}, p99 {Ms(r.FilteredLatency.P99)}; " +
            $"unfiltered (the national log) p50 {Ms(r.UnfilteredLatency.P50)}, p99 {Ms(r.UnfilteredLatency.P99)}. " +
            $"At the end of the submissions: {r.Connections}" + (r.Refused > 0 ? $"; {r.Refused} submissions refused (not expected of any subscriber)." : "."));
        foreach (var failure in r.Failures)
            report.Note($"{label} client failure: {failure}");
    }

    // T9's starting points: the log each subscriber follows (a province's own, or the national log) and its committed end.
    private static string Afters(SubscriptionResult r) =>
        string.Join(", ", r.Afters.OrderBy(a => a.Key, StringComparer.Ordinal).Take(4).Select(a => $"{(a.Key == NationalLog.Key ? "national log" : a.Key)} {a.Value}"))
        + (r.Afters.Count > 4 ? $", … {r.Afters.Count} logs" : "");

    /// <summary>In the client process: connects every subscriber, says ready, waits for the expectations, drains, closes and counts.</summary>
    public static async Task<SubscriberOutcome> RunClientsAsync(ClientSpec spec)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var uri = new Uri(spec.Url);
        var clients = new Client[spec.Tokens.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => clients[i] = await Client.ConnectAsync(uri, spec.Tokens[i]!, spec.Departments?[i], spec.Afters?[i] ?? 0, spec.Logs?[i] ?? "", token));
        if (clients.FirstOrDefault(c => c.Failure is not null) is { } failed)
            throw new InvalidOperationException($"a subscriber failed before the load: {failed.Failure}");
        Console.WriteLine("ready");
        var cpu = ClientProcess.CpuMs();
        var expectations = JsonSerializer.Deserialize<SubscriberExpectations>(await Console.In.ReadLineAsync(ct) ?? "", ClientProcess.Json)
            ?? throw new InvalidOperationException("no expectations");
        var cpuDrive = ClientProcess.CpuMs() - cpu;
        // Per log: all its events (for the unfiltered), and by department (for the filtered).
        var all = expectations.Logs.ToDictionary(l => l.Key, l => l.Value.Sequences.ToHashSet(), StringComparer.Ordinal);
        var byDepartment = expectations.Logs.ToDictionary(l => l.Key, l => l.Value.Sequences.Zip(l.Value.Departments)
            .GroupBy(p => p.Second ?? "").ToDictionary(g => g.Key, g => g.Select(p => p.First).ToHashSet()), StringComparer.Ordinal);
        HashSet<long> ExpectedOf(Client c) => c.Department is null
            ? all.GetValueOrDefault(c.Log) ?? []
            : byDepartment.GetValueOrDefault(c.Log)?.GetValueOrDefault(c.Department) ?? [];
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
        var (filteredLatencies, unfilteredLatencies) = (new List<double>(), new List<double>());
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
                (c.Department is null ? unfilteredLatencies : filteredLatencies).Add((d.ReceivedAt - d.OccurredAt).TotalMilliseconds);
                if (d.Type == "PetitionSubmitted" && expectations.Answered.TryGetValue(d.PetitionId, out var answeredAt))
                {
                    fromResponse.Add((d.ReceivedAt - answeredAt).TotalMilliseconds);
                    appendToResponse[d.PetitionId] = (answeredAt - d.OccurredAt).TotalMilliseconds;
                }
            }
        }
        var failures = clients.Where(c => c.Failure is not null).Select(c => c.Failure!).Distinct().Take(5).ToArray();
        return new SubscriberOutcome(expected, received, missing, clientsMissing, duplicates, outOfOrder, failures, closed,
            [.. latencies], [.. fromResponse], [.. appendToResponse.Values], cpuDrive, ClientProcess.CpuMs(), [.. filteredLatencies], [.. unfilteredLatencies]);
    }

    /// <summary>One submission; a refusal (an error the API answered with) is counted, not thrown: its events are simply not expected.</summary>
    private static async Task SubmitAsync(Api api, int i, string entryRegion, System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> answered,
        System.Collections.Concurrent.ConcurrentQueue<string> refused)
    {
        try
        {
            var petitionId = await api.SubmitAsync(0, i, entryRegion);
            answered[petitionId] = DateTimeOffset.UtcNow;
        }
        catch (InvalidOperationException e)
        {
            refused.Enqueue(e.Message.Length <= 300 ? e.Message : e.Message[..300]);
        }
    }

    /// <summary>The cluster's client backends now, by database: the total, the three busiest and the most any other holds.</summary>
    private static async Task<string> BackendsAsync(Api api, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)(await api.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "select datname, count(*)::int from pg_stat_activity where backend_type = 'client backend' and datname is not null group by datname order by 2 desc", conn);
        var counts = new List<(string Database, int Count)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts.Add((reader.GetString(0), reader.GetInt32(1)));
        return $"{counts.Sum(c => c.Count)} client backends in {counts.Count} databases: " +
            string.Join(", ", counts.Take(3).Select(c => $"{c.Database} {c.Count}")) +
            (counts.Count > 3 ? $"; each other at most {counts[3].Count}" : "");
    }

    /// <summary>
    /// Each log's committed end once nothing is in flight: every province's committed prefix at its last stored
    /// event, and the national log holding as many entries past <paramref name="since"/> as the provinces hold
    /// events past theirs (its relay has caught up). Without <paramref name="since"/> (before anything is
    /// written), the relay must have taken in every province's last event and the national log's committed end must be its last entry.
    /// </summary>
    private static async Task<Dictionary<string, long>> SettledEndsAsync(Api api, EventFeed feed, IReadOnlyList<string> logs,
        IReadOnlyDictionary<string, long>? since, CancellationToken ct)
    {
        var provinces = api.Services.GetRequiredService<ProvinceDatabases>();
        var national = api.Services.GetRequiredService<NationalLog>();
        while (true)
        {
            var ends = new Dictionary<string, long>(StringComparer.Ordinal);
            var settled = true;
            var relayed = true;
            foreach (var log in logs)
            {
                ends[log] = await feed.SafeSequenceAsync(log, ct);
                if (log == NationalLog.Key)
                    continue;
                var last = await LastStoredAsync(api, await provinces.DatabaseAsync(log), ct);
                if (ends[log] < last)
                    settled = false;
                if (await national.RelayedToAsync(log, ct) < last)
                    relayed = false;
            }
            if (settled && ends.ContainsKey(NationalLog.Key))
            {
                // The start needs the national log to have taken in every province's last event: a national end
                // that merely stood still between two looks (the relay between rounds) left the start behind the
                // provinces' and the counts below could never agree (the T9 warm-up hung for its 10 minutes).
                if (since is null)
                    settled = relayed;
                else
                {
                    long provinceEvents = 0;
                    foreach (var log in logs.Where(l => l != NationalLog.Key))
                        provinceEvents += (await EventsAsync(feed, log, since[log], ends[log], ct)).Sequences.Length;
                    settled = (await EventsAsync(feed, NationalLog.Key, since[NationalLog.Key], ends[NationalLog.Key], ct)).Sequences.Length == provinceEvents;
                }
            }
            if (settled)
                return ends;
            await Task.Delay(100, ct);
        }
    }

    private static async Task<long> LastStoredAsync(Api api, Marten.Storage.IMartenDatabase database, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {api.Store.Options.Events.DatabaseSchemaName}.mt_events", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The events of a log in (after, end], read as the feed reads them: each one's position in that log and the department it stored.</summary>
    private static async Task<LogExpectations> EventsAsync(EventFeed feed, string log, long after, long end, CancellationToken ct)
    {
        var sequences = new List<long>();
        var departments = new List<string?>();
        while (after < end)
        {
            var page = await feed.ReadRawAsync(log, after, end, null, 1000, ct);
            foreach (var e in page.Events)
            {
                sequences.Add(e.Position);
                departments.Add((e.Event.Data as CaseEngine.Domain.Petitions.IPetitionEvent)?.DepartmentId);
            }
            after = page.ScannedTo;
        }
        return new LogExpectations([.. sequences], [.. departments]);
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

        /// <summary>The log it follows (whose sequences it receives).</summary>
        public string Log { get; private init; } = "";

        public static async Task<Client> ConnectAsync(Uri uri, string token, string? department, long after, string log, CancellationToken ct)
        {
            var client = new Client { Department = department, Log = log };
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
