// Profiling driver for bench/tuning.md: dotnet run -c Release --project tools/ApiProfile -- <base|rt|load|cmp> [seconds] [rounds]
// base: B1(8), B1(32), B4, B5; rt: SQL round trips per operation; load: T1 then T6 for a profiler to attach (prints PID);
// cmp: T1(32), T2(16) rounds, then T6(32) rounds, with CPU per operation of the host and of its PostgreSQL cluster.

using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Bench.Scenarios;
using Marten;
using Marten.Events;

var mode = args[0];
double Arg(int i, double d) => args.Length > i ? double.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : d;
static string F(Measured m) => $"{m.PerSecond,7:0}/s p50 {m.P50,6:0.0} p99 {m.P99,6:0.0} n={m.Operations}";
static long Ticks(int pid, bool children)
{
    try
    {
        var f = File.ReadAllText($"/proc/{pid}/stat"); f = f[(f.LastIndexOf(')') + 2)..]; var x = f.Split(' ');
        return long.Parse(x[11]) + long.Parse(x[12]) + (children ? long.Parse(x[13]) + long.Parse(x[14]) : 0);
    }
    catch (Exception) { return 0; }
}
static (double App, double Pg) Cpu()
{
    var app = Ticks(Environment.ProcessId, false);
    var dir = Path.Combine(CaseEngine.Workflow.Hosting.EmbeddedPostgres.DefaultRootDirectory, $"bench-{Environment.ProcessId}", "data", "postmaster.pid");
    var pm = int.Parse(File.ReadLines(dir).First());
    long pg = Ticks(pm, true);
    foreach (var d in Directory.GetDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(d), out var pid)) continue;
        try { var st = File.ReadAllText($"{d}/stat"); var rest = st[(st.LastIndexOf(')') + 2)..].Split(' '); if (int.Parse(rest[1]) == pm) pg += Ticks(pid, false); } catch (Exception) { }
    }
    return (app * 10.0, pg * 10.0);
}
async Task<string> M(Func<Task<Measured>> run)
{
    var (a0, p0) = Cpu(); var m = await run(); var (a1, p1) = Cpu();
    return $"{F(m)}  cpu/op app {(a1 - a0) / m.Operations,5:0.00} ms pg {(p1 - p0) / m.Operations,5:0.00} ms";
}

await using var database = await BenchDatabase.StartAsync(keptDirectory: null);
if (mode == "base")
{
    var raw = new RawPostgres(await database.CreateDatabaseAsync("bench_raw"));
    await raw.PrepareAsync();
    var s = TimeSpan.FromSeconds(Arg(1, 5));
    for (var r = 0; r < (int)Arg(2, 1); r++)
    {
        Console.WriteLine($"B1(8)  {F(await raw.InsertWithVersionCheckAsync(8, s))}");
        Console.WriteLine($"B1(32) {F(await raw.InsertWithVersionCheckAsync(32, s))}");
        Console.WriteLine($"B4     {F(await raw.KeysetPageAsync(100_000, 100, 32, s))}");
        Console.WriteLine($"B5     {F(await MinimalEndpoint.MeasureAsync(32, s))}");
    }
    return;
}
await using var api = await Api.StartAsync(await database.CreateDatabaseAsync("bench_api"));
await api.SubmissionsAsync(4, TimeSpan.FromSeconds(3));
Console.WriteLine($"PID {Environment.ProcessId}");
async Task Fill(int target)
{
    await using var q = api.Store.QuerySession();
    var have = await q.Query<CaseEngine.Domain.Petitions.Petition>().CountAsync();
    if (have < target)
        await api.SubmissionsAsync(32, TimeSpan.FromHours(1), maxOperationsPerClient: (target - have + 31) / 32);
    await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
}
if (mode == "rt")
{
    await Fill(3000);
    var seen = new ConcurrentBag<string>();
    var capture = false;
    using var listener = new ActivityListener
    {
        ShouldListenTo = s => s.Name == "Npgsql",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        ActivityStopped = a => { if (capture) seen.Add((a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement") ?? a.DisplayName)?.ToString() ?? "?"); },
    };
    ActivitySource.AddActivityListener(listener);
    foreach (var what in new[] { "submit", "inbox" })
    {
        seen.Clear(); capture = true;
        const int n = 20;
        if (what == "submit") await api.SubmissionsAsync(1, TimeSpan.FromHours(1), maxOperationsPerClient: n);
        else await api.InboxPagesAsync(Api.EntryRegion + "-PO", 1, TimeSpan.FromHours(1), maxOperationsPerClient: n);
        capture = false;
        Console.WriteLine($"== {what}: {seen.Count} npgsql commands for {n} ops ({seen.Count / (double)n:0.0}/op)");
        foreach (var g in seen.GroupBy(t => t.Length > 160 ? t[..160] : t).OrderByDescending(g => g.Count()))
            Console.WriteLine($"{g.Count(),5}  {g.Key.ReplaceLineEndings(" ")}");
    }
    return;
}
if (mode == "load")
{
    var t1 = TimeSpan.FromSeconds(Arg(1, 40)); var t6 = TimeSpan.FromSeconds(Arg(2, 40));
    Console.WriteLine("T1 start"); Console.WriteLine($"T1(32) {F(await api.SubmissionsAsync(32, t1))}");
    await Fill(5000);
    Console.WriteLine("T6 start"); Console.WriteLine($"T6(32) {F(await api.InboxPagesAsync(Api.EntryRegion + "-PO", 32, t6))}");
    return;
}
if (mode == "cmp")
{
    var s = TimeSpan.FromSeconds(Arg(1, 5));
    // All-in: the CPU of the T1/T2 rounds and of the read side catching up after them (a change that
    // moves work from the request to the daemon must not look cheaper only because the window closed).
    var (allApp0, allPg0) = Cpu();
    var mutations = 0;
    for (var r = 0; r < (int)Arg(2, 1); r++)
    {
        Console.WriteLine($"T1(32) {await M(async () => { var m = await api.SubmissionsAsync(32, s); mutations += m.Operations; return m; })}");
        Console.WriteLine($"T2(16) {await M(async () => { var m = await api.SubmissionsAsync(16, s); mutations += m.Operations; return m; })}");
    }
    var settle = Stopwatch.StartNew();
    await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(10));
    var (allApp1, allPg1) = Cpu();
    Console.WriteLine($"T1+T2 all-in {mutations} mutations, read side settled {settle.Elapsed.TotalSeconds:0.0} s after: cpu/op app {(allApp1 - allApp0) / mutations,5:0.00} ms pg {(allPg1 - allPg0) / mutations,5:0.00} ms");
    await Fill(2000);
    for (var r = 0; r < (int)Arg(2, 1); r++)
        Console.WriteLine($"T6(32) {await M(() => api.InboxPagesAsync(Api.EntryRegion + "-PO", 32, s))}");
}
