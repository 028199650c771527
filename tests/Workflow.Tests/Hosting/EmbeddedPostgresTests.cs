using System.Diagnostics;
using CaseEngine.Testing;
using CaseEngine.Workflow.Hosting;
using Npgsql;

namespace CaseEngine.Workflow.Tests.Hosting;

public class when_starting_an_embedded_cluster
{
    [Fact]
    public async Task it_answers_select_version_and_is_gone_after_dispose()
    {
        string folder;
        await using (var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "unit", FastUnsafe = true }))
        {
            folder = server.ClusterDirectory;
            Path.GetFileName(folder).ShouldEndWith($"-{Environment.ProcessId}");

            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select version()", connection);
            var version = (string?)await command.ExecuteScalarAsync();
            version.ShouldNotBeNull().ShouldStartWith("PostgreSQL");
            await using var fsync = new NpgsqlCommand("show fsync", connection);
            (await fsync.ExecuteScalarAsync()).ShouldBe("off");
        }
        Directory.Exists(folder).ShouldBeFalse();
    }

    [Fact]
    public async Task the_process_wide_server_answers_and_creates_databases()
    {
        var server = await PostgresServer.GetConnectionStringAsync();
        var name = $"probe_{Guid.NewGuid():N}"[..20];
        await PostgresDatabases.CreateAsync(server, name);
        await using (var connection = new NpgsqlConnection(PostgresDatabases.ForDatabase(server, name)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select current_database()", connection);
            (await command.ExecuteScalarAsync()).ShouldBe(name);
        }
        await PostgresDatabases.DropAsync(server, name);

        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = @n", admin);
        exists.Parameters.AddWithValue("n", name);
        (await exists.ExecuteScalarAsync()).ShouldBe(0L);
    }

    [Fact]
    public void a_durable_cluster_is_the_default() =>
        new EmbeddedPostgresOptions().FastUnsafe.ShouldBeFalse();
}

public class when_an_embedded_cluster_restarts
{
    [Fact]
    public async Task it_comes_back_on_the_same_port_with_its_data()
    {
        await using var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "restarting", FastUnsafe = true });
        // Unpooled: pooled connections do not survive a restart (that is what the restart tests are about).
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString;
        await ExecuteAsync(connectionString, "create table kept (id int); insert into kept values (42)");
        var port = server.Port;

        server.StopServer();
        server.IsRunning.ShouldBeFalse();
        await Should.ThrowAsync<NpgsqlException>(() => ExecuteAsync(connectionString, "select 1"));

        server.StartServer();
        server.IsRunning.ShouldBeTrue();
        server.Port.ShouldBe(port);
        (await ExecuteAsync(connectionString, "select id from kept")).ShouldBe(42);

        // A crash (no shutdown checkpoint): recovery at the next start keeps committed data.
        server.Restart(immediate: true);
        (await ExecuteAsync(connectionString, "select id from kept")).ShouldBe(42);
    }

    private static async Task<object?> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}

public class when_a_previous_run_was_killed
{
    [Fact]
    public async Task the_next_start_stops_its_postmaster_and_removes_its_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        try
        {
            var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "victim", RootDirectory = root, FastUnsafe = true });
            var postmasterPid = int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First());

            // Pretend the folder belongs to a process that died without stopping its cluster.
            var stale = Path.Combine(root, $"victim-{DeadPid()}");
            Directory.Move(server.ClusterDirectory, stale);

            EmbeddedPostgres.CleanUpAbandonedClusters(root, server.BinDirectory).ShouldBe(1);

            Directory.Exists(stale).ShouldBeFalse();
            IsRunning(postmasterPid).ShouldBeFalse();
            server.Dispose();
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void folders_of_live_processes_are_left_alone()
    {
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-pg-test-{Guid.NewGuid():N}");
        var live = Path.Combine(root, $"other-{Environment.ProcessId}");
        Directory.CreateDirectory(live);
        try
        {
            EmbeddedPostgres.CleanUpAbandonedClusters(root).ShouldBe(0);
            Directory.Exists(live).ShouldBeTrue();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // A stopped postmaster may linger as a zombie until its adoptive parent reaps it.
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (!File.Exists(stat))
                return false;
            var state = File.ReadAllText(stat).Split(')').Last().Trim().Split(' ')[0];
            if (state is "Z" or "X")
                return false;
            Thread.Sleep(50);
        }
        return true;
    }

    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}

public class when_no_server_binaries_are_found
{
    [Fact]
    public void a_configured_folder_without_them_is_a_one_line_error()
    {
        var empty = Directory.CreateTempSubdirectory("no-pg-").FullName;
        try
        {
            var error = Should.Throw<PostgresBinariesNotFoundException>(() =>
                EmbeddedPostgres.FindBinDirectory(environment: name => name == EmbeddedPostgres.BinDirectoryVariable ? empty : null));

            error.Message.ShouldContain(empty);
            error.Message.ShouldNotContain('\n');
            Should.Throw<PostgresBinariesNotFoundException>(() => EmbeddedPostgres.Start(new EmbeddedPostgresOptions { BinDirectory = empty }));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void pg_ctl_on_the_path_is_followed_to_the_folder_that_also_holds_initdb()
    {
        var found = EmbeddedPostgres.FindBinDirectory(environment: name => name == "PATH" ? Environment.GetEnvironmentVariable("PATH") : null);

        File.Exists(Path.Combine(found, "initdb")).ShouldBeTrue();
        File.Exists(Path.Combine(found, "postgres")).ShouldBeTrue();
    }
}
