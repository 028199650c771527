using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// CaseEngine's own tables in the master database (the submissions' claims, the national log and its relay's
/// progress) are reached through one pool (<see cref="MasterDataSource"/>), named on the server. The claims and
/// the national log each built a pool of their own from the master's connection string, so a node could open
/// its `Maximum Pool Size` once more for each (121 connections to a master whose pool is 100 under T9 over 31
/// databases); docs/operations.md, Connections, budgets by the pools a node opens there.
/// </summary>
public class when_a_node_connects_to_the_master_database(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Probe = "test-probe";

    [Fact]
    public async Task its_own_tables_there_are_reached_through_one_named_pool()
    {
        // The fixture's own set-up connections, idle in this process's pools, are not the node's.
        NpgsqlConnection.ClearAllPools();
        await using var api = await ApiHost.StartAsync(db);
        // Work on each of CaseEngine's own master tables: a submission claims its command id; the national
        // log is read (its end) and relayed to.
        await api.SubmitAsync();
        var national = api.Services.GetRequiredService<NationalLog>();
        await Poll.UntilAsync(async () => await national.EndAsync(default) > 0 ? "" : null, TimeSpan.FromSeconds(60));

        // Every session whose last statement was on CaseEngine's own tables came from the one pool.
        var sessions = await SessionsOnTheMasterAsync();
        var ours = sessions.Where(s => OwnTables.Any(t => s.Query.Contains(t, StringComparison.Ordinal))).ToList();
        ours.ShouldNotBeEmpty();
        ours.ShouldAllBe(s => s.ApplicationName == MasterDataSource.ApplicationName);
    }

    private static readonly string[] OwnTables = ["submission_claims", "national_log", "national_relay"];

    /// <summary>The master database's client sessions (their application name and last statement), this probe's own left out.</summary>
    private async Task<List<(string ApplicationName, string Query)>> SessionsOnTheMasterAsync()
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = Probe, Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "select application_name, query from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()", conn);
        var sessions = new List<(string, string)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            sessions.Add((reader.GetString(0), reader.GetString(1)));
        return sessions;
    }
}
