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

    /// <summary>
    /// A fresh master database on this cluster, for one test, listing one province database (the demo
    /// province's, named "&lt;master&gt;_340000") beside it; the master's connection string.
    /// </summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"restart_{Guid.NewGuid():N}"[..24];
        // Unpooled: a pooled admin connection from before an earlier restart would fail.
        await PostgresDatabases.CreateAsync(Unpooled(Server.ConnectionString), name);
        await PostgresDatabases.CreateAsync(Unpooled(Server.ConnectionString), $"{name}_{Province.Demo}");
        var master = Server.ConnectionStringFor(name);
        await CaseEngine.Workflow.Tenancy.ProvinceDatabases.RecordAsync(Unpooled(master), Province.Demo, Server.ConnectionStringFor($"{name}_{Province.Demo}"));
        return master;
    }

    /// <summary>The province database beside a master database made by <see cref="CreateDatabaseAsync"/>.</summary>
    public static string ProvinceOf(string master) =>
        PostgresDatabases.ForDatabase(master, $"{new NpgsqlConnectionStringBuilder(master).Database}_{Province.Demo}");

    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
