using System.Diagnostics;
using CaseEngine.Projections.Inbox;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// With a database per province, a commit wakes the daemon of its own province's database. Found by the
/// federation bench (issue 19): one wake-up shared by every database's high-water agent woke one of them
/// per NOTIFY, rarely the right one, so a province's read side waited for its poll (commit → inbox p50
/// 0.7 s over 31 databases against 38 ms over one).
/// </summary>
public class the_daemon_of_each_province_is_woken_after_its_commits(ThreeProvinces db, ITestOutputHelper output) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Polling = TimeSpan.FromSeconds(30);

    private static readonly (string Province, string Region, string Office)[] Provinces =
    [
        (Province.Anhui, "340102", "340102-PO"), (Province.Jiangsu, "320102", "320102-PO"), (Province.Zhejiang, "330102", "330102-PO"),
    ];

    [Fact]
    public async Task a_petition_in_any_province_reaches_its_inbox_long_before_the_next_poll()
    {
        // Polling every 30 s: only a wake-up of the right database's daemon brings a petition to its inbox within seconds.
        await using var engine = await Engine.StartAsync(db, configure: o =>
        {
            o.RuleBook = NationalDirectory.Rules();
            o.ConfigureMarten = opts =>
            {
                opts.Projections.SlowPollingTime = Polling;
                opts.Projections.FastPollingTime = Polling;
            };
        });
        // Every database's daemon has started (agents placed, first poll) before the test counts.
        foreach (var (_, region, _) in Provinces)
            await engine.SubmitAsync(Samples.Complaint(entryRegion: region));
        await engine.Store.SettleAsync(Polling * 2);
        // Each database's high-water agent waits for its own database's wake-ups (it was started knowing it).
        var wakeup = engine.Host.Services.GetRequiredService<CaseEngine.Workflow.Configuration.DaemonWakeup>();
        var store = engine.Store;
        var keys = new List<string>();
        foreach (var (province, _, _) in Provinces)
            keys.Add(CaseEngine.Workflow.Hosting.ReadSideDistribution.DatabaseKey(await store.Storage.FindOrCreateDatabase(province)));
        await Poll.UntilAsync(() => Task.FromResult(keys.All(wakeup.DatabasesWaiting().Contains) ? "" : null), TimeSpan.FromSeconds(30));

        // Not in turn: woken one at a time in the order they wait, the agents of databases submitted to in
        // turn would each be woken by the NOTIFY meant for them by chance.
        foreach (var (province, region, office) in new[] { 0, 0, 0, 1, 2, 2, 1, 0 }.Select(i => Provinces[i]))
        {
            {
                var watch = Stopwatch.StartNew();
                var submitted = await engine.SubmitAsync(Samples.Complaint(entryRegion: region));
                while (!(await InboxAsync(engine, province, office)).Contains(submitted.PetitionId))
                {
                    watch.Elapsed.ShouldBeLessThan(Polling / 3, $"{province}'s daemon was not woken by the commit");
                    await Task.Delay(20);
                }
                output.WriteLine($"{province}: in the inbox {watch.ElapsedMilliseconds} ms after the command was sent");
            }
        }
    }

    private static async Task<List<Guid>> InboxAsync(Engine engine, string province, string office)
    {
        await using var session = engine.Store.QuerySession(province);
        var page = await InboxQueries.PageAsync(session, office, null, InboxOrder.DueAtAsc, 50, null, engine.Clock.GetUtcNow());
        return [.. page.Edges.Select(e => e.Node.PetitionId)];
    }
}
