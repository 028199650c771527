using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Bench.Scenarios;
using static CaseEngine.Bench.Harness.Report;

// dotnet run -c Release --project bench -- <scenario|all> --scale province|national [--quick]
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var scale = args.SkipWhile(a => a != "--scale").Skip(1).FirstOrDefault() ?? "province";
var quick = args.Contains("--quick");
if (scale is not ("province" or "national"))
{
    Console.Error.WriteLine("--scale is province or national");
    return 2;
}
bool Runs(string id) => scenario == "all" || string.Equals(scenario, id, StringComparison.OrdinalIgnoreCase);

var seconds = TimeSpan.FromSeconds(quick ? 2 : 15);
var report = new Report(scale, quick);
await using var database = await BenchDatabase.StartAsync();
var server = await database.SettingsAsync();
Console.WriteLine($"PostgreSQL {server["server_version"]}, fsync={server["fsync"]}, synchronous_commit={server["synchronous_commit"]}");

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
            $"B3 p50 {Ms(b3.P50)}", ratio, "≤ 3 × B3", ratio <= 3));
    }
}
foreach (var pending in new[] { "T1", "T2", "T3", "T5", "T6", "T9" })
{
    if (Runs(pending) || scenario == "all")
        report.Note($"{pending} not measured in this run: it drives the GraphQL API and the async read side, which this harness does not reach yet.");
}

var path = await report.WriteAsync(Path.Combine(AppContext.BaseDirectory, "../../../results"), server);
Console.WriteLine($"results: {Path.GetFullPath(path)}");
return 0;
