using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.Statistics;
using CaseEngine.Testing;
using Marten;
using Marten.Events;
using Npgsql;

namespace CaseEngine.Projections.Tests;

public class an_inbox_written_before_its_counts_existed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task is_counted_once_at_the_next_start()
    {
        var clock = new FakeClock(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8)));
        await using (var engine = await Engine.StartAsync(db, clock))
        {
            for (var i = 0; i < 3; i++)
                await engine.SubmitAsync();
            await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));
            // As a version without ce_inbox_count left the database: inbox rows and no counts.
            await ExecuteAsync(engine.Store, $"delete from {Counts(engine.Store)}");
            (await TableDump.InboxCountsAsync(engine.Store)).ShouldBeEmpty();
        }

        await using var restarted = await Engine.StartAsync(db, clock);
        var recount = (await TableDump.InboxAsync(restarted.Store)).GroupBy(r => r.Split('|')[2])
            .Select(g => $"{g.Key}|{g.Count()}").Order(StringComparer.Ordinal).ToList();
        recount.ShouldNotBeEmpty();
        (await TableDump.InboxCountsAsync(restarted.Store)).Order(StringComparer.Ordinal).ShouldBe(recount);

        // Once counted, the projection keeps them: a second seeding changes nothing, and new items count.
        (await InboxCounts.SeedAsync(restarted.Store, await restarted.Store.Storage.FindOrCreateDatabase(Province.Demo))).ShouldBeFalse();
        var office = recount[0].Split('|')[0];
        await using var session = restarted.Store.QuerySession(Province.Demo);
        var before = (await InboxQueries.PageAsync(session, office, null, InboxOrder.DueAtAsc, 1, null, clock.GetUtcNow())).TotalCount;
        before.ShouldBe(int.Parse(recount[0].Split('|')[1], System.Globalization.CultureInfo.InvariantCulture));
        await restarted.SubmitAsync();
        await restarted.Store.SettleAsync(TimeSpan.FromSeconds(30));
        (await InboxQueries.PageAsync(session, office, null, InboxOrder.DueAtAsc, 1, null, clock.GetUtcNow())).TotalCount.ShouldBe(before + 1);
    }

    private static string Counts(IDocumentStore store) => ReadSideSchema.Qualified(store.Options.DatabaseSchemaName, ReadSideSchema.InboxCountTable);

    private static async Task ExecuteAsync(IDocumentStore store, string sql)
    {
        await using var connection = (await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
