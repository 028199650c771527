using CaseEngine.Workflow.Hosting;

namespace CaseEngine.Testing;

/// <summary>
/// The PostgreSQL server of this test process: env <c>ConnectionStrings__Marten</c> when set,
/// else one embedded cluster (FastUnsafe) started on first use and stopped at process exit.
/// Each test process (dotnet test runs one per test project, in parallel) has its own cluster.
/// </summary>
public static class PostgresServer
{
    public const string ConnectionStringVariable = "ConnectionStrings__Marten";

    private static readonly Lazy<Task<string>> s_server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The embedded cluster, or null when an external server is configured (or before first use).</summary>
    public static EmbeddedPostgres? Embedded { get; private set; }

    /// <summary>Connection string to the server's <c>postgres</c> database, as a superuser (it creates databases).</summary>
    public static Task<string> GetConnectionStringAsync() => s_server.Value;

    private static async Task<string> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return external;
        // Never disposed here: EmbeddedPostgres stops itself at process exit (or its watchdog does).
        Embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "tests", FastUnsafe = true });
        return Embedded.ConnectionString;
    }
}
