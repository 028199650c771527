using System.Diagnostics;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Rules;
using Marten.Events;
using Npgsql;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// The province (Anhui, 34) or national directory from <c>../shared/data/divisions</c> and a log
/// filled by the seeded workload through the real append path in command batches, over months of
/// fake time that end today. The database is kept (with a marker row) and reused by later runs
/// on the same kept cluster.
/// </summary>
public static class Dataset
{
    private const string MarkerTable = "bench_dataset";
    private const int Seed = 2026;

    public static RuleBook Rules(string scale) =>
        new(DivisionsImporter.Import(DivisionsFolder(), provinceCode: scale == "province" ? "34" : null),
            new StatutoryClock(ClockPolicy.Default, BusinessCalendar.China));

    /// <summary>../shared/data/divisions beside the project, found from the working folder or the binary.</summary>
    public static string DivisionsFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", "divisions");
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        throw new DirectoryNotFoundException("../shared/data/divisions not found beside the project");
    }

    /// <summary>Where petitions arrive: every region of the scale that has a petition office.</summary>
    public static IReadOnlyList<string> EntryRegions(DepartmentDirectory directory, string scale)
    {
        var root = scale == "province" ? "340000" : null;
        return [.. directory.Regions.Where(r => r.Level != Level.National && (root is null || directory.IsInSubtree(r.Code, root))
            && directory.PetitionOfficeOf(r.Code)?.RegionCode == r.Code).Select(r => r.Code).Order(StringComparer.Ordinal)];
    }

    /// <summary>Where T3's probes enter (庐阳区, Hefei, in Anhui at both scales); nothing else submits there while they run.</summary>
    public const string ProbeRegion = "340103";

    /// <summary>The counties (with a petition office of their own) where submissions enter, T3's probe region left out.</summary>
    public static IEnumerable<string> Counties(DepartmentDirectory directory, string scale) =>
        EntryRegions(directory, scale).Where(code => code != ProbeRegion && directory.FindRegion(code)?.Level == Level.County);

    /// <summary>One county of each province, in code order: where a load at national scale enters, in turn.</summary>
    public static IReadOnlyList<string> OneCountyPerProvince(DepartmentDirectory directory) =>
        [.. Counties(directory, "national").GroupBy(r => r[..2]).Select(g => g.First())];

    /// <summary>The loaded database's connection string and what was loaded (reused when a run already loaded it).</summary>
    public static async Task<(string ConnectionString, string Summary, bool Reused)> EnsureAsync(BenchDatabase database, string scale,
        int petitions, RuleBook rules, int batchSize)
    {
        var name = $"bench_{scale}_{petitions}";
        var connection = await database.OpenDatabaseAsync(name);
        if (await MarkerAsync(connection) is { } summary)
        {
            await SettleAsync([connection, await BenchDatabase.MasterForAsync(connection)]);
            return (connection, summary, true);
        }

        connection = await database.CreateDatabaseAsync(name);
        var master = await BenchDatabase.MasterForAsync(connection);
        summary = $"{scale} data: " + await LoadAsync(master, rules, EntryRegions(rules.Directory, scale), petitions, batchSize);
        await SettleAsync([connection, master]);
        await MarkAsync(connection, summary);
        return (connection, summary, false);
    }

    /// <summary>The pool of each province database in the 31-database data (the server's max_connections is 600).</summary>
    public const int ProvincePool = 15;

    /// <summary>
    /// The national data spread over one database per province (issue 19): <c>bench_provinces_&lt;n&gt;_master</c>
    /// listing <c>bench_provinces_&lt;n&gt;_&lt;code&gt;</c> for every province of the directory, filled by the same
    /// seeded workload through the same append path with every entry region of the nation (the engine routes
    /// each command to its province's database). Reused when a run already loaded it (the marker is in the master database).
    /// </summary>
    public static async Task<(string Master, IReadOnlyDictionary<string, string> Provinces, string Summary, bool Reused)> EnsureProvincesAsync(
        BenchDatabase database, int petitions, RuleBook rules, int batchSize)
    {
        var name = $"bench_provinces_{petitions}";
        var codes = rules.Directory.Regions.Where(r => r.Level == Level.Province).Select(r => r.Code).Order(StringComparer.Ordinal).ToList();
        var master = await database.OpenDatabaseAsync($"{name}_master");
        var provinces = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var code in codes)
            provinces[code] = await database.OpenDatabaseAsync($"{name}_{code}");
        // A node holds a pool per province database: 31 pools of Npgsql's default 100 would let one node
        // open 3,100 connections. Each is registered with a pool of ProvincePool (docs/operations.md, "Connections").
        string Pooled(string code) => new NpgsqlConnectionStringBuilder(provinces[code]) { MaxPoolSize = ProvincePool }.ConnectionString;
        if (await MarkerAsync(master) is { } summary)
        {
            // The kept cluster listens on another port each run: the master table is pointed at it again.
            foreach (var code in codes)
                await CaseEngine.Workflow.Tenancy.ProvinceDatabases.RecordAsync(master, code, Pooled(code));
            await SettleAsync([.. provinces.Values, master]);
            return (master, provinces, summary, true);
        }

        master = await database.CreateDatabaseAsync($"{name}_master");
        foreach (var code in codes)
        {
            provinces[code] = await database.CreateDatabaseAsync($"{name}_{code}");
            await CaseEngine.Workflow.Tenancy.ProvinceDatabases.RecordAsync(master, code, Pooled(code));
        }
        summary = $"national data over {codes.Count} province databases: " + await LoadAsync(master, rules, EntryRegions(rules.Directory, "national"), petitions, batchSize);
        await SettleAsync([.. provinces.Values, master]);
        await MarkAsync(master, summary);
        return (master, provinces, summary, false);
    }

    /// <summary>
    /// Freshly loaded tables have no planner statistics and no hint bits or visibility map yet, and a kept
    /// database holds what earlier runs' probes left for autovacuum: a run measured on either pays for
    /// that work at random moments (the first run on a new load measured 142–171 submissions/s on one
    /// database where runs on settled data measured 456–505). Every database is vacuumed and analysed
    /// before anything is measured on it, after a load and on reuse.
    /// </summary>
    private static async Task SettleAsync(IEnumerable<string> connectionStrings)
    {
        foreach (var connectionString in connectionStrings)
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("vacuum (analyze)", conn) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Runs the seeded workload through an engine on <paramref name="master"/> (whose province databases are
    /// listed), brings the clocks to today and waits for the read side; what was loaded, in words.
    /// </summary>
    private static async Task<string> LoadAsync(string master, RuleBook rules, IReadOnlyList<string> regions, int petitions, int batchSize)
    {
        // About 150 steps of 8–31 hours: start ~130 days back so the log ends near today.
        var clock = new FakeClock(DateTimeOffset.UtcNow.Date.AddDays(-130));
        var watch = Stopwatch.StartNew();
        WorkloadReport report;
        await using (var engine = await Engine.StartAsync(master, clock, o =>
        {
            o.RuleBook = rules;
            // Registered (so it resumes at the end of the log later) but switched off while loading.
            o.DuplicateDetection = true;
        }, host => host.Configuration[DuplicateDetectionSubscription.EnabledSetting] = "false"))
        {
            report = await new Workload(engine, petitions, Seed, ticks: 150, parallelism: 2, entryRegions: regions, batchSize: batchSize).RunAsync();
            // Bring the clocks to today: what fell due since the last step fires now, not when the API host starts.
            clock.SetUtcNow(DateTimeOffset.UtcNow);
            await engine.SweepAsync();
            // Each database's read side; Marten's wait refuses a database with no event at all (a small run
            // over 31 provinces may leave one without a petition).
            foreach (var database in (await engine.Store.Storage.AllDatabases()).OfType<Marten.Storage.IMartenDatabase>())
            {
                if ((await database.FetchEventStoreStatistics()).EventCount > 0)
                    await database.WaitForNonStaleProjectionDataAsync(TimeSpan.FromHours(3));
            }
        }
        return
            $"{rules.Directory.Regions.Count:N0} regions ({regions.Count:N0} entry regions), {report.Petitions:N0} petitions, " +
            $"{report.Commands:N0} commands ({report.Refused:N0} refused by the rules), {report.Sweeps:N0} timer firings, {report.Events:N0} events, " +
            $"fake time {report.Start:yyyy-MM-dd} to {report.End:yyyy-MM-dd}; loaded in command batches of {batchSize} in {report.Elapsed.TotalMinutes:0.0} min " +
            $"({report.Commands / report.Elapsed.TotalSeconds:0} commands/s, {report.Events / report.Elapsed.TotalSeconds:0} events/s), " +
            $"read side caught up {watch.Elapsed.TotalMinutes - report.Elapsed.TotalMinutes:0.0} min later. Commands: " +
            string.Join(", ", report.ByCommand.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:N0}")) + ".";
    }

    /// <summary>Events of petitions appended after <paramref name="mark"/> (Marten's tombstones of failed appends are not events and are not published).</summary>
    public static async Task<long> EventsAfterAsync(string connectionString, string schema, long mark)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select count(*) from {schema}.mt_events where seq_id > @mark and type <> 'tombstone'", conn);
        cmd.Parameters.AddWithValue("mark", mark);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The highest event sequence in the log now.</summary>
    public static async Task<long> MaxSequenceAsync(string connectionString, string schema)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {schema}.mt_events", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Petitions submitted after <paramref name="after"/>, and how many of those duplicate detection flagged
    /// (flags that arrive late on petitions submitted before, e.g. by a warm-up, are not counted).
    /// </summary>
    public static async Task<(long Petitions, long Flagged)> FlagRateAsync(string connectionString, string schema, long after)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"""
            with submitted as (select stream_id from {schema}.mt_events where seq_id > @after and type = 'petition_submitted')
            select (select count(*) from submitted),
                   (select count(distinct e.stream_id) from {schema}.mt_events e join submitted s on s.stream_id = e.stream_id
                    where e.seq_id > @after and e.type = 'duplicate_suspected')
            """, conn);
        cmd.Parameters.AddWithValue("after", after);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<string?> MarkerAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select summary from public.{MarkerTable} limit 1", conn);
        try
        {
            return (string?)await cmd.ExecuteScalarAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    private static async Task MarkAsync(string connectionString, string summary)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"create table public.{MarkerTable} (summary text not null, loaded_at timestamptz not null default now()); " +
            $"insert into public.{MarkerTable} (summary) values (@s)", conn);
        cmd.Parameters.AddWithValue("s", summary);
        await cmd.ExecuteNonQueryAsync();
    }
}
