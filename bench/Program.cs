using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Bench.Scenarios;
using CaseEngine.Workflow.Rules;
using Marten.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CaseEngine.Bench.Harness.Report;

// dotnet run -c Release --project bench -- <scenario|all|t1+t3…> --scale province|national [--quick]
// dotnet run -c Release --project bench -- t1|t2|t3|t6 --scale province --operations on   (tracing, scrape and broker on; issue 18)
// dotnet run -c Release --project bench -- operations --scale province   (T1, T2, T3, T6 with operations off and on, back to back)
// dotnet run -c Release --project bench -- load --scale province   (generate the data set in the kept cluster only)
// dotnet run -c Release --project bench -- federation --scale national   (issue 19: one database against 31 province databases, same workload)
// dotnet run -c Release --project bench -- clients   (started by the bench itself: load clients in a process of their own)
// dotnet run -c Release --project bench -- operations-side   (started by the bench itself: OTLP sink, scraper, integrator)
// dotnet run -c Release --project bench -- faults [--nodes N --clients N --kills N --crashes N --seconds N --seed N]
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
// The fault run (issue 15) brings its own PostgreSQL and server processes and its own options.
if (string.Equals(scenario, "faults", StringComparison.OrdinalIgnoreCase))
    return await Faults.RunAsync(args);
if (scenario == "clients")
    return await ClientProcess.MainAsync();
if (scenario == "operations-side")
    return await OperationsSide.MainAsync();
// dotnet run -c Release --project bench -- classify <kept .perf file>…   (T1's CPU by component again, from CASEENGINE_BENCH_PERF_KEEP)
if (scenario == "classify")
{
    foreach (var file in args.Skip(1))
    {
        var samples = await CpuBreakdown.ClassifyKeptAsync(file);
        Console.WriteLine($"{file}: {samples.Total:N0} samples");
        foreach (var (component, count) in samples.ByComponent.OrderByDescending(p => p.Value))
            Console.WriteLine($"  {(double)count / samples.Total,7:P1}  {component}");
    }
    return 0;
}
var scale = args.SkipWhile(a => a != "--scale").Skip(1).FirstOrDefault() ?? "province";
var quick = args.Contains("--quick");
var operationsOn = args.SkipWhile(a => a != "--operations").Skip(1).FirstOrDefault() == "on";
if (scale is not ("province" or "national"))
{
    Console.Error.WriteLine("--scale is province or national");
    return 2;
}
// One scenario, `all`, or several joined by '+' (t1+t3: T3 after what T1 and the peer leave behind, as in a full run).
bool Runs(string id) => scenario == "all" || scenario.Split('+').Contains(id, StringComparer.OrdinalIgnoreCase);

var seconds = TimeSpan.FromSeconds(quick ? 2 : 15);
// The federation's modes (CASEENGINE_BENCH_FEDERATION=idle or t1) write their own results file, not over a full run's.
var federationMode = string.Equals(scenario, "federation", StringComparison.OrdinalIgnoreCase)
    && Environment.GetEnvironmentVariable("CASEENGINE_BENCH_FEDERATION") is { Length: > 0 } mode ? "federation-" + mode.ToLowerInvariant() : null;
var report = new Report(scale, quick, scenario == "all" ? null : federationMode ?? scenario.ToLowerInvariant());
var petitions = quick ? 300 : scale == "national" ? 1_000_000 : 100_000;
if (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PETITIONS") is { } n)
    petitions = int.Parse(n, System.Globalization.CultureInfo.InvariantCulture);
// Full runs keep their cluster (and the generated data in it) for the next run: CASEENGINE_BENCH_DATA or bench/.data/pg.
var kept = quick ? null : Environment.GetEnvironmentVariable("CASEENGINE_BENCH_DATA") ?? Path.Combine(AppContext.BaseDirectory, "../../../.data/pg");
await using var database = await BenchDatabase.StartAsync(kept);
var server = await database.SettingsAsync();
Console.WriteLine($"PostgreSQL {server["server_version"]}, fsync={server["fsync"]}, synchronous_commit={server["synchronous_commit"]}");

// Issue 19: the same workload on one database and over a database per province (bench/Scenarios/Federation.cs).
if (string.Equals(scenario, "federation", StringComparison.OrdinalIgnoreCase))
{
    // Loading twice the national million takes hours on a small machine: 100,000 unless CASEENGINE_BENCH_PETITIONS says otherwise.
    if (!quick && Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PETITIONS") is null)
        petitions = 100_000;
    await Federation.RunAsync(report, database, petitions, seconds, quick);
    Console.WriteLine($"results: {Path.GetFullPath(await report.WriteAsync(Path.Combine(AppContext.BaseDirectory, "../../../results"), server))}");
    return 0;
}

var raw = new RawPostgres(await database.CreateDatabaseAsync("bench_raw"));
await raw.PrepareAsync();

var b1 = new Dictionary<int, Measured>();
if (Runs("b1") || Runs("all"))
{
    foreach (var clients in new[] { 1, 8, 32 })
    {
        var m = b1[clients] = await raw.InsertWithVersionCheckAsync(clients, seconds);
        report.Add(new ResultRow($"B1", $"insert + commit of a 1 KB jsonb event with a version check, {clients} client(s)",
            $"{m.PerSecond:0} tps, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}", "—", null, "baseline", null));
    }
}
Measured? b3 = null;
if (Runs("b2"))
{
    var rows = quick ? 20_000 : 500_000;
    var rate = await raw.CopyRowsPerSecondAsync(rows);
    report.Add(new ResultRow("B2", $"binary COPY of {rows:N0} such rows", $"{rate:0} rows/s", "—", null, "baseline", null));
}
if (Runs("b3") || Runs("t7"))
{
    b3 = await raw.ReadStreamAsync(quick ? 100 : 1000, quick ? 5 : 30);
    report.Add(new ResultRow("B3", $"read one {(quick ? 100 : 1000)}-event stream and parse its JSON", $"p50 {Ms(b3.P50)}, p99 {Ms(b3.P99)}", "—", null, "baseline", null));
}
if (Runs("b4"))
{
    var rows = quick ? 100_000 : 1_000_000;
    var m = await raw.KeysetPageAsync(rows, quick ? 100 : 5000, 32, seconds);
    report.Add(new ResultRow("B4", $"keyset page of 50 on a {rows:N0}-row inbox-shaped table, 32 readers",
        $"{m.PerSecond:0}/s, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}", "—", null, "baseline", null));
}
if (Runs("b5"))
{
    var m = await MinimalEndpoint.MeasureAsync(32, seconds);
    report.Add(new ResultRow("B5", "minimal ASP.NET endpoint returning an inbox page's JSON, 32 clients",
        $"{m.PerSecond:0}/s, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}", "—", null, "baseline", null));
}
if (Runs("t7") && b3 is not null)
{
    await using var engine = await EngineHost.StartAsync(await database.CreateDatabaseAsync("bench_engine"));
    var events = quick ? 100 : 1000;
    var (history, byVersion, byMoment, build) = await Replay.MeasureAsync(engine, events, quick ? 5 : 30);
    report.Note($"T7 built its {events}-event petition through the workflow in {build.TotalSeconds:0.0} s ({events / build.TotalSeconds:0} commands/s, one client).");
    foreach (var (what, m) in new[] { ("history", history), ("as of a version", byVersion), ("as of a moment", byMoment) })
    {
        var ratio = m.P50 / b3.P50;
        report.Add(new ResultRow("T7", $"replay of a {events}-event petition: {what}", $"p50 {Ms(m.P50)}, p99 {Ms(m.P99)}",
            $"B3 p50 {Ms(b3.P50)}", ratio, "≤ 1.5 × B3", ratio <= 1.5));
    }
}
if (Runs("chain"))
{
    // The tamper-evident chain's cost per command: the same load with the chain off and on, each on a fresh
    // database, alternated twice so that a machine whose load drifts charges both alike.
    foreach (var clients in new[] { 1, 8 })
    {
        var runs = new Dictionary<bool, List<Measured>> { [false] = [], [true] = [] };
        for (var round = 0; round < 2; round++)
            foreach (var chain in new[] { false, true })
                runs[chain].Add(await ChainCost.MeasureAsync(
                    await database.CreateDatabaseAsync($"bench_chain_{(chain ? "on" : "off")}_{clients}_{round}"), chain, clients, seconds));
        Measured Both(bool chain) => new(runs[chain].Sum(m => m.Operations),
            TimeSpan.FromTicks(runs[chain].Sum(m => m.Elapsed.Ticks)), [.. runs[chain].SelectMany(m => m.LatenciesMs)]);
        var (off, on) = (Both(false), Both(true));
        report.Add(new ResultRow("CHAIN", $"commands (submit, forward, accept, assign), {clients} client(s), chain off → on",
            $"{off.PerSecond:0.0} → {on.PerSecond:0.0} commands/s, p50 {Ms(off.P50)} → {Ms(on.P50)}, p99 {Ms(off.P99)} → {Ms(on.P99)}",
            $"off {off.PerSecond:0.0}/s", on.PerSecond / off.PerSecond, "measured", null,
            $"rounds off {string.Join(", ", runs[false].Select(m => m.PerSecond.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}; " +
            $"on {string.Join(", ", runs[true].Select(m => m.PerSecond.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}"));
    }
}
RuleBook? rules = null;
string? data = null;
NationalData? national = null;
var comparesOperations = string.Equals(scenario, "operations", StringComparison.OrdinalIgnoreCase);
// `load` only generates (or finds) the data set in the kept cluster, so a later measurement starts at once.
if (new[] { "t1", "t2", "t3", "t5", "t6", "t9" }.Any(Runs) || comparesOperations || scenario == "load")
{
    var watch = System.Diagnostics.Stopwatch.StartNew();
    rules = Dataset.Rules(scale);
    report.Note($"Directory from ../shared/data/divisions ({(scale == "province" ? "Anhui, 34" : "all provinces")}): " +
        $"{rules.Directory.Regions.Count:N0} regions, {rules.Directory.Departments.Count:N0} departments, imported in {watch.Elapsed.TotalSeconds:0.0} s.");
    if (scale == "national")
    {
        // Since issue 19 a database holds one province: the national data is spread over a database per province
        // behind one master (the same data Federation measures), and the server is given the master.
        var (master, provinces, summary, reused) = await Dataset.EnsureProvincesAsync(database, petitions, rules, batchSize: quick ? 50 : 500);
        national = new NationalData(master, provinces);
        data = provinces[CaseEngine.Domain.Directory.DemoDirectory.ProvinceCode];
        report.Note((reused ? "Reused the data generated by an earlier run: " : "") + summary);
    }
    else
    {
        var (connection, summary, reused) = await Dataset.EnsureAsync(database, scale, petitions, rules, batchSize: quick ? 50 : 500);
        data = connection;
        report.Note((reused ? "Reused the data generated by an earlier run: " : "") + summary);
    }
}
// Where the server's data is: the master database listing the province databases (one, Anhui, at province scale).
var dataMaster = national?.Master ?? (data is null ? null : await BenchDatabase.MasterForAsync(data));
// Every province database of the data, for what is counted over the whole log (the flag rate).
IReadOnlyList<string> dataDatabases = national is not null ? [.. national.Provinces.Values] : data is null ? [] : [data];
// Where the load enters: at province scale one county of Hefei; at national scale one county of each province, in turn.
IReadOnlyList<string> loadRegions = national is null || rules is null ? [Api.EntryRegion] : Dataset.OneCountyPerProvince(rules.Directory);
if (national is not null)
    report.Note($"National scale: the server is given the master database of {national.Provinces.Count} province databases; T1, T2, B6 and B6R " +
        $"submit at one county of each province in turn ({string.Join(", ", loadRegions.Take(4))}, …); T3's probes enter at 340103 (Anhui).");
if (data is not null && Runs("t5"))
{
    // A national log touches about 160,000 streams in 244,000 events (three quarters of a petition's
    // next events come within that), more than the default room: as a national deployment would, the
    // bench gives the inbox and overdue projections room for 300,000 streams (docs/operations.md, "The read side").
    int? cachedStreams = scale == "national" && !quick ? 300_000 : null;
    if (cachedStreams is { } room)
        report.Note($"T5 ran with CaseEngine:ReadSideCachedStreams = {room:N0} (default {CaseEngine.Projections.ReadSide.PetitionStreamsProjection.DefaultCachedStreams:N0}).");
    await using var engine = await CaseEngine.Testing.Engine.StartAsync(dataMaster!, new CaseEngine.Testing.FakeClock(DateTimeOffset.UtcNow), o =>
    {
        o.RuleBook = rules;
        o.DuplicateDetection = true;
        o.ReadSideCachedStreams = cachedStreams;
    }, host => host.Configuration[CaseEngine.Workflow.DuplicateDetection.DuplicateDetectionSubscription.EnabledSetting] = "false");
    var b2Rate = await raw.CopyRowsPerSecondAsync(quick ? 20_000 : 500_000);
    await using var sampler = WorkingSetSampler.Start();
    // Over a database per province, four side by side (CaseEngine:Rebuild:DatabasesAtOnce, docs/operations.md) on the 2 cores.
    var atOnce = national is null ? 1 : 4;
    if (national is not null)
        report.Note($"T5 rebuilt the {national.Provinces.Count} province databases {atOnce} at a time; its rate is the events of all of them over the whole rebuild.");
    var (rate, events, each) = await ReadSide.RebuildAsync(engine, atOnce);
    var workingSet = await sampler.StopAsync();
    report.Add(new ResultRow("T5", $"full rebuild of inbox + overdue + statistics + situation analysis (one pass) from {events:N0} events",
        $"{rate:0} events/s ({string.Join(", ", each.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds:0.0} s"))})",
        $"B2 {b2Rate:0} rows/s", rate / b2Rate, "≥ 0.5 × B2", rate / b2Rate >= 0.5));
    report.Add(WorkingSetRow($"during the T5 rebuild ({events:N0} events)", workingSet, sampler.Interval));
}
if (data is not null && comparesOperations)
    await Operations.RunAsync(report, data, rules!, seconds, quick);
if (data is not null && (Runs("t1") || Runs("t2") || Runs("t3") || Runs("t6")))
{
    // T10 is the server's working set. The bench process hosted T5's engine before it, and the server GC keeps the
    // memory that engine freed (1,870 MiB at its peak on the national data) unless told to give it back: without
    // this, the national run of 2026-12-08 counted 2,016 MiB at the start of T1, before the server took a request.
    var heldBefore = Environment.WorkingSet;
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    report.Note($"Before the server started, the bench process held {heldBefore / 1048576.0:0} MiB; {Environment.WorkingSet / 1048576.0:0} MiB after " +
        "a full compacting collection that returns freed memory to the operating system (what earlier scenarios left).");
    // --operations on (issue 18): the same server with tracing exported, the scrape on and publishing to a broker of the bench's own.
    await using var broker = operationsOn ? await CaseEngine.Testing.RabbitMqNode.StartNewAsync() : null;
    var prometheusPort = MinimalEndpoint.FreePort();
    await using var side = broker is null ? null : await OperationsSide.StartAsync(new OperationsSpec(broker.AmqpPort,
        CaseEngine.Testing.RabbitMqNode.UserName, broker.Password, "caseengine.events", "bench-integrator", $"http://127.0.0.1:{prometheusPort}/metrics"));
    await using var api = await Api.StartOnMasterAsync(dataMaster!, rules, broker is null || side is null ? null
        : new ServerOperations(new Uri($"http://127.0.0.1:{side.OtlpPort}"), prometheusPort, broker.Settings("caseengine.events")), data);
    if (side is not null)
    {
        await side.GoAsync();
        report.Note("Operations on (--operations on): tracing exported over OTLP/HTTP to a sink of the bench's, the Prometheus scrape scraped every 15 s, " +
            "every committed event published to a private RabbitMQ node with one integrator queue bound '#' (bench/Scenarios/Operations.cs describes it).");
    }
    await api.WarmUpAsync();
    // The same load clients for CaseEngine (T1, T2), B6 and B6R: a process of their own, one PETITIONER token each.
    var tokens = api.PetitionerTokens(64);
    ClientSpec Spec(Uri url, int clients, double? rate = null) => new(ClientSpec.Submit, url.ToString(), tokens, clients,
        seconds.TotalSeconds, rate, CaseEngine.Testing.SubmissionMix.NewRun(), [.. loadRegions]);
    var probes = quick ? new[] { 8, 32 } : new[] { 8, 16, 32, 64 };
    if (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PROBES") is { Length: > 0 } counts)
        probes = [.. counts.Split(',').Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))];
    var cpu = await CpuMeter.StartAsync(data);
    // PostgreSQL's time by statement: the data's one database, or summed over the province databases at national scale.
    Task<string> StatementsAsync(int operations, string unit) => national is null
        ? CpuBreakdown.TopStatementsAsync(data, operations)
        : CpuBreakdown.ClusterStatementsAsync(data, operations, unit, byTime: true, top: 12);

    // Each probe in its own client process; the server's CPU (this process) and PostgreSQL's per mutation.
    async Task<(SubmitOutcome Best, int Clients, string Cpu, int Resubmissions, int Submitted)> ProbeAsync(string id, Uri url, IDocumentStore? settle)
    {
        SubmitOutcome? best = null;
        var bestClients = 0;
        var bestCpu = "";
        var (resubmissions, submitted) = (0, 0);
        foreach (var clients in probes)
        {
            var before = cpu.Sample();
            var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var o = await SubmissionClients.InProcessOfTheirOwnAsync(Spec(url, clients));
            var used = cpu.Sample() - before;
            // Methods the runtime compiled in this process during the probe (tiering up, dynamic methods): the JIT's share of the server's CPU.
            var jit = $"; JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted:N0} methods, {(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds / Math.Max(1, o.Operations):0.00} ms per operation";
            var m = o.Measured;
            (resubmissions, submitted) = (resubmissions + o.Resubmissions, submitted + o.Operations);
            report.Note($"{id} probe: {clients} clients, {m.PerSecond:0} mutations/s, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}; {used.PerOperation(o.Operations)}, " +
                $"clients {o.CpuMs / Math.Max(1, o.Operations):0.00} ms; {o.Resubmissions} resubmissions{jit}" +
                (o.Failures > 0 ? $"; {o.Failures} FAILED, first: {o.FirstFailure}" : ""));
            if (best is null || m.PerSecond > best.Measured.PerSecond)
                (best, bestClients, bestCpu) = (o, clients, used.PerOperation(o.Operations));
            // The read side catches up between probes, so a probe is not charged for the last one's projections.
            if (settle is not null)
                await settle.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        }
        return (best!, bestClients, bestCpu, resubmissions, submitted);
    }

    // Sustained throughput is a service's steady state. A process of CaseEngine's size keeps compiling (tiering its
    // methods up) for about a minute of load, the peer for a few seconds (bench/tuning.md, "Change 23"), so each
    // service is loaded at 32 clients until a window of the probes' length compiles fewer than 500 methods, at most 8.
    async Task WarmUpAsync(string id, Uri url, IDocumentStore? settle)
    {
        var (windows, compiled, done) = (0, 0L, 0);
        do
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            done += (await SubmissionClients.InProcessOfTheirOwnAsync(Spec(url, 32))).Operations;
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            windows++;
        } while (!quick && compiled >= 500 && windows < 8);
        if (settle is not null)
            await settle.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        report.Note($"{id} warm-up: {windows} window(s) of {seconds.TotalSeconds:0} s at 32 clients ({done:N0} mutations) until the JIT settled; " +
            $"{compiled:N0} methods compiled in the last window.");
    }

    await WarmUpAsync("T1", api.Url, api.Store);
    var logStarts = await Task.WhenAll(dataDatabases.Select(d => Dataset.MaxSequenceAsync(d, api.Store.Options.Events.DatabaseSchemaName)));
    await using var sampler = WorkingSetSampler.Start();
    var t1 = await ProbeAsync("T1", api.Url, api.Store);
    var workingSet = await sampler.StopAsync();
    var best = t1.Best.Measured;
    var bestClients = t1.Clients;
    if (Runs("t1"))
    {
        report.Add(new ResultRow("T10", $"server working set during the T1 probes ({string.Join(", ", probes)} clients), load clients excluded",
            $"{workingSet.PeakMiB:0} MiB", "—", null, "≤ 2 GiB (national)", workingSet.PeakMiB <= 2048,
            $"the bench process hosts the server (and the bench's own small bookkeeping); the load clients run in a process of their own; {workingSet.Describe(sampler.Interval)}"));
    }

    // T1's CPU per mutation by component (issue 17): the best client count again under perf, first with the
    // read side paused (the request path alone), then the read side catching up on what that run appended.
    if (Runs("t1"))
    {
        if (CpuBreakdown.Unavailable() is { } why)
            report.Note($"T1 CPU by component: not measured ({why}).");
        else
        {
            await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
            var coordinator = api.Services.GetRequiredService<JasperFx.Events.Daemon.IProjectionCoordinator>();
            await coordinator.PauseAsync();
            await CpuBreakdown.ResetStatementsAsync(data);
            var before = cpu.Sample();
            var profile = await CpuBreakdown.StartAsync();
            var run = await SubmissionClients.InProcessOfTheirOwnAsync(Spec(api.Url, bestClients));
            var requestSamples = await profile.StopAsync();
            var requestCpu = cpu.Sample() - before;
            var ops = run.Operations;
            var requestStatements = await StatementsAsync(ops, "mutation");
            await CpuBreakdown.ResetStatementsAsync(data);
            before = cpu.Sample();
            profile = await CpuBreakdown.StartAsync();
            await coordinator.ResumeAsync();
            await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
            var readSamples = await profile.StopAsync();
            var readCpu = cpu.Sample() - before;
            var readStatements = await StatementsAsync(ops, "mutation");
            report.Note($"T1 CPU by component (perf cpu-clock samples with stacks, each component's share of the server's CPU from /proc; " +
                $"{bestClients} clients, {ops:N0} mutations at {run.Measured.PerSecond:0}/s with the read side paused, then the read side catching up): " +
                $"request path server {requestCpu.ServerMs / Math.Max(1, ops):0.00} ms + PostgreSQL {requestCpu.PostgresMs / Math.Max(1, ops):0.00} ms per mutation " +
                $"({requestSamples.Total:N0} samples): {requestSamples.Describe(requestCpu.ServerMs, ops)}. " +
                $"Read side server {readCpu.ServerMs / Math.Max(1, ops):0.00} ms + PostgreSQL {readCpu.PostgresMs / Math.Max(1, ops):0.00} ms per mutation " +
                $"({readSamples.Total:N0} samples): {readSamples.Describe(readCpu.ServerMs, ops)}.");
            report.Note($"T1 PostgreSQL time by statement (pg_stat_statements over the same two windows, per mutation): request path: {requestStatements}. " +
                $"Read side: {readStatements}.");
        }
    }

    // T2: half of T1's best throughput, offered as an open loop at that rate (a closed loop with half the
    // clients would still saturate the server and measure its queue, not its latency).
    var rate = best.PerSecond / 2;
    Measured? t2 = null;
    var (resubmissionsSent, submissionsSent) = (t1.Resubmissions, t1.Submitted);
    if (Runs("t2"))
    {
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        var o = await SubmissionClients.InProcessOfTheirOwnAsync(Spec(api.Url, 64, rate));
        t2 = o.Measured;
        (resubmissionsSent, submissionsSent) = (resubmissionsSent + o.Resubmissions, submissionsSent + o.Operations);
        if (o.Failures > 0)
            report.Note($"T2: {o.Failures} of {o.Operations} submissions FAILED, first: {o.FirstFailure}");
    }

    // The workload's flag rate (issue 17): what duplicate detection flagged among the submissions of T1 and T2.
    await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
    var (petitionsSince, flaggedSince) = (0L, 0L);
    foreach (var (provinceDatabase, logStart) in dataDatabases.Zip(logStarts))
    {
        var (p, f) = await Dataset.FlagRateAsync(provinceDatabase, api.Store.Options.Events.DatabaseSchemaName, logStart);
        (petitionsSince, flaggedSince) = (petitionsSince + p, flaggedSince + f);
    }
    report.Note($"Workload (tests/Testing/Workload.cs, SubmissionMix): every submission from a petitioner of its own except about " +
        $"{CaseEngine.Testing.SubmissionMix.ResubmissionRate:P0} resubmissions (the same petitioner's matter reworded); T1 and T2 sent {resubmissionsSent:N0} " +
        $"resubmissions in {submissionsSent:N0} submissions ({(double)resubmissionsSent / Math.Max(1, submissionsSent):P1}). Observed flag rate over T1 and T2: " +
        $"{flaggedSince:N0} of {petitionsSince:N0} new petitions flagged as suspected duplicates ({(double)flaggedSince / Math.Max(1, petitionsSince):P2}).");

    // B6 and B6R: the peer service (bench/Baselines/PeerService.cs) under the same clients, after CaseEngine
    // has settled, on a fresh database of the same cluster; only where a target needs them (T1, T2).
    if (Runs("t1") || Runs("t2"))
    {
        (SubmitOutcome Best, int Clients, string Cpu, int Resubmissions, int Submitted) b6, b6r;
        Measured? b6AtRate = null;
        await using (var peer = await PeerService.StartAsync(await database.CreateDatabaseAsync("bench_peer"), rules!, withInbox: false))
        {
            await WarmUpAsync("B6", peer.Url, null);
            b6 = await ProbeAsync("B6", peer.Url, null);
            if (t2 is not null)
                b6AtRate = (await SubmissionClients.InProcessOfTheirOwnAsync(Spec(peer.Url, 64, rate))).Measured;
        }
        await using (var peer = await PeerService.StartAsync(await database.CreateDatabaseAsync("bench_peer_inbox"), rules!, withInbox: true))
        {
            await WarmUpAsync("B6R", peer.Url, peer.Store);
            b6r = await ProbeAsync("B6R", peer.Url, peer.Store);
        }
        report.Add(new ResultRow("B6", $"peer service (minimal ASP.NET Core + GraphQL.NET + Marten StartStream, inline snapshot), submitPetition, best at {b6.Clients} clients",
            $"{b6.Best.Measured.PerSecond:0}/s, p50 {Ms(b6.Best.Measured.P50)}, p99 {Ms(b6.Best.Measured.P99)}", "—", null, "baseline", null, b6.Cpu));
        report.Add(new ResultRow("B6R", $"B6 + one async inbox projection on the same cores, best at {b6r.Clients} clients",
            $"{b6r.Best.Measured.PerSecond:0}/s, p50 {Ms(b6r.Best.Measured.P50)}, p99 {Ms(b6r.Best.Measured.P99)}", "—", null, "baseline", null, b6r.Cpu));
        if (b6AtRate is not null)
            report.Add(new ResultRow("B6", $"peer service at T2's offered rate, {rate:0}/s as an open loop ({b6AtRate.PerSecond:0}/s done)",
                $"p50 {Ms(b6AtRate.P50)}, p99 {Ms(b6AtRate.P99)}, p99.9 {Ms(b6AtRate.P999)}", "—", null, "baseline", null));

        if (Runs("t1"))
        {
            var toB6R = best.PerSecond / b6r.Best.Measured.PerSecond;
            var toB6 = best.PerSecond / b6.Best.Measured.PerSecond;
            report.Add(new ResultRow("T1", $"sustained submitPetition mutations over GraphQL/HTTP, best at {bestClients} clients",
                $"{best.PerSecond:0}/s, p50 {Ms(best.P50)}, p99 {Ms(best.P99)}", $"B6R {b6r.Best.Measured.PerSecond:0}/s; B6 {b6.Best.Measured.PerSecond:0}/s", toB6R,
                "≥ 0.8 × B6R and ≥ 0.5 × B6", toB6R >= 0.8 && toB6 >= 0.5, $"{toB6:0.00} × B6; {t1.Cpu}"));
            if (b1.TryGetValue(32, out var b132))
                report.Note($"T1 against the physical floor: {best.PerSecond / b132.PerSecond:0.00} × B1(32) ({b132.PerSecond:0} tps).");
        }
        if (t2 is not null)
        {
            var limit = b6AtRate is null ? double.NaN : 1.5 * b6AtRate.P99;
            report.Add(new ResultRow("T2", $"mutation latency at half of T1's best, {rate:0}/s offered as an open loop ({t2.PerSecond:0}/s done)",
                $"p50 {Ms(t2.P50)}, p99 {Ms(t2.P99)}, p99.9 {Ms(t2.P999)}", $"B6 p99 {Ms(b6AtRate?.P99 ?? double.NaN)} at the same rate",
                t2.P99 / (b6AtRate?.P99 ?? double.NaN), "p99 ≤ 1.5 × B6 p99", t2.P99 <= limit,
                "latency from each request's scheduled start" + (b1.TryGetValue(8, out var b18) ? $"; {t2.P99 / b18.P99:0.0} × B1(8) p99 {Ms(b18.P99)}" : "")));
        }
    }
    if (Runs("t3"))
    {
        // Half load: half of T1's best, offered as an open loop over GraphQL (at 340102) while probes
        // submit one at a time at 340103 and wait for their rows in the inbox and the statistics.
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        var t3Started = DateTimeOffset.UtcNow;
        RuntimeSampler? runtime = null;
        var probe = 0;
        var (inboxLag, statisticsLag, load) = await ReadSide.LagUnderLoadAsync(Spec(api.Url, 64, rate),
            async () => Guid.Parse(await api.SubmitAsync(2000, ++probe, entryRegion: Dataset.ProbeRegion)),
            data, api.Store.Options.DatabaseSchemaName, quick ? 10 : 100, () =>
            {
                t3Started = DateTimeOffset.UtcNow;
                Console.WriteLine($"T3 load started {t3Started:O}");   // a mark for an outside sampler (bench/tuning.md)
                runtime = RuntimeSampler.Start();
            });
        foreach (var (what, m) in new[] { ("inbox", inboxLag), ("statistics", statisticsLag) })
            report.Add(new ResultRow("T3", $"projection lag, reply → visible in {what}, at half of T1's best ({rate:0}/s offered, {load.PerSecond:0}/s done)",
                $"p50 {Ms(m.P50)}, p99 {Ms(m.P99)}", "—", null, "p99 ≤ 250 ms", m.P99 <= 250,
                $"{m.Operations} probes over GraphQL, one at a time; background submissions p50 {Ms(load.P50)}, p99 {Ms(load.P99)}"));
        report.Note("T3 measures overdue lag only indirectly (the same daemon batch writes it, after the inbox).");
        // The full runs' stall at the start of T3 (bench/tuning.md, sessions 26–30): the server's own runtime meanwhile.
        await using (runtime)
            report.Note($"T3 background submissions (from a client process of their own, {rate:0}/s at {loadRegions.Count} entry region(s) in turn; " +
                $"load started {t3Started:HH:mm:ss} UTC): {(runtime is null ? "not sampled" : await runtime.StopAsync(load, rate))}.");
    }
    if (Runs("t6"))
    {
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        var (department, items) = await api.BusiestInboxAsync();
        var b4 = await raw.KeysetPageAsync(quick ? 100_000 : 1_000_000, quick ? 100 : 5000, 32, seconds);
        var b5 = await MinimalEndpoint.MeasureAsync(32, seconds);
        var m = await api.InboxPagesAsync(department, 32, seconds);
        var limit = 2 * (b4.P99 + b5.P99);
        report.Add(new ResultRow("T6", $"inbox page of 50 over GraphQL, 32 readers, {scale} data, busiest inbox ({department}, {items:N0} items)",
            $"{m.PerSecond:0}/s, p50 {Ms(m.P50)}, p99 {Ms(m.P99)}", $"B4 p99 {Ms(b4.P99)} + B5 p99 {Ms(b5.P99)}", m.P99 / limit,
            "p99 ≤ 2 × (B4 + B5) p99; report vs 20 ms", m.P99 <= limit, $"p99 vs 20 ms: {m.P99 / 20:0.00}×"));

        // Issue 17: a target that stays short gets its profile. The same 32 readers once more under perf, and
        // PostgreSQL's time by statement over that window. The readers run in this process (as B5's clients do),
        // so their HTTP client and JSON reading are in the samples, under their own components.
        if (CpuBreakdown.Unavailable() is { } why)
            report.Note($"T6 CPU by component: not measured ({why}).");
        else
        {
            await CpuBreakdown.ResetStatementsAsync(data);
            var before = cpu.Sample();
            var profile = await CpuBreakdown.StartAsync();
            var again = await api.InboxPagesAsync(department, 32, seconds);
            var samples = await profile.StopAsync();
            var used = cpu.Sample() - before;
            var pages = Math.Max(1, again.Operations);
            report.Note($"T6 CPU by component (perf cpu-clock samples with stacks; 32 readers in the server's process, {again.Operations:N0} pages at {again.PerSecond:0}/s, p99 {Ms(again.P99)}): " +
                $"server process {used.ServerMs / pages:0.00} ms + PostgreSQL {used.PostgresMs / pages:0.00} ms per page ({samples.Total:N0} samples): {samples.Describe(used.ServerMs, pages)}. " +
                $"PostgreSQL time by statement, per page: {await StatementsAsync(pages, "page")}.");
        }
    }
    if (side is not null && api.PublishedFrom is { } publishedFrom)
    {
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
        var logged = await Dataset.EventsAfterAsync(data, api.Store.Options.Events.DatabaseSchemaName, publishedFrom);
        await side.WaitForAsync(logged, TimeSpan.FromSeconds(60));
        var seen = await side.StopAsync();
        report.Note($"Operations side: {seen.Describe()}. Check: {logged:N0} events logged, {seen.DistinctSequences:N0} received by the integrator.");
    }
}
if (Runs("t9"))
{
    // At province scale on a database of its own; at national scale on the national data, where the filtered
    // subscribers follow their province's log and the unfiltered ones the national log (as Federation's t9 mode).
    await using var api = national is null
        ? await Api.StartAsync(await database.CreateDatabaseAsync("bench_subscriptions"))
        : await Api.StartOnMasterAsync(national.Master, rules);
    await api.WarmUpAsync();
    if (national is not null)
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
    // Submissions enter at 30 regions with a petition office of their own, in turn (one a second each at
    // 30/s); the filtered subscribers follow those 30 offices, 30 subscribers each, so each sees about one
    // event a second and the unfiltered ones see everything.
    try
    {
        await Subscriptions.ReportAsync(report, api, national is null
            ? Dataset.EntryRegions(CaseEngine.Workflow.Rules.RuleBook.Demo().Directory, "province").Take(30).ToList()
            : loadRegions, seconds, quick, "T9");
    }
    catch (Exception e)
    {
        // The last scenario and the one with minutes of timeouts (a client process, 1,000 sockets): its failure is
        // a row of the report, not the loss of the whole run's results.
        report.Add(new ResultRow("T9", "subscription delivery to 1,000 authenticated graphql-transport-ws clients", "not measured", "—", null,
            "p99 ≤ 250 ms, every client gets every event it selects", false, $"the scenario failed: {e.GetType().Name} {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"));
        Console.Error.WriteLine(e);
    }
}

if (scenario == "load")
    return 0;
var path = await report.WriteAsync(Path.Combine(AppContext.BaseDirectory, "../../../results"), server);
Console.WriteLine($"results: {Path.GetFullPath(path)}");
return 0;

static ResultRow WorkingSetRow(string during, WorkingSet ws, TimeSpan interval) =>
    new("WS", $"peak working set of the bench process {during}", $"{ws.PeakMiB:0} MiB", "—", null, "report", null,
        $"the engine runs in the bench process (PostgreSQL's memory is not counted); {ws.Describe(interval)}");

/// <summary>The national data (issue 19): a master database listing a database per province.</summary>
internal sealed record NationalData(string Master, IReadOnlyDictionary<string, string> Provinces);
