using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Projections.Inbox;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// The daemon is woken after each commit that appended events, by a NOTIFY sent from the wake-up's own
/// connection: never from inside the command's transaction, where PostgreSQL's cluster-wide notify lock
/// would be held until that transaction's flush and serialise every appending commit.
/// </summary>
public class the_daemon_is_woken_after_each_commit(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task a_petition_reaches_the_inbox_long_before_the_next_poll_and_the_command_carries_no_notify()
    {
        // Polling every 30 s: only a wake-up brings a petition to the inbox within a few seconds.
        await using var engine = await Engine.StartAsync(db, configure: o => o.ConfigureMarten = opts =>
        {
            opts.Projections.SlowPollingTime = Poll;
            opts.Projections.FastPollingTime = Poll;
        });
        // The daemon starts (HotCold election, first poll) before this test counts.
        await engine.SubmitAsync();
        await engine.Store.SettleAsync(Poll * 2);
        // The commands write in the province's database; the wake-up notifies on the master database, where the wake-up listens for the daemons.
        var databases = new[] { db.ProvinceConnectionString, db.ConnectionString }.Select(c => new Npgsql.NpgsqlConnectionStringBuilder(c).Database).ToHashSet();
        var statements = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                // Npgsql names an activity after its database: other classes' hosts run in this process too.
                if (activity.DisplayName is { } name && databases.Contains(name))
                    statements.Add((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? "");
            },
        };
        ActivitySource.AddActivityListener(listener);

        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            var submitted = await engine.SubmitAsync();
            while (!(await InboxAsync(engine)).Contains(submitted.PetitionId))
            {
                watch.Elapsed.ShouldBeLessThan(Poll / 3, "the daemon was not woken by the commit");
                await Task.Delay(20);
            }
            output.WriteLine($"petition {i + 1} in the inbox {watch.ElapsedMilliseconds} ms after its command was sent");
        }

        var appends = statements.Where(s => s.Contains("mt_quick_append_events", StringComparison.Ordinal)).ToList();
        appends.Count.ShouldBeGreaterThanOrEqualTo(3);
        appends.ShouldAllBe(s => !s.Contains("pg_notify", StringComparison.Ordinal), "no NOTIFY inside a command's transaction");
        statements.ShouldContain(s => s.Contains("pg_notify", StringComparison.Ordinal), "the wake-up's own NOTIFY");
    }

    private static async Task<List<Guid>> InboxAsync(Engine engine)
    {
        await using var session = engine.Store.QuerySession(Province.Demo);
        var page = await InboxQueries.PageAsync(session, "340101-PO", null, InboxOrder.DueAtAsc, 50, null, engine.Clock.GetUtcNow());
        return [.. page.Edges.Select(e => e.Node.PetitionId)];
    }
}
