using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.DuplicateDetection;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// Issue 19's three-province stall: after a node kill and a PostgreSQL crash, three shards of one
/// province database stood 300 events behind for minutes while their read models were current.
/// Around a handover two nodes run a shard for a few seconds; when the one that stays had lost a
/// page to the other, the stored progress is no longer where its next page starts. Marten moves the
/// row only with <c>update … where last_seq_id = &lt;the page's floor&gt;</c> (9.58 logs a miss and
/// commits the page), and the agent keeps its own position in memory, so the row never moves again
/// until that agent is restarted: the lag, the health check, the convergence of a fault run and the
/// next node to take the shard all read a row that has stopped. Here the row is moved under a
/// running agent, as the other node's committed page leaves it, and must follow the agent again.
/// </summary>
public class a_progress_row_moved_under_a_running_shard(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromMinutes(3);

    /// <summary>Every shard whose pages claim a mark: the async read models and duplicate detection.</summary>
    private static readonly string[] Shards =
        [.. ReadSideNames.Async.Select(AppliedSequence.Shard), AppliedSequence.Shard(DuplicateDetectionSubscription.SubscriptionName)];

    [Fact]
    public async Task follows_the_shard_again_and_the_read_models_equal_a_rebuild()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.DuplicateDetection = true);
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        await using (var session = engine.Store.LightweightSession(Province.Demo))
        {
            session.Events.StartStream(Guid.NewGuid(), new NotAPetitionEvent("progress rows"));
            await session.SaveChangesAsync();
        }
        await engine.Store.SettleAsync(CatchUp);
        // The node's own agents, as the node that keeps the shards after a handover.
        var daemon = await coordinator.DaemonForDatabase(Province.Demo);
        var start = await two_daemons_running_the_same_shards_at_once.HeadAsync(engine.Store);
        foreach (var shard in Shards)
            await daemon.Tracker.WaitForShardState(shard, start, CatchUp);

        // The other node's last page went one event further than this agent's position before it died.
        var moved = await ExecuteAsync(engine.Store,
            $"update {{0}}.mt_event_progression set last_seq_id = last_seq_id + 1 where name = any(@names)");
        moved.ShouldBe(Shards.Length, "every shard has a progress row to move");

        var report = await new Workload(engine, petitions: 30, seed: 19, ticks: 10).RunAsync();
        var head = await two_daemons_running_the_same_shards_at_once.HeadAsync(engine.Store);
        output.WriteLine($"workload: {report.Commands} commands, {report.Events} events; head {start} → {head}");
        head.ShouldBeGreaterThan(start + 1);
        foreach (var shard in Shards)
            await daemon.Tracker.WaitForShardState(shard, head, CatchUp);

        // The agents are at the head in memory; their stored progress must be there too.
        var rows = await ProgressAsync(engine.Store);
        output.WriteLine(string.Join(", ", rows.Select(r => $"{r.Key} {r.Value}")));
        foreach (var shard in Shards)
            rows[shard].ShouldBeGreaterThanOrEqualTo(head, $"{shard}'s stored progress follows its agent again");

        var live = await TableDump.AllAsync(engine.Store);
        live.Statistics.Count.ShouldBeGreaterThan(0);
        foreach (var name in ReadSideNames.Async)
            await ProjectionRebuilds.RebuildAsync(coordinator, name, CatchUp);
        await engine.Store.SettleAsync(CatchUp);
        live.ShouldEqual(await TableDump.AllAsync(engine.Store), "the pages applied beside a moved progress row leave what one rebuild leaves");
    }

    private static async Task<int> ExecuteAsync(IDocumentStore store, string sql)
    {
        await using var connection = (NpgsqlConnection)(await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, store.Options.Events.DatabaseSchemaName), connection);
        command.Parameters.AddWithValue("names", Shards);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<Dictionary<string, long>> ProgressAsync(IDocumentStore store)
    {
        await using var connection = (NpgsqlConnection)(await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select name, last_seq_id from {store.Options.Events.DatabaseSchemaName}.mt_event_progression", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            rows[reader.GetString(0)] = reader.GetInt64(1);
        return rows;
    }
}
