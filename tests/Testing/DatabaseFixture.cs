using CaseEngine.Workflow.Hosting;
using Xunit;

namespace CaseEngine.Testing;

/// <summary>A fresh database for one test class (<c>IClassFixture&lt;DatabaseFixture&gt;</c>), dropped afterwards.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    private string _server = "";

    public string DatabaseName { get; } = $"caseengine_{Guid.NewGuid():N}"[..27];

    /// <summary>Connection string to this fixture's own database.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetConnectionStringAsync();
        await PostgresDatabases.CreateAsync(_server, DatabaseName);
        ConnectionString = PostgresDatabases.ForDatabase(_server, DatabaseName);
    }

    public async Task DisposeAsync()
    {
        if (ConnectionString.Length > 0)
            await PostgresDatabases.DropAsync(_server, DatabaseName);
    }
}
