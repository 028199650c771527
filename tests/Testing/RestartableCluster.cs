using CaseEngine.Workflow.Hosting;
using Npgsql;
using Xunit;

namespace CaseEngine.Testing;

/// <summary>
/// A PostgreSQL cluster of its own for the restart tests: the process-wide test cluster is shared by
/// every test class running at the same time, so it must never be stopped. Durable settings, unlike
/// the test cluster: with synchronous_commit off a crash loses the last acknowledged commits, which a
/// production server with durable commits does not, and the tests here are about what such a server does.
/// </summary>
public sealed class RestartableCluster : IAsyncLifetime
{
    public EmbeddedPostgres Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "restart", FastUnsafe = false });

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Server is not null)
            await Server.DisposeAsync();
    }

    /// <summary>A fresh database on this cluster, for one test.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"restart_{Guid.NewGuid():N}"[..24];
        // Unpooled: a pooled admin connection from before an earlier restart would fail.
        await PostgresDatabases.CreateAsync(Unpooled(Server.ConnectionString), name);
        return Server.ConnectionStringFor(name);
    }

    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
