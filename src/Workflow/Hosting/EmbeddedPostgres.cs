using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// A private PostgreSQL cluster started from the machine's server binaries (initdb + pg_ctl),
/// stopped and deleted on dispose or at process exit. As root, the cluster runs as the
/// <c>postgres</c> user in a folder under <see cref="DefaultRootDirectory"/> named
/// <c>&lt;name&gt;-&lt;pid&gt;</c>, so a later start can find and remove what a killed process left.
/// </summary>
public sealed class EmbeddedPostgres : IDisposable, IAsyncDisposable
{
    public const string BinDirectoryVariable = "CASEENGINE_PG_BIN";
    public const string DefaultRootDirectory = "/tmp/caseengine-pg";
    private const string DebianRoot = "/usr/lib/postgresql";
    private const string ServiceUser = "postgres";

    private static int s_instances;

    private readonly bool _asRoot;
    private readonly EmbeddedPostgresOptions _options;
    private readonly Lock _serverGate = new();
    private int _stopped;

    private readonly bool _kept;

    private EmbeddedPostgres(string binDirectory, string clusterDirectory, bool asRoot, EmbeddedPostgresOptions options)
    {
        BinDirectory = binDirectory;
        ClusterDirectory = clusterDirectory;
        _asRoot = asRoot;
        _options = options;
        _kept = options.KeptDirectory is not null;
    }

    /// <summary>Folder of the binaries in use.</summary>
    public string BinDirectory { get; }

    /// <summary>The cluster's own folder: data/, the server log and the Unix socket.</summary>
    public string ClusterDirectory { get; }

    public string DataDirectory => Path.Combine(ClusterDirectory, "data");

    public string LogFile => Path.Combine(ClusterDirectory, "postgres.log");

    public int Port { get; private set; }

    /// <summary>Npgsql connection string to the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    public TimeSpan InitDbDuration { get; private set; }

    public TimeSpan StartDuration { get; private set; }

    public string ConnectionStringFor(string database) => PostgresDatabases.ForDatabase(ConnectionString, database);

    public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        PostgresDatabases.CreateAsync(ConnectionString, name, cancellationToken);

    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        PostgresDatabases.DropAsync(ConnectionString, name, cancellationToken);

    public static Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Start(options), cancellationToken);

    /// <summary>Creates and starts a new cluster (about a second). Throws <see cref="PostgresBinariesNotFoundException"/> without binaries.</summary>
    public static EmbeddedPostgres Start(EmbeddedPostgresOptions? options = null)
    {
        options ??= new EmbeddedPostgresOptions();
        var bin = FindBinDirectory(options.BinDirectory);
        var asRoot = Environment.UserName == "root";

        EnsureRootDirectory(options.RootDirectory);
        CleanUpAbandonedClusters(options.RootDirectory, bin);

        var instance = Interlocked.Increment(ref s_instances);
        var name = instance == 1 ? options.Name : $"{options.Name}_{instance}";
        var kept = options.KeptDirectory is not null;
        var folder = kept ? Path.GetFullPath(options.KeptDirectory!) : Path.Combine(options.RootDirectory, $"{name}-{Environment.ProcessId}");
        if (!kept && Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        if (asRoot)
            Run("chown", [ServiceUser, folder], options.RootDirectory, asUser: null);

        var server = new EmbeddedPostgres(bin, folder, asRoot, options);
        try
        {
            if (!kept || !File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")))
                server.InitDb();
            else
                server.StopLeftover();
            server.StartServer(options, fixedPort: null);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
        server.StartWatchdog();
        return server;
    }

    /// <summary>
    /// The folder holding initdb, pg_ctl and postgres: <paramref name="explicitDirectory"/>, else env
    /// <c>CASEENGINE_PG_BIN</c> (when either is given and lacks the binaries, that is an error, not a
    /// reason to look elsewhere), else <c>pg_ctl</c> on PATH, else Debian's highest
    /// <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>.
    /// </summary>
    public static string FindBinDirectory(string? explicitDirectory = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var configured = string.IsNullOrWhiteSpace(explicitDirectory) ? environment(BinDirectoryVariable) : explicitDirectory;
        if (!string.IsNullOrWhiteSpace(configured))
            return HasServerBinaries(configured) ? Path.GetFullPath(configured) : throw new PostgresBinariesNotFoundException();

        foreach (var directory in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(directory, "pg_ctl");
            if (!File.Exists(pgCtl))
                continue;
            // /usr/local/bin/pg_ctl is often a link into the real bin folder, where initdb sits too.
            var target = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            var targetDirectory = target is null ? null : Path.GetDirectoryName(target);
            if (targetDirectory is not null && HasServerBinaries(targetDirectory))
                return targetDirectory;
            if (HasServerBinaries(directory))
                return directory;
        }

        if (Directory.Exists(DebianRoot))
        {
            var newest = Directory.GetDirectories(DebianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: ParseVersion(Path.GetFileName(d))))
                .Where(v => v.Version is not null && HasServerBinaries(v.Dir))
                .OrderByDescending(v => v.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
                return newest.Dir;
        }

        throw new PostgresBinariesNotFoundException();
    }

    /// <summary>
    /// Removes cluster folders whose owning process (the pid after the last '-' in the folder name)
    /// is gone, stopping any postmaster still running there. Returns how many folders were removed.
    /// </summary>
    public static int CleanUpAbandonedClusters(string rootDirectory = DefaultRootDirectory, string? binDirectory = null)
    {
        if (!Directory.Exists(rootDirectory))
            return 0;
        var asRoot = Environment.UserName == "root";
        var removed = 0;
        foreach (var folder in Directory.GetDirectories(rootDirectory))
        {
            var name = Path.GetFileName(folder);
            var dash = name.LastIndexOf('-');
            if (dash < 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var owner))
                continue;
            if (owner == Environment.ProcessId || IsAlive(owner))
                continue;
            try
            {
                StopAbandonedPostmaster(folder, binDirectory, asRoot);
                Directory.Delete(folder, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Another process may be cleaning the same folder right now; the next start retries.
            }
        }
        return removed;
    }

    /// <summary>True while the postmaster runs: after start, and between <see cref="StartServer()"/> and <see cref="StopServer"/>.</summary>
    public bool IsRunning => _stopped == 0 && File.Exists(Path.Combine(DataDirectory, "postmaster.pid"));

    /// <summary>
    /// Stops the server but keeps the cluster, so <see cref="StartServer()"/> brings it back with its data:
    /// a database outage, for tests of recovery. <paramref name="immediate"/> stops without a shutdown
    /// checkpoint, like a crash (the next start runs crash recovery); otherwise a fast shutdown, like a
    /// restart for maintenance. Every client connection is cut either way.
    /// </summary>
    public void StopServer(bool immediate = false)
    {
        lock (_serverGate)
        {
            ObjectDisposedException.ThrowIf(_stopped == 1, this);
            Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30", "stop"],
                ClusterDirectory, _asRoot ? ServiceUser : null);
        }
    }

    /// <summary>Starts a server stopped by <see cref="StopServer"/> again, on the same port: connection strings stay valid.</summary>
    public void StartServer()
    {
        lock (_serverGate)
        {
            ObjectDisposedException.ThrowIf(_stopped == 1, this);
            if (IsRunning)
                throw new InvalidOperationException("the server is already running");
            StartServer(_options, fixedPort: Port);
        }
    }

    /// <summary><see cref="StopServer"/> then <see cref="StartServer()"/>.</summary>
    public void Restart(bool immediate = false)
    {
        StopServer(immediate);
        StartServer();
    }

    public void Dispose() => Stop();

    public ValueTask DisposeAsync() => new(Task.Run(Stop));

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                var stop = Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"],
                    ClusterDirectory, _asRoot ? ServiceUser : null, throwOnFailure: false);
                if (stop.ExitCode != 0)
                    KillPostmaster(DataDirectory);
            }
            if (!_kept)
                Directory.Delete(ClusterDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort at shutdown: the next start removes what is left (CleanUpAbandonedClusters).
        }
    }

    /// <summary>A kept cluster whose last owner was killed may still run: stop it before starting on a new port.</summary>
    private void StopLeftover()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"],
                ClusterDirectory, _asRoot ? ServiceUser : null, throwOnFailure: false);
    }

    private void InitDb()
    {
        var watch = Stopwatch.StartNew();
        Run(Path.Combine(BinDirectory, "initdb"),
            ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
            ClusterDirectory, _asRoot ? ServiceUser : null);
        InitDbDuration = watch.Elapsed;
    }

    private void StartServer(EmbeddedPostgresOptions options, int? fixedPort)
    {
        var watch = Stopwatch.StartNew();
        // A port picked here can be taken by another process before postgres binds it: retry with a new
        // one. A restart keeps its port (clients hold connection strings to it) and retries that.
        for (var attempt = 1; ; attempt++)
        {
            var port = fixedPort ?? FreePort();
            var settings = $"-p {port} -k {ClusterDirectory} -c listen_addresses=127.0.0.1 -c max_connections={options.MaxConnections}";
            if (options.FastUnsafe)
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            foreach (var setting in options.Settings)
                settings += $" -c {setting}";
            var result = Run(Path.Combine(BinDirectory, "pg_ctl"),
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", settings, "start"],
                ClusterDirectory, _asRoot ? ServiceUser : null, throwOnFailure: false);
            if (result.ExitCode == 0)
            {
                Port = port;
                break;
            }
            if (attempt == 3)
                throw new InvalidOperationException(
                    $"pg_ctl start failed ({result.ExitCode}): {result.Output.Trim()} {TailOfLog()}".Trim());
        }
        StartDuration = watch.Elapsed;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = "postgres",
            Pooling = true,
        }.ConnectionString;
    }

    // ProcessExit does not run when the process is killed (SIGKILL, a crashed test host): a tiny
    // shell loop outlives it, then stops the cluster and removes its folder.
    private void StartWatchdog()
    {
        var pgCtl = Path.Combine(BinDirectory, "pg_ctl");
        var stop = _asRoot ? $"runuser -u {ServiceUser} -- '{pgCtl}'" : $"'{pgCtl}'";
        var script =
            $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; " +
            $"if [ -f '{DataDirectory}/postmaster.pid' ]; then {stop} -D '{DataDirectory}' -m fast -w -t 30 stop; fi; " +
            (_kept ? "true" : $"rm -rf '{ClusterDirectory}'");
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = Path.GetDirectoryName(ClusterDirectory)!,
            UseShellExecute = false,
            // Own pipes that nobody reads, so a test runner waiting for its host's output does not wait for this loop.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec </dev/null >/dev/null 2>&1; " + script);
        try
        {
            using var watchdog = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No /bin/sh: cleanup then relies on ProcessExit and on the next start's scan.
        }
    }

    private string TailOfLog()
    {
        try
        {
            return File.Exists(LogFile) ? string.Join(" | ", File.ReadAllLines(LogFile).TakeLast(5)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static void StopAbandonedPostmaster(string folder, string? binDirectory, bool asRoot)
    {
        var data = Path.Combine(folder, "data");
        if (!File.Exists(Path.Combine(data, "postmaster.pid")))
            return;
        if (binDirectory is not null)
        {
            var stop = Run(Path.Combine(binDirectory, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "10", "stop"],
                Path.GetDirectoryName(folder)!, asRoot ? ServiceUser : null, throwOnFailure: false);
            if (stop.ExitCode == 0)
                return;
        }
        KillPostmaster(data);
    }

    private static void KillPostmaster(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
            return;
        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !IsAlive(pid))
            return;
        // The pid may have been reused since: only a process that is a postgres server is killed.
        var command = File.Exists($"/proc/{pid}/comm") ? File.ReadAllText($"/proc/{pid}/comm").Trim() : "";
        if (!command.StartsWith("postgres", StringComparison.Ordinal))
            return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: false);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or not ours to kill.
        }
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
            return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void EnsureRootDirectory(string root)
    {
        if (Directory.Exists(root))
            return;
        Directory.CreateDirectory(root);
        // Like /tmp: every user (postgres, or another developer) may add a cluster folder, only its owner removes it.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute |
                UnixFileMode.StickyBit);
        }
    }

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) &&
        File.Exists(Path.Combine(directory, "pg_ctl")) &&
        File.Exists(Path.Combine(directory, "postgres"));

    private static Version? ParseVersion(string text) =>
        Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) ? version : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private readonly record struct RunResult(int ExitCode, string Output);

    private static RunResult Run(string executable, IReadOnlyList<string> arguments, string workingDirectory,
        string? asUser, bool throwOnFailure = true)
    {
        var info = new ProcessStartInfo
        {
            FileName = asUser is null ? executable : "runuser",
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            foreach (var part in new[] { "-u", asUser, "--", executable })
                info.ArgumentList.Add(part);
        }
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        // Settings of a system cluster must not leak into the private one.
        info.Environment.Remove("PGDATA");
        info.Environment.Remove("PGPORT");
        info.Environment.Remove("PGHOST");

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(executable)} did not finish within 2 minutes");
        }
        var output = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        if (throwOnFailure && process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(executable)} failed ({process.ExitCode}): {output.Trim()}");
        return new RunResult(process.ExitCode, output);
    }
}
