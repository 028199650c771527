using System.Globalization;
using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Marten;
using Marten.Events;
using static CaseEngine.Bench.Harness.Report;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// Issue 18: T1, T2, T3 and T6 with operations off (nothing configured, as shipped) and on (tracing of every
/// request exported over OTLP/HTTP, the Prometheus scrape served and scraped every 15 s, every committed
/// event published to a private RabbitMQ node with one integrator queue bound <c>#</c> drained), back to back
/// in one session on the same data. What runs beside the server when on is in
/// <see cref="OperationsSide"/> (a process of its own, so the server's CPU is the server's).
/// </summary>
public static class Operations
{
    private const string Exchange = "caseengine.events";

    public static async Task RunAsync(Report report, string data, RuleBook rules, TimeSpan seconds, bool quick)
    {
        await using var broker = await RabbitMqNode.StartNewAsync();
        report.Note($"Operations on = the server configured with OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP, http/protobuf; every request sampled, " +
            $"the default parent-based always-on sampler) to a sink the bench runs, Telemetry:Prometheus:Port (scraped every {OperationsSide.ScrapeInterval.TotalSeconds:0} s), " +
            "and CaseEngine:Broker on a private RabbitMQ node (Debian's rabbitmq-server, tests/Testing/RabbitMqNode.cs; durable topic exchange, persistent messages, publisher confirms) " +
            "with one integrator's durable queue bound '#', drained and acknowledged message by message. Sink, scraper and integrator run in a process of their own; " +
            "it and the broker share the machine's cores with the server and PostgreSQL, and their CPU is reported apart (not in the server's). Operations off = none of these configured, as shipped. " +
            "Both servers are the same in-process host as every other scenario (Production, rate limits on); each phase starts a fresh server on the same data. " +
            "When on, the publisher starts at the end of the log as it stands (its progress row is set there), so it publishes the phase's new events, not the data set's history.");
        var cpu = await CpuMeter.StartAsync(data);
        var phase = 0;
        var probes = quick ? new[] { 8, 32 } : new[] { 8, 16, 32, 64 };
        var tokensFor = (Api api) => api.PetitionerTokens(64);
        ClientSpec Spec(Api api, int clients, double? rate = null) => new(ClientSpec.Submit, api.Url.ToString(), tokensFor(api), clients,
            seconds.TotalSeconds, rate, SubmissionMix.NewRun(), [Api.EntryRegion]);

        // One phase: a fresh server with operations off or on; when on, the side process is started first (its queue
        // is bound before anything is published) and at the end every event logged in the phase must have reached it.
        async Task<T> PhaseAsync<T>(bool on, string what, Func<Api, Task<T>> run)
        {
            phase++;
            OperationsSide? side = null;
            ServerOperations? operations = null;
            try
            {
                if (on)
                {
                    var prometheus = MinimalEndpoint.FreePort();
                    side = await OperationsSide.StartAsync(new OperationsSpec(broker.AmqpPort, RabbitMqNode.UserName, broker.Password, Exchange,
                        $"bench-integrator-{phase}", $"http://127.0.0.1:{prometheus}/metrics"));
                    operations = new ServerOperations(new Uri($"http://127.0.0.1:{side.OtlpPort}"), prometheus, broker.Settings(Exchange));
                }
                var brokerCpu = BrokerCpuMs(broker.NodeName);
                T result;
                await using (var api = await Api.StartAsync(data, rules, operations))
                {
                    var schema = api.Store.Options.Events.DatabaseSchemaName;
                    var mark = api.PublishedFrom ?? 0;
                    if (side is not null)
                        await side.GoAsync();
                    await api.WarmUpAsync();
                    result = await run(api);
                    await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
                    if (side is not null)
                    {
                        // The publisher is a subscription of the daemon: non-stale includes it, so the broker has confirmed them all.
                        var logged = await Dataset.EventsAfterAsync(data, schema, mark);
                        var received = await side.WaitForAsync(logged, TimeSpan.FromSeconds(60));
                        var seen = await side.StopAsync();
                        report.Note($"{what}, operations on: {seen.Describe()}; the RabbitMQ node used {BrokerCpuMs(broker.NodeName) - brokerCpu:N0} ms CPU. Check: {logged:N0} events logged in the phase (warm-up included), " +
                            $"{seen.DistinctSequences:N0} received by the integrator — {(seen.DistinctSequences == logged ? "all of them" : received < logged ? $"{logged - received:N0} MISSING" : "more than logged")}" +
                            $"{(seen.Messages > seen.DistinctSequences ? $", {seen.Messages - seen.DistinctSequences:N0} redelivered" : "")}.");
                    }
                }
                return result;
            }
            finally
            {
                if (side is not null)
                    await side.DisposeAsync();
            }
        }

        // T6 first: reads only, so off and on read the same inbox (only the warm-ups' few submissions differ).
        var t6 = new Dictionary<bool, (Measured Pages, string Department, long Items)>();
        foreach (var on in new[] { false, true })
        {
            t6[on] = await PhaseAsync(on, "T6", async api =>
            {
                await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
                var (department, items) = await api.BusiestInboxAsync();
                return (await api.InboxPagesAsync(department, 32, seconds), department, items);
            });
        }

        // T1 and T2 in rounds off, on, on, off (one round off, on with --quick): T1's probes, then T2 in the same
        // server at half of the first off round's best, the same offered rate for every round, so latencies compare.
        var order = quick ? new[] { false, true } : new[] { false, true, true, false };
        var t1 = new Dictionary<bool, List<(SubmitOutcome Best, int Clients, string Cpu)>> { [false] = [], [true] = [] };
        var t2 = new Dictionary<bool, List<Measured>> { [false] = [], [true] = [] };
        double? rate = null;
        var round = 0;
        foreach (var on in order)
        {
            await PhaseAsync(on, $"T1/T2 round {++round}", async api =>
            {
                SubmitOutcome? best = null;
                var (bestClients, bestCpu) = (0, "");
                foreach (var clients in probes)
                {
                    var before = cpu.Sample();
                    var o = await SubmissionClients.InProcessOfTheirOwnAsync(Spec(api, clients));
                    var used = cpu.Sample() - before;
                    var m = o.Measured;
                    report.Note($"T1 probe, operations {(on ? "on" : "off")}: {clients} clients, {m.PerSecond:0} mutations/s, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}; " +
                        $"{used.PerOperation(o.Operations)}, clients {o.CpuMs / Math.Max(1, o.Operations):0.00} ms" +
                        (o.Failures > 0 ? $"; {o.Failures} FAILED, first: {o.FirstFailure}" : ""));
                    if (best is null || m.PerSecond > best.Measured.PerSecond)
                        (best, bestClients, bestCpu) = (o, clients, used.PerOperation(o.Operations));
                    await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
                }
                t1[on].Add((best!, bestClients, bestCpu));
                rate ??= best!.Measured.PerSecond / 2;
                var t2Outcome = await SubmissionClients.InProcessOfTheirOwnAsync(Spec(api, 64, rate));
                if (t2Outcome.Failures > 0)
                    report.Note($"T2, operations {(on ? "on" : "off")}: {t2Outcome.Failures} of {t2Outcome.Operations} submissions FAILED, first: {t2Outcome.FirstFailure}");
                t2[on].Add(t2Outcome.Measured);
                report.Note($"T2, operations {(on ? "on" : "off")}: {rate:0}/s offered, {t2Outcome.Measured.PerSecond:0}/s done, p50 {Ms(t2Outcome.Measured.P50)}, " +
                    $"p99 {Ms(t2Outcome.Measured.P99)}, p99.9 {Ms(t2Outcome.Measured.P999)}");
                return 0;
            });
        }

        // T3 at the same half load, off then on.
        var t3 = new Dictionary<bool, (Measured Inbox, Measured Statistics, Measured Load)>();
        foreach (var on in new[] { false, true })
        {
            t3[on] = await PhaseAsync(on, "T3", async api =>
            {
                await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
                var probe = 0;
                return await ReadSide.LagUnderLoadAsync(Spec(api, 64, rate),
                    async () => Guid.Parse(await api.SubmitAsync(2000, ++probe, entryRegion: Dataset.ProbeRegion)),
                    data, api.Store.Options.DatabaseSchemaName, quick ? 10 : 100);
            });
        }

        // The table: off → on, on / off, and the overhead.
        static string Percent(double overhead) => (overhead >= 0 ? "+" : "") + overhead.ToString("0.0", CultureInfo.InvariantCulture) + " %";
        static string Rounds(IEnumerable<double> values, string format) => string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));
        Measured Pool(List<Measured> runs) => new(runs.Sum(m => m.Operations), TimeSpan.FromTicks(runs.Sum(m => m.Elapsed.Ticks)), [.. runs.SelectMany(m => m.LatenciesMs)]);

        var (t1Off, t1On) = (t1[false].Average(r => r.Best.Measured.PerSecond), t1[true].Average(r => r.Best.Measured.PerSecond));
        report.Add(new ResultRow("T1", "sustained submitPetition mutations over GraphQL/HTTP, best of the probes, operations off → on",
            $"{t1Off:0} → {t1On:0} mutations/s", $"off {t1Off:0}/s", t1On / t1Off, "report the overhead", null,
            $"overhead {Percent(100 * (t1Off - t1On) / t1Off)} of throughput; rounds off {Rounds(t1[false].Select(r => r.Best.Measured.PerSecond), "0")} " +
            $"(best at {string.Join(", ", t1[false].Select(r => r.Clients))} clients; {string.Join("; ", t1[false].Select(r => r.Cpu))}), " +
            $"on {Rounds(t1[true].Select(r => r.Best.Measured.PerSecond), "0")} (best at {string.Join(", ", t1[true].Select(r => r.Clients))} clients; {string.Join("; ", t1[true].Select(r => r.Cpu))})"));
        var (t2Off, t2On) = (Pool(t2[false]), Pool(t2[true]));
        report.Add(new ResultRow("T2", $"mutation latency at half of T1's best (off, first round), {rate:0}/s offered as an open loop, operations off → on",
            $"p50 {Ms(t2Off.P50)} → {Ms(t2On.P50)}, p99 {Ms(t2Off.P99)} → {Ms(t2On.P99)}, p99.9 {Ms(t2Off.P999)} → {Ms(t2On.P999)}", $"off p99 {Ms(t2Off.P99)}",
            t2On.P99 / t2Off.P99, "report the overhead", null,
            $"p99 overhead {Percent(100 * (t2On.P99 - t2Off.P99) / t2Off.P99)}, p50 {Percent(100 * (t2On.P50 - t2Off.P50) / t2Off.P50)}; latencies of the rounds pooled " +
            $"(p99 by round: off {Rounds(t2[false].Select(m => m.P99), "0.0")} ms, on {Rounds(t2[true].Select(m => m.P99), "0.0")} ms)"));
        foreach (var (what, pick) in new (string, Func<(Measured Inbox, Measured Statistics, Measured Load), Measured>)[] { ("inbox", x => x.Inbox), ("statistics", x => x.Statistics) })
        {
            var (off, on) = (pick(t3[false]), pick(t3[true]));
            report.Add(new ResultRow("T3", $"projection lag, reply → visible in {what}, at {rate:0}/s offered, operations off → on",
                $"p50 {Ms(off.P50)} → {Ms(on.P50)}, p99 {Ms(off.P99)} → {Ms(on.P99)}", $"off p99 {Ms(off.P99)}", on.P99 / off.P99, "p99 ≤ 250 ms; report the overhead",
                on.P99 <= 250 && off.P99 <= 250, $"p99 overhead {Percent(100 * (on.P99 - off.P99) / off.P99)}; {off.Operations} and {on.Operations} probes; " +
                $"background {t3[false].Load.PerSecond:0}/s and {t3[true].Load.PerSecond:0}/s done"));
        }
        var (t6Off, t6On) = (t6[false].Pages, t6[true].Pages);
        report.Add(new ResultRow("T6", $"busiest inbox's first page of 50 over GraphQL, 32 readers ({t6[false].Department}, {t6[false].Items:N0} → {t6[true].Items:N0} items), operations off → on",
            $"{t6Off.PerSecond:0} → {t6On.PerSecond:0} pages/s, p50 {Ms(t6Off.P50)} → {Ms(t6On.P50)}, p99 {Ms(t6Off.P99)} → {Ms(t6On.P99)}", $"off p99 {Ms(t6Off.P99)}",
            t6On.P99 / t6Off.P99, "report the overhead", null,
            $"p99 overhead {Percent(100 * (t6On.P99 - t6Off.P99) / t6Off.P99)}, throughput {Percent(100 * (t6Off.PerSecond - t6On.PerSecond) / t6Off.PerSecond)} fewer pages/s"));
    }

    /// <summary>
    /// CPU time so far of the RabbitMQ node's processes (those started with its RABBITMQ_NODENAME: the Erlang
    /// VM and its helpers), in milliseconds, from /proc: the broker shares this machine's cores with the server.
    /// </summary>
    private static double BrokerCpuMs(string nodeName)
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        long ticks = 0;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "environ")).Contains($"RABBITMQ_NODENAME={nodeName}", StringComparison.Ordinal))
                    continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while it was read.
            }
        }
        return ticks * 10.0;   // USER_HZ is 100 on Linux: a tick is 10 ms
    }
}
