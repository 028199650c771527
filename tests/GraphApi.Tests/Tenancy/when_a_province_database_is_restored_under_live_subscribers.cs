using System.Text.Json;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19, the feed's contract under a fault: a province database restored to an earlier point (a backup, or
/// an asynchronous standby promoted without its last commits) while subscribers follow its log live. The node's
/// tail stands past the restored end, and the numbers it passed are handed out again to new events: it must not
/// skip them in silence while its subscribers hold events the log no longer has. A real restore while the node
/// runs: the database is copied (CREATE DATABASE … TEMPLATE) and put back. A fixture of its own: the restore
/// leaves its province's relay halted on events lost for good.
/// </summary>
public class when_a_province_database_is_restored_under_live_subscribers(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const string Subscription =
        "subscription($department: ID!, $after: Long) { petitionEvents(filter: { departmentId: $department }, after: $after) { sequence petitionId } }";

    [Fact]
    public async Task they_are_ended_with_LOG_RESTORED_and_resume_from_where_the_log_still_holds_what_they_were_sent()
    {
        // A backup after one petition of Jiangsu.
        var (jiangsu, backup, backedUp) = await BackUpAsync(Province.Jiangsu, "320102");
        try
        {

            var logs = new LogCapture();
            await using var api = await ApiHost.StartAsync(db, services: s =>
            {
                National(s);
                s.AddSingleton<ILoggerProvider>(logs);
            });
            await using var ws = await WsSession.ConnectAsync(api);
            await ws.InitAsync(api.Auditor());
            await SubscribeAsync(ws, "1", "320102-PO", backedUp);

            // A second petition reaches the subscriber live.
            var (lost, _, _) = await api.SubmitAsync(region: "320102");
            var sent = await NationalFeed.FirstOfAsync(ws, "1", lost, Bound);
            sent.ShouldBeGreaterThan(backedUp);

            // The database is restored to the backup while the node runs: the second petition is gone, and a
            // petition submitted now may take its numbers.
            await PostgresDatabases.DropAsync(db.ConnectionString, jiangsu);
            await NationalFeed.CopyDatabaseAsync(db, backup, jiangsu);
            (await NationalFeed.ProvinceEndAsync(db, Province.Jiangsu)).ShouldBe(backedUp);
            var (after, _, _) = await SubmitThroughAsync(api, "320102");

            // The subscription is ended with LOG_RESTORED, naming where to resume: before the first event it was
            // sent that the log no longer holds. It is not sent the new petition as if nothing had happened.
            // Bounded as a whole: the server's pings would keep a read waiting for anything else alive.
            // Every event after the backup was lost: the subscriber resumes right after it.
            await NationalFeed.EndedWithLogRestoredAsync(ws, "1", backedUp, Bound);
            // Logged as the subscriptions are ended: it may follow their error messages by a moment.
        await logs.WaitForAsync(l => l.StartsWith($"{LogLevel.Warning} {typeof(LiveEvents).FullName} ", StringComparison.Ordinal)
                && l.Contains($"Province {Province.Jiangsu}'s log no longer holds event ", StringComparison.Ordinal)
                && l.Contains("sent to live subscribers on this node", StringComparison.Ordinal), Bound);

            // Subscribed again from there, it is sent the new petition: nothing committed since the restore is skipped.
            await SubscribeAsync(ws, "2", "320102-PO", backedUp);
            await NationalFeed.FirstOfAsync(ws, "2", after, Bound);

            // The sequence was moved past everything the tail had sent: what commits next takes a new number.
            var (next, _, _) = await api.SubmitAsync(region: "320102");
            (await NationalFeed.FirstSequenceOfAsync(db, next, Province.Jiangsu)).ShouldBeGreaterThan(sent);
            await NationalFeed.FirstOfAsync(ws, "2", next, Bound);
        }
        finally
        {
            await PostgresDatabases.DropAsync(db.ConnectionString, backup);
        }
    }

    [Fact]
    public async Task one_that_joined_at_the_end_and_was_sent_nothing_yet_is_ended_too()
    {
        // The subscriber joins at the log's end: nothing is replayed to it, and nothing commits before the
        // restore. The tail has sent it nothing, so only what lies before its cursor can tell it that the log was
        // set back behind it. Without that it is never told: the petition submitted after the restore takes a
        // number at or before its cursor and is never sent, or (when the relay moved the sequence first) is sent
        // as if the log still held the events before the cursor.
        var (zhejiang, backup, backedUp) = await BackUpAsync(Province.Zhejiang, "330102");
        try
        {

            await using var api = await ApiHost.StartAsync(db, services: National);
            await api.SubmitAsync(region: "330102");
            var end = await NationalFeed.ProvinceEndAsync(db, Province.Zhejiang);
            end.ShouldBeGreaterThan(backedUp);
            // The node's tail has moved past the petition without reading it (nobody followed the log): the
            // subscriber joins there, with nothing to replay and nothing the tail read for it.
            var live = api.Services.GetRequiredService<LiveEvents>();
            await Poll.UntilAsync(() => Task.FromResult(live.PositionOf(Province.Zhejiang) >= end ? new[] { true } : null), Bound);
            await using var ws = await WsSession.ConnectAsync(api);
            await ws.InitAsync(api.Auditor());
            await SubscribeAsync(ws, "1", "330102-PO", end);
            await Poll.UntilAsync(() => Task.FromResult(live.LiveCount == 1 ? new[] { true } : null), Bound);

            await PostgresDatabases.DropAsync(db.ConnectionString, zhejiang);
            await NationalFeed.CopyDatabaseAsync(db, backup, zhejiang);
            var (after, _, _) = await SubmitThroughAsync(api, "330102");

            await NationalFeed.EndedWithLogRestoredAsync(ws, "1", backedUp, Bound);
            await SubscribeAsync(ws, "2", "330102-PO", backedUp);
            await NationalFeed.FirstOfAsync(ws, "2", after, Bound);
        }
        finally
        {
            await PostgresDatabases.DropAsync(db.ConnectionString, backup);
        }
    }

    /// <summary>
    /// A backup of <paramref name="province"/>'s database (a copy, taken with no node running) after one petition
    /// submitted at <paramref name="region"/>: the database's name, the backup's, and the last event it holds.
    /// </summary>
    private async Task<(string Database, string Backup, long BackedUp)> BackUpAsync(string province, string region)
    {
        var database = new NpgsqlConnectionStringBuilder(db.ProvinceConnectionStringOf(province)).Database!;
        await using (var first = await ApiHost.StartAsync(db, services: National))
            await first.SubmitAsync(region: region);
        await NationalFeed.CopyDatabaseAsync(db, database, $"{database}_backup");
        return (database, $"{database}_backup", await NationalFeed.ProvinceEndAsync(db, province));
    }

    private static void National(IServiceCollection s) => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules()));

    private static Task SubscribeAsync(WsSession ws, string id, string department, long after) =>
        ws.SendAsync(new { id, type = "subscribe", payload = new { query = Subscription, variables = new { department, after } } });

    /// <summary>A petition at <paramref name="region"/> submitted once the node's connections to the replaced database are renewed (UNAVAILABLE until then).</summary>
    private static async Task<(Guid Id, string CaseNumber, string AccessCode)> SubmitThroughAsync(ApiHost api, string region) =>
        (await Poll.UntilAsync(async () =>
        {
            try
            {
                return new[] { await api.SubmitAsync(region: region) };
            }
            catch (ShouldAssertException)
            {
                return null;
            }
        }, Bound))[0];
}
