using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.Projections.Tests;

public class a_projection_rebuilt_in_a_running_host(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task keeps_following_the_log_afterwards()
    {
        await using var engine = await Engine.StartAsync(db);
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var before = (await engine.SubmitAsync()).PetitionId;
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));

        // One by one, and side by side: either way every shard follows the log afterwards.
        await ProjectionRebuilds.RebuildAsync(coordinator, ReadSideNames.Inbox, TimeSpan.FromMinutes(1));
        await ProjectionRebuilds.RebuildAsync(coordinator, [ReadSideNames.Inbox, ReadSideNames.Overdue, ReadSideNames.Statistics], TimeSpan.FromMinutes(1));
        var after = (await engine.SubmitAsync()).PetitionId;
        // Before the fix the rebuilt shards stayed stopped and this timed out.
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));

        (await InboxRowsAsync(engine.Store, before)).ShouldBe(1);
        (await InboxRowsAsync(engine.Store, after)).ShouldBe(1);
    }

    private static async Task<long> InboxRowsAsync(IDocumentStore store, Guid petitionId)
    {
        await using var session = store.QuerySession(Province.Demo);
        var conn = (NpgsqlConnection)session.Connection!;
        await using var cmd = new NpgsqlCommand(
            $"select count(*) from {ReadSideSchema.Qualified(store.Options.DatabaseSchemaName, ReadSideSchema.InboxTable)} where petition_id = @p", conn);
        cmd.Parameters.AddWithValue("p", petitionId);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
