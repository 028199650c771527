using CaseEngine.Workflow.Hosting;
using Npgsql;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// The bench's own PostgreSQL with durable settings (fsync and synchronous commit on, as in
/// production), or the server named by ConnectionStrings__Marten.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _embedded;

    private BenchDatabase(string server, EmbeddedPostgres? embedded)
    {
        ServerConnectionString = server;
        _embedded = embedded;
    }

    public string ServerConnectionString { get; }

    /// <summary>
    /// Server settings for a database of millions of events on this machine (the defaults are
    /// sized for a laptop): a larger buffer pool, checkpoints spaced for bulk loading, and connections
    /// for a server holding a database per province (issue 19: 31 pools and daemons).
    /// Durability settings stay at their defaults (on).
    /// </summary>
    public static readonly string[] ServerSettings = ["shared_buffers=2GB", "max_wal_size=8GB", "effective_cache_size=12GB", "max_connections=600"];

    /// <param name="keptDirectory">A cluster folder kept between runs (generated data is reused), or null for a throw-away one.</param>
    public static async Task<BenchDatabase> StartAsync(string? keptDirectory)
    {
        var configured = Environment.GetEnvironmentVariable("ConnectionStrings__Marten");
        if (!string.IsNullOrWhiteSpace(configured))
            return new BenchDatabase(configured, null);
        var embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            Name = "bench",
            FastUnsafe = false,
            KeptDirectory = keptDirectory,
            // When T1's CPU is broken down by component, PostgreSQL's time is broken down by statement too.
            // CASEENGINE_BENCH_PG_SETTINGS: more settings for one run, space-separated (e.g. max_parallel_workers_per_gather=0).
            Settings = [.. ServerSettings, .. CpuBreakdown.Unavailable() is null ? ["shared_preload_libraries=pg_stat_statements"] : Array.Empty<string>(),
                .. (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PG_SETTINGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)],
        });
        return new BenchDatabase(embedded.ConnectionString, embedded);
    }

    /// <summary>The database if it exists (kept data), else a new empty one.</summary>
    public async Task<string> OpenDatabaseAsync(string name)
    {
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from pg_database where datname = @n", conn);
        cmd.Parameters.AddWithValue("n", name);
        if ((long)(await cmd.ExecuteScalarAsync())! == 0)
            await PostgresDatabases.CreateAsync(ServerConnectionString, name);
        return PostgresDatabases.ForDatabase(ServerConnectionString, name) + ";Maximum Pool Size=100";
    }

    public async Task<string> CreateDatabaseAsync(string name)
    {
        // Its master goes with it: a master kept from an earlier run lists the dropped database and holds its national
        // log and relay mark, so the relay waited for the new database's log to pass the old one's end (T9 hung on it).
        await PostgresDatabases.DropAsync(ServerConnectionString, $"{name}_master");
        await PostgresDatabases.DropAsync(ServerConnectionString, name);
        await PostgresDatabases.CreateAsync(ServerConnectionString, name);
        return PostgresDatabases.ForDatabase(ServerConnectionString, name) + ";Maximum Pool Size=100";
    }

    /// <summary>
    /// The master database for a bench database, which becomes the demo province's (340000) database:
    /// <c>&lt;name&gt;_master</c> on the same server, made and listing it on first use (the engine is
    /// federated: a host is given the master database). Its connection string, with the same pool size.
    /// Data spread over several provinces (the national scale) needs a database per province: not built yet.
    /// </summary>
    public static async Task<string> MasterForAsync(string provinceConnectionString)
    {
        var province = new NpgsqlConnectionStringBuilder(provinceConnectionString);
        var name = $"{province.Database}_master";
        await using (var conn = new NpgsqlConnection(PostgresDatabases.ForDatabase(provinceConnectionString, "postgres")))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("select count(*) from pg_database where datname = @n", conn);
            cmd.Parameters.AddWithValue("n", name);
            if ((long)(await cmd.ExecuteScalarAsync())! == 0)
                await PostgresDatabases.CreateAsync(provinceConnectionString, name);
        }
        var master = new NpgsqlConnectionStringBuilder(provinceConnectionString) { Database = name }.ConnectionString;
        await CaseEngine.Workflow.Tenancy.ProvinceDatabases.RecordAsync(master, CaseEngine.Domain.Directory.DemoDirectory.ProvinceCode, provinceConnectionString);
        return master;
    }

    /// <summary>The server facts a result is meaningless without.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SettingsAsync()
    {
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        var facts = new Dictionary<string, string>();
        var extra = (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PG_SETTINGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('=')[0]).Where(n => System.Text.RegularExpressions.Regex.IsMatch(n, "^[a-z_.]+$"));
        foreach (var setting in new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "max_wal_size", "max_connections" }.Concat(extra))
        {
            await using var cmd = new NpgsqlCommand($"show {setting}", conn);
            facts[setting] = (string)(await cmd.ExecuteScalarAsync())!;
        }
        return facts;
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
            await _embedded.DisposeAsync();
    }
}
