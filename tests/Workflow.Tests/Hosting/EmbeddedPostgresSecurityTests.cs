using System.Diagnostics;
using System.Runtime.Versioning;
using CaseEngine.Workflow.Hosting;
using Npgsql;

namespace CaseEngine.Workflow.Tests.Hosting;

/// <summary>Another local user must not reach the embedded cluster: no password, no cluster.</summary>
[SupportedOSPlatform("linux")]
public sealed class when_another_local_user_tries_the_embedded_cluster : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
    private EmbeddedPostgres _server = null!;

    public async Task InitializeAsync() =>
        _server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "locked", RootDirectory = _root, FastUnsafe = true });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task the_connection_string_carries_what_it_takes()
    {
        (await ScalarAsync(_server.ConnectionString, "select current_user")).ShouldBe("postgres");
        new NpgsqlConnectionStringBuilder(_server.ConnectionString).Host.ShouldBe("127.0.0.1");
    }

    [Fact]
    public async Task tcp_without_the_password_is_refused()
    {
        var noPassword = new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Password = null, Pooling = false };

        // The server asks for the password (SASL), which the client does not have.
        var error = await Should.ThrowAsync<NpgsqlException>(() => ScalarAsync(noPassword.ConnectionString, "select 1"));
        error.Message.ShouldContain("password");
    }

    [Fact]
    public async Task tcp_with_a_wrong_password_is_refused()
    {
        var wrong = new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Password = "postgres", Pooling = false };

        var error = await Should.ThrowAsync<PostgresException>(() => ScalarAsync(wrong.ConnectionString, "select 1"));
        error.SqlState.ShouldBe(PostgresErrorCodes.InvalidPassword);
    }

    [Fact]
    public async Task the_socket_without_the_password_is_refused()
    {
        var socket = SocketFile();
        var noPassword = new NpgsqlConnectionStringBuilder(_server.ConnectionString)
        {
            Host = Path.GetDirectoryName(socket),
            Password = null,
            Pooling = false,
        };

        // The server asks for the password (SASL), which the client does not have.
        var error = await Should.ThrowAsync<NpgsqlException>(() => ScalarAsync(noPassword.ConnectionString, "select 1"));
        error.Message.ShouldContain("password");
    }

    [Fact]
    public void the_socket_sits_in_a_private_folder_of_the_server_user()
    {
        var socket = SocketFile();
        var folder = Path.GetDirectoryName(socket)!;

        Stat(folder).ShouldBe(Stat(_server.DataDirectory) with { Mode = "700" });
        Stat(socket).Mode.ShouldBe("700");
        folder.ShouldNotBe(_server.ClusterDirectory);
    }

    [Fact]
    public void the_data_and_the_server_log_are_private()
    {
        Stat(_server.DataDirectory).Mode.ShouldBe("700");
        Stat(_server.LogFile).Mode.ShouldBe("600");
    }

    [Fact]
    public void the_root_folder_is_ours_and_nobody_else_writes_in_it()
    {
        var root = Stat(_root);
        root.Owner.ShouldBe(Environment.UserName);
        (Convert.ToInt32(root.Mode, 8) & 0b000_010_010).ShouldBe(0, $"mode {root.Mode}");
    }

    private string SocketFile() =>
        Directory.EnumerateFiles(_server.ClusterDirectory, $".s.PGSQL.{_server.Port}", SearchOption.AllDirectories).Single();

    internal static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    internal sealed record FileStat(string Owner, string Mode);

    internal static FileStat Stat(string path)
    {
        var info = new ProcessStartInfo("stat") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "%U %a", "--", path })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var parts = process.StandardOutput.ReadToEnd().Trim().Split(' ');
        process.WaitForExit();
        return new FileStat(parts[0], parts[1]);
    }
}

/// <summary>The clean-up of abandoned clusters only touches clusters it can prove are its own.</summary>
[SupportedOSPlatform("linux")]
public sealed class when_someone_plants_an_abandoned_cluster
{
    [Fact]
    public async Task a_postmaster_pid_naming_another_clusters_server_stops_nothing()
    {
        var root = NewRoot();
        var victimRoot = NewRoot();
        try
        {
            await using var victim = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "victim", RootDirectory = victimRoot, FastUnsafe = true });
            var victimPid = int.Parse(File.ReadLines(Path.Combine(victim.DataDirectory, "postmaster.pid")).First());
            var planted = Plant(root, victimPid);

            EmbeddedPostgres.Start(new EmbeddedPostgresOptions { Name = "cleaner", RootDirectory = root, FastUnsafe = true }).Dispose();

            Directory.Exists(planted).ShouldBeTrue();
            var unpooled = new NpgsqlConnectionStringBuilder(victim.ConnectionString) { Pooling = false }.ConnectionString;
            (await when_another_local_user_tries_the_embedded_cluster.ScalarAsync(unpooled, "select 1")).ShouldBe(1);
        }
        finally
        {
            Remove(root);
            Remove(victimRoot);
        }
    }

    [Fact]
    public void a_postmaster_pid_naming_a_process_of_the_server_user_does_not_signal_it()
    {
        var root = NewRoot();
        using var sleeper = StartAsServerUser("sleep", "300");
        try
        {
            var planted = Plant(root, sleeper.Id);

            EmbeddedPostgres.Start(new EmbeddedPostgresOptions { Name = "cleaner", RootDirectory = root, FastUnsafe = true }).Dispose();

            sleeper.HasExited.ShouldBeFalse();
            Directory.Exists(planted).ShouldBeTrue();
        }
        finally
        {
            if (!sleeper.HasExited)
                sleeper.Kill();
            Remove(root);
        }
    }

    [Fact]
    public void a_world_writable_root_folder_is_refused()
    {
        var root = NewRoot();
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("1777", 8));
        try
        {
            var error = Should.Throw<InvalidOperationException>(() => StartAndStop(root));
            error.Message.ShouldContain(root);
            error.Message.ShouldNotContain('\n');
        }
        finally
        {
            Remove(root);
        }
    }

    [Fact]
    public void a_root_folder_owned_by_another_user_is_refused()
    {
        if (Environment.UserName != "root")
            return; // Only root can give a folder away.
        var root = NewRoot();
        Run("chown", "nobody", root);
        try
        {
            var error = Should.Throw<InvalidOperationException>(() => StartAndStop(root));
            error.Message.ShouldContain(root);
            error.Message.ShouldNotContain('\n');
        }
        finally
        {
            Remove(root);
        }
    }

    private static void StartAndStop(string root) =>
        EmbeddedPostgres.Start(new EmbeddedPostgresOptions { Name = "refused", RootDirectory = root, FastUnsafe = true }).Dispose();

    private static string NewRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root, (UnixFileMode)Convert.ToInt32("755", 8));
        return root;
    }

    /// <summary>What a local user could leave: a cluster folder of a dead owner, its postmaster.pid naming someone else's process.</summary>
    private static string Plant(string root, int pid)
    {
        var folder = Path.Combine(root, $"caseengine-{DeadPid()}");
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "postmaster.pid"), $"{pid}\n{data}\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001         0\nready   \n");
        File.WriteAllText(Path.Combine(data, "PG_VERSION"), "15\n");
        return folder;
    }

    private static Process StartAsServerUser(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.UserName == "root" ? "setpriv" : program) { UseShellExecute = false };
        if (Environment.UserName == "root")
        {
            foreach (var argument in new[] { "--reuid=postgres", "--regid=postgres", "--clear-groups", program })
                info.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        return Process.Start(info)!;
    }

    private static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        process.WaitForExit();
    }

    private static void Remove(string root)
    {
        if (!Directory.Exists(root))
            return;
        EmbeddedPostgres.CleanUpAbandonedClusters(root);
        Directory.Delete(root, recursive: true);
    }

    internal static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}

/// <summary>Closing the terminal sends SIGHUP to the whole process group: the cluster must not outlive the app.</summary>
[SupportedOSPlatform("linux")]
public sealed class when_the_terminal_of_a_host_is_closed
{
    [Fact]
    public async Task the_cluster_stops_and_is_removed()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root, (UnixFileMode)Convert.ToInt32("755", 8));
        var testAssembly = typeof(EmbeddedPostgresHostProgram).Assembly.Location;
        // Its own session and process group, like a shell job: the hangup reaches the group, not this test.
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "dotnet", testAssembly, EmbeddedPostgresHostProgram.Command, root })
            info.ArgumentList.Add(argument);
        using var host = Process.Start(info)!;
        int postmaster = 0;
        try
        {
            var ready = await host.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var parts = ready.ShouldNotBeNull().Split(' ');
            parts[0].ShouldBe("ready");
            postmaster = int.Parse(parts[1]);
            var cluster = parts[2];

            using (var hangup = Process.Start(new ProcessStartInfo("kill") { UseShellExecute = false, ArgumentList = { "-HUP", "--", $"-{host.Id}" } })!)
                await hangup.WaitForExitAsync();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            if (!await GoneWithinAsync(() => IsRunning(postmaster), TimeSpan.FromSeconds(30)))
            {
                // Said when it fails (once in CI, on a loaded machine): which watchdogs run, and what the postmaster is doing.
                var watchdogs = Directory.EnumerateDirectories("/proc").Select(CommandLine)
                    .Where(c => c.Contains("caseengine-pg-watchdog", StringComparison.Ordinal) && c.Contains(cluster, StringComparison.Ordinal));
                var state = File.ReadAllText($"/proc/{postmaster}/stat").Split(')').Last().Trim().Split(' ')[0];
                false.ShouldBeTrue($"the postmaster still runs (state {state}); its cluster's watchdogs: [{string.Join(" | ", watchdogs)}]");
            }
            (await GoneWithinAsync(() => Directory.Exists(cluster), TimeSpan.FromSeconds(30))).ShouldBeTrue("the cluster folder is still there");
        }
        finally
        {
            if (!host.HasExited)
                host.Kill(entireProcessTree: true);
            if (Directory.Exists(root))
            {
                EmbeddedPostgres.CleanUpAbandonedClusters(root, EmbeddedPostgres.FindBinDirectory());
                Directory.Delete(root, recursive: true);
            }
        }
    }

    // The hang-up above came right after "ready" and once found the watchdog not yet in its own session:
    // it died with the app and the cluster ran on (CI, a loaded machine). The start now returns only once
    // the watchdog has left the app's session and ignores SIGHUP; looked at the instant the start returns.
    [Fact]
    public void the_watchdog_has_its_own_session_and_ignores_the_hangup_when_the_start_returns()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root, (UnixFileMode)Convert.ToInt32("755", 8));
        try
        {
            using (var server = EmbeddedPostgres.Start(new EmbeddedPostgresOptions { Name = "watchdog", RootDirectory = root, FastUnsafe = true }))
            {
                // This process's children (the watchdog is one: setsid runs in the child it was started in).
                var watchdog = Directory.EnumerateDirectories($"/proc/{Environment.ProcessId}/task")
                    .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Select(pid => (Pid: pid, CommandLine: CommandLine($"/proc/{pid}")))
                    .Where(p => p.CommandLine.Contains("caseengine-pg-watchdog", StringComparison.Ordinal)
                        && p.CommandLine.Contains(server.DataDirectory, StringComparison.Ordinal))
                    .ShouldHaveSingleItem($"one watchdog of {server.DataDirectory}");
                var stat = File.ReadAllText($"/proc/{watchdog.Pid}/stat").Split(')').Last().Trim().Split(' ');
                var ours = File.ReadAllText($"/proc/{Environment.ProcessId}/stat").Split(')').Last().Trim().Split(' ');
                // Fields after the command: state, ppid, pgrp, session.
                stat[3].ShouldNotBe(ours[3], "the watchdog is still in the app's session");
                var ignored = File.ReadLines($"/proc/{watchdog.Pid}/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
                (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & 1UL).ShouldBe(1UL, "SIGHUP (signal 1) is not ignored yet");
            }
        }
        finally
        {
            EmbeddedPostgres.CleanUpAbandonedClusters(root, EmbeddedPostgres.FindBinDirectory());
            Directory.Delete(root, recursive: true);
        }
    }

    private static string CommandLine(string procFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procFolder, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task<bool> GoneWithinAsync(Func<bool> stillThere, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (stillThere())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    // A stopped postmaster may linger as a zombie until its adoptive parent reaps it.
    private static bool IsRunning(int pid)
    {
        try
        {
            var state = File.ReadAllText($"/proc/{pid}/stat").Split(')').Last().Trim().Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Failures of the embedded cluster are one line that says what to do.</summary>
[SupportedOSPlatform("linux")]
public class when_the_embedded_cluster_cannot_start
{
    [Fact]
    public void a_configured_bin_folder_without_binaries_names_the_setting_the_folder_and_what_is_missing()
    {
        var folder = Directory.CreateTempSubdirectory("half-pg-").FullName;
        File.WriteAllText(Path.Combine(folder, "pg_ctl"), "");
        try
        {
            var error = Should.Throw<PostgresBinariesNotFoundException>(() =>
                EmbeddedPostgres.FindBinDirectory(environment: name => name == EmbeddedPostgres.BinDirectoryVariable ? folder : null));

            error.Message.ShouldContain($"{EmbeddedPostgres.BinDirectoryVariable}={folder}");
            error.Message.ShouldContain("initdb, postgres");
            error.Message.ShouldNotContain("or set CASEENGINE_PG_BIN");
            error.Message.ShouldNotContain('\n');
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void a_server_that_does_not_start_is_one_line_with_the_reason()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root, (UnixFileMode)Convert.ToInt32("755", 8));
        try
        {
            var error = Should.Throw<InvalidOperationException>(() => EmbeddedPostgres.Start(new EmbeddedPostgresOptions
            {
                Name = "broken",
                RootDirectory = root,
                FastUnsafe = true,
                Settings = ["no_such_setting_here=1"],
            }));

            error.Message.ShouldNotContain('\n');
            error.Message.ShouldContain("no_such_setting_here");
        }
        finally
        {
            EmbeddedPostgres.CleanUpAbandonedClusters(root);
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>A kept cluster (the benchmark's data) is locked too, also one made before clusters had passwords.</summary>
[SupportedOSPlatform("linux")]
public sealed class when_a_kept_cluster_starts_again
{
    [Fact]
    public async Task it_keeps_its_data_and_its_password()
    {
        var kept = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-kept-{Guid.NewGuid():N}");
        try
        {
            await using (var first = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "kept", KeptDirectory = kept, FastUnsafe = true }))
                await when_another_local_user_tries_the_embedded_cluster.ScalarAsync(Unpooled(first.ConnectionString), "create table kept (id int); insert into kept values (7)");

            await using var second = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "kept", KeptDirectory = kept, FastUnsafe = true });
            (await when_another_local_user_tries_the_embedded_cluster.ScalarAsync(Unpooled(second.ConnectionString), "select id from kept")).ShouldBe(7);
            await RefusedWithoutPasswordAsync(second);
        }
        finally
        {
            if (Directory.Exists(kept))
                Directory.Delete(kept, recursive: true);
        }
    }

    [Fact]
    public async Task one_made_with_trust_gets_a_password_before_it_listens()
    {
        var kept = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-kept-{Guid.NewGuid():N}");
        Directory.CreateDirectory(kept);
        try
        {
            // What the benchmark's kept folder looked like before: the server user's folder, initdb -A trust.
            var asRoot = Environment.UserName == "root";
            if (asRoot)
                Run("chown", "postgres:", kept);
            var initdb = Path.Combine(EmbeddedPostgres.FindBinDirectory(), "initdb");
            string[] arguments = ["-D", Path.Combine(kept, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions"];
            if (asRoot)
                Run("runuser", ["-u", "postgres", "--", initdb, .. arguments]);
            else
                Run(initdb, arguments);

            await using var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "kept", KeptDirectory = kept, FastUnsafe = true });

            (await when_another_local_user_tries_the_embedded_cluster.ScalarAsync(Unpooled(server.ConnectionString), "select 1")).ShouldBe(1);
            await RefusedWithoutPasswordAsync(server);
        }
        finally
        {
            Directory.Delete(kept, recursive: true);
        }
    }

    private static async Task RefusedWithoutPasswordAsync(EmbeddedPostgres server)
    {
        var noPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = null, Pooling = false };
        await Should.ThrowAsync<NpgsqlException>(() => when_another_local_user_tries_the_embedded_cluster.ScalarAsync(noPassword.ConnectionString, "select 1"));
    }

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, output);
    }
}
