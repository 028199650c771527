using Npgsql;

namespace CaseEngine.Bench.Harness;

/// <summary>CPU used over a phase, in milliseconds: this process (the server under test) and the PostgreSQL cluster.</summary>
public readonly record struct CpuSample(double ServerMs, double PostgresMs)
{
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.ServerMs - b.ServerMs, a.PostgresMs - b.PostgresMs);

    /// <summary>"server x ms, PostgreSQL y ms" per operation.</summary>
    public string PerOperation(int operations) => operations == 0 ? "—"
        : $"server {ServerMs / operations:0.00} ms + PostgreSQL {PostgresMs / operations:0.00} ms CPU per operation";
}

/// <summary>
/// Reads /proc (Linux): this process's user + system time, and the postmaster's with every backend's
/// (the live ones and, through the postmaster's children's times, those that ended). As in
/// tools/ApiProfile and bench/tuning.md, CPU per operation is what a shared machine disturbs least.
/// </summary>
public sealed class CpuMeter
{
    private readonly int? _postmaster;

    private CpuMeter(int? postmaster) => _postmaster = postmaster;

    /// <summary>Finds the postmaster as the parent of a backend of <paramref name="connectionString"/> (none when the server is remote).</summary>
    public static async Task<CpuMeter> StartAsync(string connectionString)
    {
        if (!OperatingSystem.IsLinux())
            return new CpuMeter(null);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select pg_backend_pid()", conn);
        var backend = (int)(await cmd.ExecuteScalarAsync())!;
        return new CpuMeter(Stat(backend) is { } s ? s.Parent : null);
    }

    public CpuSample Sample()
    {
        var server = Stat(Environment.ProcessId) is { } self ? self.Ticks : 0;
        double postgres = 0;
        if (_postmaster is { } pm && Stat(pm) is { } master)
        {
            postgres = master.Ticks + master.ChildTicks;
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } s && s.Parent == pm)
                    postgres += s.Ticks;
            }
        }
        // USER_HZ is 100 on Linux: a tick is 10 ms.
        return new CpuSample(server * 10.0, postgres * 10.0);
    }

    /// <summary>A process's parent, its own user + system ticks and its reaped children's (/proc/&lt;pid&gt;/stat); null once it is gone.</summary>
    internal static (int Parent, long Ticks, long ChildTicks)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(f[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(f[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[14], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
