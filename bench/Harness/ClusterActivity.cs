using System.Globalization;
using System.Text;
using Npgsql;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// Where PostgreSQL's CPU goes over a window, for issue 19's question of why the same submissions cost
/// more over 31 databases: the cluster's processes sampled from /proc every 100 ms and grouped by kind
/// (client backends, autovacuum workers, the WAL writer, the checkpointer, …), what ended inside the
/// window (the postmaster's reaped children, less what was already seen of them), and from the
/// statistics views the sessions opened and the autovacuum and autoanalyze runs, summed over every
/// database. Linux and a local cluster only, as <see cref="CpuMeter"/>.
/// </summary>
public sealed class ClusterActivity : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly int _postmaster;
    private readonly Dictionary<int, (string Kind, long First, long Last)> _seen = [];
    private readonly HashSet<int> _atStart = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly long _reapedAtStart;
    private readonly (long Sessions, long Vacuums, long Analyzes, int Own) _statsAtStart;
    private readonly Task _sampler;

    private ClusterActivity(string connectionString, int postmaster, long reaped, (long, long, long, int) stats)
    {
        (_connectionString, _postmaster, _reapedAtStart, _statsAtStart) = (connectionString, postmaster, reaped, stats);
        Sweep(atStart: true);
        _sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                    Sweep(atStart: false);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Null when the cluster's processes cannot be read (not Linux, or a remote server).</summary>
    public static async Task<ClusterActivity?> StartAsync(string connectionString)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select pg_backend_pid()", conn);
        var backend = (int)(await cmd.ExecuteScalarAsync())!;
        if (Stat(backend) is not { } s)
            return null;
        // The statistics are read first, on a connection per database, and those backends' time is kept out of
        // the window: their ends are reaped before the postmaster's children's time is read.
        var statistics = await StatisticsAsync(connectionString);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        if (Stat(s.Parent) is not { } master)
            return null;
        return new ClusterActivity(connectionString, s.Parent, master.ChildTicks, statistics);
    }

    /// <summary>The window's figures per <paramref name="per"/> (e.g. per submission), one line.</summary>
    public async Task<string> StopAsync(double per, string unit)
    {
        await _stop.CancelAsync();
        await _sampler;
        Sweep(atStart: false);
        var byKind = new Dictionary<string, long>();
        var started = new Dictionary<string, int>();
        var reapedSeen = 0L;
        foreach (var (pid, (kind, first, last)) in _seen)
        {
            if (!_atStart.Contains(pid))
                started[kind] = started.GetValueOrDefault(kind) + 1;
            byKind[kind] = byKind.GetValueOrDefault(kind) + (last - first);
            // Reaped in the window: the postmaster's children's time holds its whole life, up to its last sighting here.
            if (Stat(pid) is null)
                reapedSeen += last;
        }
        var reaped = (Stat(_postmaster)?.ChildTicks ?? _reapedAtStart) - _reapedAtStart;
        // What processes that ended spent after their last sighting, or that lived and died between two sweeps.
        var unseen = Math.Max(0, reaped - reapedSeen);
        var (sessions, vacuums, analyzes, _) = await StatisticsAsync(_connectionString);
        var total = byKind.Values.Sum() + unseen;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"PostgreSQL {total * 10.0 / per:0.00} ms CPU/{unit} by process: ");
        foreach (var (kind, ticks) in byKind.Append(new("ended between samples", unseen)).Where(p => p.Value > 0).OrderByDescending(p => p.Value))
            text.Append(CultureInfo.InvariantCulture, $"{kind} {ticks * 10.0 / per:0.00} ms ({(double)ticks / Math.Max(1, total):P0}); ");
        text.Append(CultureInfo.InvariantCulture,
            $"sessions ended {(sessions - _statsAtStart.Sessions - _statsAtStart.Own) / per:0.000}/{unit}, autovacuum runs {(vacuums - _statsAtStart.Vacuums) / per:0.000}/{unit}, " +
            $"autoanalyze runs {(analyzes - _statsAtStart.Analyzes) / per:0.000}/{unit}; processes started and seen: ");
        text.Append(started.Count == 0 ? "none" : string.Join(", ", started.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        text.Append(CultureInfo.InvariantCulture,
            $"; client backends at the end: {_seen.Count(p => p.Value.Kind.StartsWith("client", StringComparison.Ordinal) && Stat(p.Key) is not null)}");
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }

    /// <summary>A process first seen after the window's start began inside it: all of its time counts.</summary>
    private void Sweep(bool atStart)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Stat(pid) is not { } s || s.Parent != _postmaster)
                continue;
            lock (_seen)
            {
                if (atStart)
                    _atStart.Add(pid);
                _seen[pid] = _seen.TryGetValue(pid, out var known) ? known with { Last = s.Ticks } : (Kind(pid), atStart ? s.Ticks : 0, s.Ticks);
            }
        }
    }

    /// <summary>The process title PostgreSQL sets: "postgres: autovacuum worker …", "postgres: user db 127.0.0.1(…) idle".</summary>
    private static string Kind(int pid)
    {
        string title;
        try
        {
            title = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "unknown";
        }
        foreach (var known in new[] { "autovacuum worker", "autovacuum launcher", "walwriter", "checkpointer", "background writer",
                     "logical replication launcher", "archiver", "stats collector", "walsender", "parallel worker" })
            if (title.Contains(known, StringComparison.Ordinal))
                return known;
        // A client backend's title: its user, database, client address and state.
        return "client backends";
    }

    /// <summary>
    /// Sessions are counted when they end: this reading's own (a connection per database, and the one it reads
    /// through) end after it has counted and fall into the next reading's difference, so it says how many they are.
    /// </summary>
    private static async Task<(long Sessions, long Vacuums, long Analyzes, int Own)> StatisticsAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        long sessions;
        await using (var cmd = new NpgsqlCommand("select coalesce(sum(sessions), 0)::bigint from pg_stat_database", conn))
            sessions = (long)(await cmd.ExecuteScalarAsync())!;
        // Autovacuum counts are per database: each one's tables, summed over every database that accepts connections.
        var databases = new List<string>();
        await using (var cmd = new NpgsqlCommand("select datname from pg_database where datallowconn and not datistemplate", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                databases.Add(reader.GetString(0));
        long vacuums = 0, analyzes = 0;
        foreach (var database in databases)
        {
            await using var each = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = false }.ConnectionString);
            await each.OpenAsync();
            await using var cmd = new NpgsqlCommand("select coalesce(sum(autovacuum_count), 0)::bigint, coalesce(sum(autoanalyze_count), 0)::bigint from pg_stat_all_tables", each);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            vacuums += reader.GetInt64(0);
            analyzes += reader.GetInt64(1);
        }
        return (sessions, vacuums, analyzes, databases.Count + 1);
    }

    private static (int Parent, long Ticks, long ChildTicks)? Stat(int pid) => CpuMeter.Stat(pid);
}
