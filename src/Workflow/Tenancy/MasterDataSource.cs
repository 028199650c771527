using CaseEngine.Workflow.Configuration;
using Npgsql;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// The one connection pool of CaseEngine's own tables in the master database: the submissions' claims
/// (<see cref="SubmissionClaims"/>) and the national log with its relay's progress. Each used to build a pool of its
/// own from the master's connection string, so a node could open that string's <c>Maximum Pool Size</c> once
/// more for each (T9 over 31 databases: 121 connections to a master whose pool is 100; docs/operations.md,
/// Connections). Its sessions are named <see cref="ApplicationName"/>, so they can be told apart on the server.
/// </summary>
public sealed class MasterDataSource(CaseEngineDatabase database) : IAsyncDisposable
{
    public const string ApplicationName = "caseengine-master";

    public NpgsqlDataSource Source { get; } = Build(database.ConnectionString);

    private static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { ApplicationName = ApplicationName } };
        // The claims' insert and the relay's statements repeat like Marten's: prepared as on every database (StatementPreparation).
        StatementPreparation.Configure(builder);
        return builder.Build();
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
