using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// A private PostgreSQL cluster started from the machine's server binaries (initdb + pg_ctl),
/// stopped and deleted on dispose, at process exit, or by a watchdog when the process is killed.
/// As root, the server runs as the <c>postgres</c> user.
/// <para>
/// Locked: the <c>postgres</c> superuser has a random password made for this cluster (scram-sha-256,
/// carried by <see cref="ConnectionString"/> only), TCP listens on 127.0.0.1 only, and the Unix
/// socket sits in a folder only the server user can enter. Each cluster lives in
/// <c>&lt;root&gt;/&lt;name&gt;-&lt;pid&gt;</c> under a root folder of this user that nobody else can write
/// (<see cref="DefaultRootDirectory"/>; a root folder owned by someone else or writable by others is
/// refused), with a marker file of ours, so a later start removes what a killed process left and
/// nothing else: a postmaster is signalled only after proving (through /proc) that it is a postgres
/// process running in that very data folder.
/// </para>
/// </summary>
public sealed class EmbeddedPostgres : IDisposable, IAsyncDisposable
{
    public const string BinDirectoryVariable = "CASEENGINE_PG_BIN";
    private const string DebianRoot = "/usr/lib/postgresql";
    private const string ServiceUser = "postgres";
    private const string Superuser = "postgres";
    private const string MarkerFileName = "caseengine-cluster";
    private const string MarkerText = "CaseEngine embedded PostgreSQL cluster: removed by the next start once its owner process is gone.\n";
    private const string PasswordFileName = "password";

    // Written over initdb's own: password on the private socket and on 127.0.0.1, nothing else
    // (no replication, no ::1), whatever the cluster was created with.
    private const string HostBasedAuthentication =
        "# CaseEngine embedded cluster: the password of this cluster (scram-sha-256), on its private socket and on 127.0.0.1 only.\n" +
        "local all all scram-sha-256\n" +
        "host all all 127.0.0.1/32 scram-sha-256\n";

    private static readonly UnixFileMode s_private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly UnixFileMode s_privateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    // As root the server runs as postgres, which must walk through the root and cluster folders to its
    // own data and socket folders, without listing or writing them.
    private static readonly UnixFileMode s_traversable = s_private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static int s_instances;

    private readonly bool _asRoot;
    private readonly EmbeddedPostgresOptions _options;
    private readonly Lock _serverGate = new();
    private readonly bool _kept;
    private string _password = "";
    private int _stopped;

    private EmbeddedPostgres(string binDirectory, string clusterDirectory, bool asRoot, EmbeddedPostgresOptions options)
    {
        BinDirectory = binDirectory;
        ClusterDirectory = clusterDirectory;
        _asRoot = asRoot;
        _options = options;
        _kept = options.KeptDirectory is not null;
    }

    /// <summary>
    /// <c>$TMPDIR/caseengine-pg-&lt;uid&gt;</c> (<c>/tmp/caseengine-pg-0</c> as root): one per user, so no
    /// user shares a folder of clusters with another.
    /// </summary>
    public static string DefaultRootDirectory { get; } =
        Path.Combine(Path.GetTempPath(), $"caseengine-pg-{(OperatingSystem.IsLinux() ? Posix.EffectiveUserId.ToString(CultureInfo.InvariantCulture) : Environment.UserName)}");

    /// <summary>Folder of the binaries in use.</summary>
    public string BinDirectory { get; }

    /// <summary>The cluster's own folder: data/, socket/, the server log and the marker file.</summary>
    public string ClusterDirectory { get; }

    public string DataDirectory => Path.Combine(ClusterDirectory, "data");

    /// <summary>The Unix socket's folder: only the server user may enter it (mode 0700).</summary>
    public string SocketDirectory => Path.Combine(ClusterDirectory, "socket");

    public string LogFile => Path.Combine(ClusterDirectory, "postgres.log");

    public int Port { get; private set; }

    /// <summary>
    /// Npgsql connection string to the <c>postgres</c> database as the <c>postgres</c> superuser over
    /// 127.0.0.1, with the cluster's password: keep it out of logs.
    /// </summary>
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

    /// <summary>
    /// Creates and starts a new cluster (about a second). Throws <see cref="PostgresBinariesNotFoundException"/>
    /// without binaries, and <see cref="InvalidOperationException"/> (one line) when the root folder
    /// cannot be trusted or the server does not start.
    /// </summary>
    public static EmbeddedPostgres Start(EmbeddedPostgresOptions? options = null)
    {
        options ??= new EmbeddedPostgresOptions();
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException($"The embedded PostgreSQL needs Linux: set ConnectionStrings__Marten to a PostgreSQL server");
        var bin = FindBinDirectory(options.BinDirectory);
        var asRoot = Environment.UserName == "root";
        var kept = options.KeptDirectory is not null;

        string folder;
        if (kept)
        {
            folder = Path.GetFullPath(options.KeptDirectory!);
            PrepareKeptFolder(folder, asRoot);
        }
        else
        {
            var root = Path.GetFullPath(options.RootDirectory);
            EnsureTrustedRoot(root, asRoot);
            CleanUpAbandonedClusters(root, bin);
            var instance = Interlocked.Increment(ref s_instances);
            var name = instance == 1 ? options.Name : $"{options.Name}_{instance}";
            folder = Path.Combine(root, $"{name}-{Environment.ProcessId}");
            // Left by an earlier process that had this pid: removed like any abandoned cluster, or refused.
            if (Directory.Exists(folder) && !RemoveAbandonedCluster(folder))
                throw new InvalidOperationException($"The embedded PostgreSQL folder {folder} is in the way and is not a cluster this user can prove is its own: remove it and start again.");
            CreateClusterFolder(folder, asRoot);
        }

        var server = new EmbeddedPostgres(bin, folder, asRoot, options);
        try
        {
            server.PrepareServerFiles();
            if (!kept || !File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")))
            {
                server.InitDb();
            }
            else
            {
                server.StopLeftover();
                server.LockKeptCluster();
            }
            server.StartServer(options, fixedPort: null);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        AppDomain.CurrentDomain.ProcessExit += server.OnProcessExit;
        try
        {
            server.StartWatchdog();
        }
        catch
        {
            server.Dispose();
            throw;
        }
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
        var fromOptions = !string.IsNullOrWhiteSpace(explicitDirectory);
        var configured = fromOptions ? explicitDirectory : environment(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var missing = MissingServerBinaries(configured);
            if (missing.Count == 0)
                return Path.GetFullPath(configured);
            var setting = fromOptions ? $"{nameof(EmbeddedPostgresOptions)}.{nameof(EmbeddedPostgresOptions.BinDirectory)}" : BinDirectoryVariable;
            var what = Directory.Exists(configured) ? $"has no {string.Join(", ", missing)}" : "does not exist";
            throw new PostgresBinariesNotFoundException(
                $"{setting}={configured} {what}: point {setting} at the folder holding PostgreSQL's initdb, pg_ctl and postgres " +
                $"(e.g. {DebianRoot}/15/bin), or unset it to find them on PATH or under {DebianRoot}");
        }

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
    /// Removes the cluster folders under <paramref name="rootDirectory"/> whose owning process (the pid
    /// after the last '-' in the folder name) is gone, stopping a postmaster still running there. Only
    /// clusters this user can prove are its own are touched: the root folder is this user's and nobody
    /// else may write it, the cluster folder too, with our marker file; a postmaster is signalled only
    /// when /proc shows a postgres process whose working folder is that data folder. Returns how many
    /// folders were removed. <paramref name="binDirectory"/> is not needed any more (kept for callers).
    /// </summary>
    public static int CleanUpAbandonedClusters(string? rootDirectory = null, string? binDirectory = null)
    {
        _ = binDirectory;
        var root = Path.GetFullPath(rootDirectory ?? DefaultRootDirectory);
        if (OperatingSystem.IsWindows() || !Directory.Exists(root) || UntrustedReason(root) is not null)
            return 0;
        var removed = 0;
        foreach (var folder in Directory.GetDirectories(root))
        {
            var name = Path.GetFileName(folder);
            var dash = name.LastIndexOf('-');
            if (dash < 0 || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var owner))
                continue;
            if (owner == Environment.ProcessId || IsAlive(owner))
                continue;
            if (RemoveAbandonedCluster(folder))
                removed++;
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
                    StopProvenPostmaster(DataDirectory);
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
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
            return;
        if (ProvenPostmaster(DataDirectory) is not null)
        {
            Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"],
                ClusterDirectory, _asRoot ? ServiceUser : null, throwOnFailure: false);
        }
        else
        {
            // No postmaster runs in this folder: the file is stale, and a live process it may name
            // (the pid reused) must not make the server refuse to start.
            File.Delete(pidFile);
        }
    }

    /// <summary>
    /// The files the server writes, made before it starts so they are private from the first byte:
    /// the data and socket folders (0700) and the log (0600), all the server user's.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private void PrepareServerFiles()
    {
        Directory.CreateDirectory(SocketDirectory, s_private);
        File.SetUnixFileMode(SocketDirectory, s_private);
        if (!File.Exists(LogFile))
            CreatePrivateFile(LogFile, "");
        File.SetUnixFileMode(LogFile, s_privateFile);
        if (!_asRoot)
            return;
        Directory.CreateDirectory(DataDirectory, s_private);
        Run("chown", [$"{ServiceUser}:", DataDirectory, SocketDirectory, LogFile], ClusterDirectory, asUser: null);
    }

    [UnsupportedOSPlatform("windows")]
    private void InitDb()
    {
        var watch = Stopwatch.StartNew();
        _password = NewPassword();
        // initdb reads the password from a file (never the command line, which any user sees in ps),
        // readable by the server user only and gone as soon as initdb is.
        var passwordFile = Path.Combine(ClusterDirectory, "initdb-password");
        CreatePrivateFile(passwordFile, _password + "\n");
        try
        {
            if (_asRoot)
                Run("chown", [ServiceUser, passwordFile], ClusterDirectory, asUser: null);
            Run(Path.Combine(BinDirectory, "initdb"),
                ["-D", DataDirectory, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-U", Superuser, "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
                ClusterDirectory, _asRoot ? ServiceUser : null);
        }
        finally
        {
            File.Delete(passwordFile);
        }
        File.WriteAllText(Path.Combine(DataDirectory, "pg_hba.conf"), HostBasedAuthentication);
        if (_kept)
            CreatePrivateFile(Path.Combine(ClusterDirectory, PasswordFileName), _password);
        InitDbDuration = watch.Elapsed;
    }

    /// <summary>
    /// A kept cluster keeps its password in a file only this user reads. A cluster made before clusters
    /// had passwords (initdb -A trust) gets one now, set in single-user mode, so it is never reachable
    /// without one, not even for a moment.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private void LockKeptCluster()
    {
        var passwordFile = Path.Combine(ClusterDirectory, PasswordFileName);
        var status = OperatingSystem.IsLinux() ? Posix.Stat(passwordFile) : null;
        if (status is { IsRegularFile: true } && status.Value.Owner == Posix.EffectiveUserId && status.Value.Permissions == 0x180)
        {
            _password = File.ReadAllText(passwordFile).Trim();
        }
        else
        {
            _password = NewPassword();
            Run(Path.Combine(BinDirectory, "postgres"), ["--single", "-D", DataDirectory, "postgres"],
                ClusterDirectory, _asRoot ? ServiceUser : null, input: $"ALTER ROLE {Superuser} PASSWORD '{_password}';\n");
            File.Delete(passwordFile);
            CreatePrivateFile(passwordFile, _password);
        }
        File.WriteAllText(Path.Combine(DataDirectory, "pg_hba.conf"), HostBasedAuthentication);
    }

    private void StartServer(EmbeddedPostgresOptions options, int? fixedPort)
    {
        var watch = Stopwatch.StartNew();
        // A port picked here can be taken by another process before postgres binds it: retry with a new
        // one. A restart keeps its port (clients hold connection strings to it) and retries that.
        for (var attempt = 1; ; attempt++)
        {
            var port = fixedPort ?? FreePort();
            // pg_ctl hands these to a shell: the folder is quoted.
            var settings = $"-p {port} -k '{SocketDirectory}' -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 " +
                $"-c password_encryption=scram-sha-256 -c max_connections={options.MaxConnections}";
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
                    $"The embedded PostgreSQL did not start (pg_ctl exit {result.ExitCode}): {ReasonInLog() ?? OneLine(result.Output)}");
        }
        StartDuration = watch.Elapsed;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Password = _password,
            Database = "postgres",
            Pooling = true,
        }.ConnectionString;
    }

    // ProcessExit does not run when the process is killed (SIGKILL, a crashed test host, a closed
    // terminal's SIGHUP): a tiny shell loop outlives it, then stops the cluster and removes its folder.
    // It runs in its own session (setsid) and ignores SIGHUP and SIGINT, so what kills the process
    // group of the app (closing its terminal, Ctrl+C) does not kill the watchdog with it. It stops
    // only a postmaster whose working folder is this data folder. Paths travel as arguments, not as
    // script text.
    private static readonly TimeSpan WatchdogStartTimeout = TimeSpan.FromSeconds(30);

    private void StartWatchdog()
    {
        const string script =
            "trap '' HUP INT; echo watching; exec </dev/null >/dev/null 2>&1; " +
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; " +
            "if [ -f \"$2/postmaster.pid\" ]; then " +
            "  pid=$(head -n 1 \"$2/postmaster.pid\"); " +
            "  if [ -n \"$pid\" ] && [ \"$(readlink \"/proc/$pid/cwd\")\" = \"$(cd \"$2\" && pwd -P)\" ]; then " +
            "    if [ -n \"$5\" ]; then runuser -u \"$5\" -- \"$4\" -D \"$2\" -m fast -w -t 30 stop; else \"$4\" -D \"$2\" -m fast -w -t 30 stop; fi; " +
            "  fi; " +
            "fi; " +
            "if [ \"$6\" = remove ]; then rm -rf \"$3\"; fi";
        var setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
        var info = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            WorkingDirectory = "/",
            UseShellExecute = false,
            // Own pipes that nobody reads, so a test runner waiting for its host's output does not wait for this loop.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (setsid is not null)
            info.ArgumentList.Add("/bin/sh");
        foreach (var argument in new[]
                 {
                     "-c", script, "caseengine-pg-watchdog", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), DataDirectory,
                     ClusterDirectory, Path.Combine(BinDirectory, "pg_ctl"), _asRoot ? ServiceUser : "", _kept ? "keep" : "remove",
                 })
            info.ArgumentList.Add(argument);
        try
        {
            using var watchdog = Process.Start(info);
            // Started is not yet watching: until the loop has its own session and ignores SIGHUP, a terminal
            // closed right after the start (the app's process group hung up) would kill it with the app and
            // leave the cluster running. It says "watching" once both hold; the start returns after that.
            // Only this first line is read: the loop then writes nowhere, so nobody waits on its pipes.
            if (watchdog is not null && !watchdog.StandardOutput.ReadLineAsync().Wait(WatchdogStartTimeout))
                throw new InvalidOperationException($"The embedded PostgreSQL's watchdog did not start within {WatchdogStartTimeout.TotalSeconds:0} s.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No /bin/sh: cleanup then relies on ProcessExit and on the next start's scan.
        }
    }

    /// <summary>The last FATAL/ERROR/PANIC line of the server log, without its timestamp prefix.</summary>
    private string? ReasonInLog()
    {
        try
        {
            if (!File.Exists(LogFile))
                return null;
            var reason = File.ReadLines(LogFile)
                .Select(line => line.Trim())
                .LastOrDefault(line => line.Contains("FATAL:", StringComparison.Ordinal) || line.Contains("ERROR:", StringComparison.Ordinal)
                    || line.Contains("PANIC:", StringComparison.Ordinal));
            if (reason is null)
                return null;
            var level = reason.IndexOfAny(['F', 'E', 'P'], reason.IndexOf(']', StringComparison.Ordinal) + 1);
            return level > 0 ? reason[level..] : reason;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether this process may treat <paramref name="root"/> as its folder of clusters; creates it when missing.</summary>
    [UnsupportedOSPlatform("windows")]
    private static void EnsureTrustedRoot(string root, bool asRoot)
    {
        if (!Directory.Exists(root) && !File.Exists(root))
            Directory.CreateDirectory(root, asRoot ? s_traversable : s_private);
        var reason = UntrustedReason(root);
        if (reason is not null)
        {
            throw new InvalidOperationException(
                $"The embedded PostgreSQL folder {root} {reason}, so its clusters cannot be trusted: remove it (as its owner or root) and start again, " +
                $"or set ConnectionStrings__Marten to a PostgreSQL server of your own");
        }
        if (asRoot && OperatingSystem.IsLinux())
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>Null when <paramref name="folder"/> is a real folder of this user that nobody else may write; else why not.</summary>
    [UnsupportedOSPlatform("windows")]
    private static string? UntrustedReason(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (File.GetUnixFileMode(folder) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0
                ? "is writable by other users" : null;
        }
        var status = Posix.Stat(folder);
        if (status is null)
            return "cannot be read";
        if (status.Value.IsSymbolicLink)
            return "is a symbolic link";
        if (!status.Value.IsDirectory)
            return "is not a folder";
        if (status.Value.Owner != Posix.EffectiveUserId)
            return $"is owned by uid {status.Value.Owner}, not by this user (uid {Posix.EffectiveUserId})";
        if (status.Value.WritableByOthers)
            return $"is writable by other users (mode {Convert.ToString(status.Value.Mode & 0xFFF, 8)})";
        return null;
    }

    [UnsupportedOSPlatform("windows")]
    private static void CreateClusterFolder(string folder, bool asRoot)
    {
        Directory.CreateDirectory(folder, asRoot ? s_traversable : s_private);
        File.SetUnixFileMode(folder, asRoot ? s_traversable : s_private);
        CreatePrivateFile(Path.Combine(folder, MarkerFileName), MarkerText);
    }

    /// <summary>
    /// A kept folder (the benchmark's data) is this user's and nobody else writes it; one made before
    /// (owned by postgres, the data inside) is taken back, its data staying the server user's.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private static void PrepareKeptFolder(string folder, bool asRoot)
    {
        Directory.CreateDirectory(folder, asRoot ? s_traversable : s_private);
        if (asRoot)
            Run("chown", ["root:", folder], Path.GetDirectoryName(folder)!, asUser: null);
        File.SetUnixFileMode(folder, asRoot ? s_traversable : s_private);
        var reason = UntrustedReason(folder);
        if (reason is not null)
            throw new InvalidOperationException($"The kept embedded PostgreSQL folder {folder} {reason}: use a folder of this user that nobody else may write");
    }

    /// <summary>
    /// Stops the postmaster of an abandoned cluster folder (when it provably runs there) and removes the
    /// folder, if the folder provably is one of ours; false when it is not, or could not be removed.
    /// </summary>
    private static bool RemoveAbandonedCluster(string folder)
    {
        if (!IsOurCluster(folder))
            return false;
        try
        {
            var data = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
                StopProvenPostmaster(data);
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Another process may be cleaning the same folder right now; the next start retries.
            return false;
        }
    }

    /// <summary>The folder is ours, nobody else may write it, and it holds our marker file (ours, not a link).</summary>
    private static bool IsOurCluster(string folder)
    {
        if (!OperatingSystem.IsLinux() || UntrustedReason(folder) is not null)
            return false;
        var marker = Posix.Stat(Path.Combine(folder, MarkerFileName));
        return marker is { IsRegularFile: true } && marker.Value.Owner == Posix.EffectiveUserId && !marker.Value.WritableByOthers;
    }

    /// <summary>
    /// The pid in <c>postmaster.pid</c> when, and only when, /proc shows that process is a postgres
    /// server running in <paramref name="dataDirectory"/> as the data folder's owner: its executable is
    /// named postgres, its working folder is that data folder (the postmaster changes into it; nobody
    /// else can, the folder being 0700), its owner the folder's. Anything else is never signalled.
    /// </summary>
    private static int? ProvenPostmaster(string dataDirectory)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            var firstLine = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1)
                return null;
            var data = Posix.Stat(dataDirectory);
            var cwd = Posix.Stat($"/proc/{pid}/cwd", followLinks: true);
            var process = Posix.Stat($"/proc/{pid}");
            var executable = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            if (data is null || cwd is null || process is null || executable is null)
                return null;
            var isPostgres = Path.GetFileName(executable).StartsWith("postgres", StringComparison.Ordinal);
            var inData = cwd.Value.Device == data.Value.Device && cwd.Value.Inode == data.Value.Inode;
            return isPostgres && inData && process.Value.Owner == data.Value.Owner ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Immediate shutdown (SIGQUIT) of a proven postmaster, then SIGKILL if it lingers.</summary>
    private static void StopProvenPostmaster(string dataDirectory)
    {
        var pid = ProvenPostmaster(dataDirectory);
        if (pid is null)
            return;
        Posix.Signal(pid.Value, Posix.SigQuit);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && ProvenPostmaster(dataDirectory) == pid)
            Thread.Sleep(20);
        if (ProvenPostmaster(dataDirectory) == pid)
            Posix.Signal(pid.Value, 9);
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

    [UnsupportedOSPlatform("windows")]
    private static void CreatePrivateFile(string path, string content)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = s_privateFile,
        });
        stream.Write(Encoding.UTF8.GetBytes(content));
    }

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static bool HasServerBinaries(string directory) => MissingServerBinaries(directory).Count == 0;

    private static List<string> MissingServerBinaries(string directory) =>
        new[] { "initdb", "pg_ctl", "postgres" }.Where(name => !File.Exists(Path.Combine(directory, name))).ToList();

    private static Version? ParseVersion(string text) =>
        Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) ? version : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A tool's output as one line: its error lines when it has any, else its last two lines.</summary>
    private static string OneLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(line => line.Contains("error", StringComparison.OrdinalIgnoreCase)
            || line.Contains("FATAL", StringComparison.Ordinal) || line.Contains("could not", StringComparison.OrdinalIgnoreCase)).ToList();
        var text = string.Join(" | ", errors.Count > 0 ? errors : lines.TakeLast(2));
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    private readonly record struct RunResult(int ExitCode, string Output);

    private static RunResult Run(string executable, IReadOnlyList<string> arguments, string workingDirectory,
        string? asUser, bool throwOnFailure = true, string? input = null)
    {
        var info = new ProcessStartInfo
        {
            FileName = asUser is null ? executable : "runuser",
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = input is not null,
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
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(executable)} did not finish within 2 minutes");
        }
        var output = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        if (throwOnFailure && process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(executable)} failed (exit {process.ExitCode}): {OneLine(output)}");
        return new RunResult(process.ExitCode, output);
    }
}
