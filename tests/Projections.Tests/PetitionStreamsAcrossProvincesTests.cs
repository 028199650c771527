using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// One instance of the inbox (and overdue) projection applies the pages of every province database's
/// daemon on the node. Its gate and its last page's ceiling were the instance's: a page of one province
/// waiting on its database held up the pages of every other province, and the ceilings of different
/// logs were compared. Found by the federation bench (issue 19): over 31 databases the inbox and overdue
/// of Anhui stopped for over a minute while statistics went on.
/// </summary>
public class the_inbox_of_one_province_does_not_wait_for_another(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    [Fact]
    public async Task a_page_of_a_province_whose_database_hangs_holds_up_no_other_provinces_page()
    {
        await using var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules());
        var anhui = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
        var jiangsu = await engine.SubmitAsync(Samples.Complaint(entryRegion: "320102"));
        var anhuiEvents = await EventsAsync(engine.Store, Province.Anhui, anhui.PetitionId);
        var jiangsuEvents = await EventsAsync(engine.Store, Province.Jiangsu, jiangsu.PetitionId);
        var projection = new PetitionStreamsProjection(new InboxRows());

        // Anhui's database hangs for this projection's read of the page's streams (a lock held elsewhere).
        await using var holder = new NpgsqlConnection(db.ProvinceConnectionStringOf(Province.Anhui));
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("lock table caseengine.mt_events in access exclusive mode", holder, hold))
            await take.ExecuteNonQueryAsync();
        await using var anhuiPage = engine.Store.LightweightSession(Province.Anhui);
        await using var jiangsuPage = engine.Store.LightweightSession(Province.Jiangsu);
        var waiting = projection.ApplyAsync(anhuiPage, anhuiEvents, CancellationToken.None);
        await Poll.UntilAsync(async () => await WaitingOnLocksAsync(db.ProvinceConnectionStringOf(Province.Anhui)) > 0 ? "" : null, TimeSpan.FromSeconds(30));

        // Jiangsu's page is applied meanwhile: its rows are queued in its batch.
        await projection.ApplyAsync(jiangsuPage, jiangsuEvents, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        waiting.IsCompleted.ShouldBeFalse($"Anhui's page still waits on its database ({waiting.Exception?.InnerException})");
        jiangsuPage.PendingChanges.Operations().Count().ShouldBeGreaterThan(1, "the claim and the inbox rows");

        await hold.RollbackAsync();
        await hold.DisposeAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        anhuiPage.PendingChanges.Operations().Count().ShouldBeGreaterThan(1);
    }

    private static async Task<IReadOnlyList<IEvent>> EventsAsync(IDocumentStore store, string province, Guid petition)
    {
        await using var session = store.QuerySession(province);
        return await session.Events.QueryAllRawEvents().Where(e => e.StreamId == petition).OrderBy(e => e.Sequence).ToListAsync();
    }

    private static async Task<long> WaitingOnLocksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_locks where not granted and database = (select oid from pg_database where datname = current_database())", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
