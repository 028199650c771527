using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// CPU of this process (the server under test) broken down by component, from Linux <c>perf</c>
/// sampling CPU time (<c>-e cpu-clock</c>, so a thread parked in a wait is never counted, unlike
/// dotnet-trace's thread-time sampler) with call stacks. JIT-compiled frames are named through the
/// runtime's perf map, which only exists when the process was started with
/// <c>DOTNET_PerfMapEnabled=1</c>, and perf can only match it to code outside the runtime's W^X double
/// mapping (<c>DOTNET_EnableWriteXorExecute=0</c>); otherwise the breakdown is not measured and the bench says so.
/// perf is an external tool by design: the samples must include kernel and runtime (GC, JIT) time,
/// which an in-process EventPipe session does not see.
/// </summary>
public sealed partial class CpuBreakdown
{
    private const int Frequency = 997;   // Hz; prime, so sampling does not beat with timers
    private readonly Process _perf;
    private readonly string _file;

    private CpuBreakdown(Process perf, string file) => (_perf, _file) = (perf, file);

    /// <summary>Why the breakdown cannot be measured here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
            return "perf sampling needs Linux";
        if (Environment.GetEnvironmentVariable("DOTNET_PerfMapEnabled") is not ("1" or "2" or "3")
            || Environment.GetEnvironmentVariable("DOTNET_EnableWriteXorExecute") != "0")
            return "start the bench with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 so JIT-compiled frames have names";
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("perf", "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            probe!.WaitForExit();
            return probe.ExitCode == 0 ? null : "perf is not usable here";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "perf is not installed (apt-get install linux-perf)";
        }
    }

    /// <summary>Starts sampling this process until <see cref="StopAsync"/>.</summary>
    public static async Task<CpuBreakdown> StartAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"caseengine-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.perf");
        var perf = Process.Start(new ProcessStartInfo("perf",
            $"record -q -e cpu-clock -F {Frequency} -g -p {Environment.ProcessId} -o {file}")
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        // perf needs a moment to attach to every thread; samples before that are lost, not wrong.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return new CpuBreakdown(perf, file);
    }

    /// <summary>Stops sampling and returns the samples per component (each sample ≈ 1 / 997 s of CPU).</summary>
    public async Task<Samples> StopAsync()
    {
        // SIGINT makes perf record write its file and exit; Process.Kill would send SIGKILL.
        using (var kill = Process.Start("kill", $"-INT {_perf.Id}"))
            await kill.WaitForExitAsync();
        await _perf.WaitForExitAsync();
        _perf.Dispose();
        try
        {
            return await ReadAsync(_file, Environment.ProcessId);
        }
        finally
        {
            // CASEENGINE_BENCH_PERF_KEEP=<folder> keeps the raw samples (`perf report -i`, or `bench -- classify <file>`).
            if (Environment.GetEnvironmentVariable("CASEENGINE_BENCH_PERF_KEEP") is { Length: > 0 } keep)
                File.Move(_file, Path.Combine(keep, Path.GetFileName(_file)), overwrite: true);
            else
                File.Delete(_file);
        }
    }

    /// <summary>A kept sample file classified again (its frames are named by /tmp/perf-&lt;pid&gt;.map, which outlives the process).</summary>
    public static Task<Samples> ClassifyKeptAsync(string file) =>
        // caseengine-bench-<pid>-<guid>.perf
        ReadAsync(file, int.Parse(Path.GetFileName(file).Split('-')[2], CultureInfo.InvariantCulture));

    private static async Task<Samples> ReadAsync(string file, int processId)
    {
        using var script = Process.Start(new ProcessStartInfo("perf", $"script -i {file} -F pid,ip,sym,dso")
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var drain = script.StandardError.ReadToEndAsync();
        var samples = new Samples();
        var stack = new List<(string Symbol, string Dso)>();
        // perf follows the processes the server starts (the load clients' own process): only the server's samples count.
        var ours = false;
        while (await script.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (ours && stack.Count > 0)
                    samples.Add(Classify(stack));
                stack.Clear();
            }
            else if (char.IsWhiteSpace(line[0]))
                stack.Add(Frame(line));
            else
                ours = int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid == processId;
        }
        if (ours && stack.Count > 0)
            samples.Add(Classify(stack));
        await script.WaitForExitAsync();
        await drain;
        return samples;
    }

    /// <summary>
    /// "    7f1c2a3b4c5d void [Npgsql] Npgsql.Internal.NpgsqlConnector::Flush(…)[OptimizedTier1] (/tmp/perf-123.map)"
    /// → ("Npgsql.Internal.NpgsqlConnector::Flush(…)[OptimizedTier1]", "/tmp/perf-123.map"): the perf map writes the
    /// return type and the assembly in brackets before the method's full name.
    /// </summary>
    private static (string Symbol, string Dso) Frame(string line)
    {
        var text = line.Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var open = text.LastIndexOf(" (", StringComparison.Ordinal);
        var symbol = space < 0 ? "" : open > space ? text[(space + 1)..open] : text[(space + 1)..];
        var dso = open < 0 ? "" : text[(open + 2)..].TrimEnd(')');
        var name = ManagedName().Match(symbol);
        return (name.Success ? name.Groups["name"].Value : symbol, dso);
    }

    /// <summary>
    /// A projection's (or duplicate detection's) frame anywhere on the stack names it, with the Marten and
    /// Npgsql calls it makes; otherwise the innermost frame that belongs to a component names it: time in
    /// System.Text.Json under a Marten serializer is Marten's, time in the kernel's socket send under Npgsql
    /// is Npgsql's. What the daemon does for every projection at once (loading and deserialising a page of
    /// events, progress) has no projection on its stack and stays the daemon's or Marten's. A projection is
    /// named by its folder (namespace) under CaseEngine.Projections.
    /// </summary>
    public static string Classify(IReadOnlyList<(string Symbol, string Dso)> leafFirst)
    {
        foreach (var (symbol, _) in leafFirst)
        {
            if (symbol.StartsWith("CaseEngine.Projections.", StringComparison.Ordinal))
            {
                var rest = symbol["CaseEngine.Projections.".Length..];
                var area = rest[..Math.Max(0, rest.IndexOfAny(['.', ':', '+', '`', '[']))];
                return area is "Duplicates" or "ChineseText" ? "duplicate detection" : $"projection: {(area.Length == 0 ? rest : area)}";
            }
            if (symbol.StartsWith("JiebaNet.", StringComparison.Ordinal) || symbol.Contains("DuplicateDetect", StringComparison.Ordinal))
                return "duplicate detection";
        }
        foreach (var (symbol, dso) in leafFirst)
        {
            foreach (var (prefixes, component) in Components)
            {
                if (prefixes.Any(p => symbol.StartsWith(p, StringComparison.Ordinal)))
                    return component;
            }
            if (dso.Contains("libclrjit", StringComparison.Ordinal))
                return "runtime: JIT";
            // libcoreclr (GC on an allocating thread, type loading, stubs) has no symbols here: its time goes
            // to the component further up the stack that called it, or to "other" when there is none.
        }
        var leaf = leafFirst.Count > 0 ? leafFirst[0].Dso : "";
        return leaf.Contains("kernel", StringComparison.Ordinal) ? "other: kernel, no component on the stack"
            : "other: runtime, thread pool, BCL with no component on the stack";
    }

    /// <summary>Starts counting PostgreSQL's statements in <paramref name="connectionString"/>'s database afresh (pg_stat_statements, loaded by the bench's cluster when perf is usable).</summary>
    public static async Task ResetStatementsAsync(string connectionString)
    {
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("create extension if not exists pg_stat_statements; select pg_stat_statements_reset()", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The statements that took the most time in the database since <see cref="ResetStatementsAsync"/>, per operation:
    /// time inside the backend (wall time: a COMMIT's includes its WAL flush), calls and the statement's start.
    /// </summary>
    public static async Task<string> TopStatementsAsync(string connectionString, int operations, int top = 12)
    {
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            """
            select calls, total_exec_time + total_plan_time, left(regexp_replace(query, '\s+', ' ', 'g'), 110),
                   sum(total_exec_time + total_plan_time) over ()
            from pg_stat_statements
            where dbid = (select oid from pg_database where datname = current_database())
            order by total_exec_time + total_plan_time desc limit @top
            """, conn);
        cmd.Parameters.AddWithValue("top", top);
        var text = new StringBuilder();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (text.Length == 0)
                text.Append(CultureInfo.InvariantCulture, $"all statements {reader.GetDouble(3) / Math.Max(1, operations):0.00} ms per operation; top: ");
            text.Append(CultureInfo.InvariantCulture,
                $"{reader.GetDouble(1) / Math.Max(1, operations):0.000} ms, {(double)reader.GetInt64(0) / Math.Max(1, operations):0.00} calls `{reader.GetString(2).Replace('`', '\'')}`; ");
        }
        return text.Length == 0 ? "no statements counted" : text.ToString().TrimEnd(' ', ';');
    }

    /// <summary>
    /// Every database's statements since <see cref="ResetStatementsAsync"/> (which resets the whole cluster's),
    /// summed by statement text over the databases: calls and backend time per <paramref name="unit"/>
    /// (<paramref name="per"/> of them: seconds of an idle window, or the operations of a run), the top ones by
    /// calls (what polls) or by time (what costs).
    /// </summary>
    public static async Task<string> ClusterStatementsAsync(string connectionString, double per, string unit, bool byTime = false, int top = 15)
    {
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            $"""
            select sum(calls)::bigint, sum(total_exec_time + total_plan_time), count(distinct dbid)::int,
                   left(regexp_replace(query, '\s+', ' ', 'g'), 110),
                   sum(sum(calls)) over ()::bigint, sum(sum(total_exec_time + total_plan_time)) over ()
            from pg_stat_statements
            group by query
            order by {(byTime ? "sum(total_exec_time + total_plan_time)" : "sum(calls)")} desc limit @top
            """, conn);
        cmd.Parameters.AddWithValue("top", top);
        var text = new StringBuilder();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (text.Length == 0)
                text.Append(CultureInfo.InvariantCulture,
                    $"{reader.GetInt64(4) / per:0.00} calls/{unit}, {reader.GetDouble(5) / per:0.000} ms/{unit} in backends; by {(byTime ? "time" : "calls")}: ");
            text.Append(CultureInfo.InvariantCulture,
                $"{reader.GetInt64(0) / per:0.00}/{unit} {reader.GetDouble(1) / per:0.000} ms/{unit} in {reader.GetInt32(2)} db `{reader.GetString(3).Replace('`', '\'')}`; ");
        }
        return text.Length == 0 ? "no statements counted" : text.ToString().TrimEnd(' ', ';');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^.*?\[[^\]\s]+\] (?<name>.*)$")]
    private static partial System.Text.RegularExpressions.Regex ManagedName();

    /// <summary>Components by the namespaces of their frames, tried in this order (the daemon before the rest of Marten).</summary>
    private static readonly (string[] Prefixes, string Component)[] Components =
    [
        (["Npgsql."], "database client (Npgsql)"),
        (["Marten.Events.Daemon.", "JasperFx.Events.Daemon.", "JasperFx.Events.Projections."], "projection daemon (Marten/JasperFx)"),
        (["Marten.", "JasperFx.", "Weasel."], "Marten (sessions, SQL, serialization)"),
        (["Wolverine."], "pipeline (Wolverine)"),
        (["CaseEngine.Domain."], "domain rules"),
        (["CaseEngine.Workflow."], "pipeline (workflow: commands, case numbers, timers)"),
        (["GraphQL"], "GraphQL (parse, validate, execute, serialize)"),
        (["CaseEngine.GraphApi."], "API (resolvers, access, rate limits)"),
        (["Microsoft.AspNetCore.", "System.Net.Http", "Microsoft.IdentityModel.", "System.IdentityModel."], "HTTP (Kestrel, ASP.NET Core, authentication)"),
        (["OpenTelemetry", "Microsoft.Extensions.Logging", "Serilog"], "logging and telemetry"),
    ];

    /// <summary>Sample counts per component.</summary>
    public sealed class Samples
    {
        private readonly Dictionary<string, long> _byComponent = new(StringComparer.Ordinal);

        public long Total { get; private set; }

        public void Add(string component)
        {
            _byComponent[component] = _byComponent.GetValueOrDefault(component) + 1;
            Total++;
        }

        public IReadOnlyDictionary<string, long> ByComponent => _byComponent;

        /// <summary>Each component's share of <paramref name="cpuMs"/> (measured from /proc over the same window) per operation.</summary>
        public string Describe(double cpuMs, int operations)
        {
            if (Total == 0 || operations == 0)
                return "no samples";
            var text = new StringBuilder();
            foreach (var (component, count) in _byComponent.OrderByDescending(p => p.Value))
            {
                var share = (double)count / Total;
                text.Append(CultureInfo.InvariantCulture, $"{component} {share * cpuMs / operations:0.000} ms ({share:P1}); ");
            }
            return text.ToString().TrimEnd(' ', ';');
        }
    }
}
