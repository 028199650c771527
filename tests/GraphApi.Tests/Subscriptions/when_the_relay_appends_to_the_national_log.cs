using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// The national log is written by the relay, not by Marten's appends, so no commit notification names it:
/// its tail on every node polled it every 150 ms while anyone followed it, and its followers waited for that
/// poll after the relay's (T9 over the federation: unfiltered integrators p99 353 ms against 86 ms for the
/// filtered ones, bench/results). The relay now announces each append on the wake-up channel and the tail
/// polls when it hears it; its own interval is only the fallback for a lost notification.
/// </summary>
public class when_the_relay_appends_to_the_national_log(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task an_unfiltered_follower_gets_the_event_when_the_relay_announces_it_not_at_the_next_poll()
    {
        // Ten minutes between the national tail's own polls: without the relay's announcement, the event below
        // would reach the follower only after them (the test's 60 s would run out first).
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:Subscriptions:IdlePollMilliseconds"] = "600000",
        });
        var live = api.Services.GetRequiredService<LiveEvents>();
        var feed = api.Services.GetRequiredService<EventFeed>();
        var wakeup = api.Services.GetRequiredService<DaemonWakeup>();
        await Poll.UntilAsync(() => Task.FromResult(live.PositionOf(NationalLog.Key) >= 0 ? "" : null), TimeSpan.FromSeconds(30));

        var integrator = new Caller(new Actor("integrator-1", Role.Integrator, null), Anonymous: false);
        var query = new FeedQuery(After: 0, First: 100, PetitionId: null, DepartmentId: null);
        (await feed.LogOfAsync(query, integrator)).ShouldBe(NationalLog.Key);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var end = await feed.SafeSequenceAsync(NationalLog.Key, cancel.Token);
        await using var events = live.FollowAsync(query with { After = end }, integrator, cancel.Token).GetAsyncEnumerator(cancel.Token);
        // Joined: its first MoveNext replays nothing (after = the end) and joins the tail, which polls once at the join.
        var next = events.MoveNextAsync().AsTask();
        await Poll.UntilAsync(() => Task.FromResult(live.LiveCount >= 1 ? "" : null), TimeSpan.FromSeconds(30));
        var announced = wakeup.NotificationsFor(NationalLog.WakeKey);

        var (petition, _, _) = await api.SubmitAsync();
        var seen = new List<EventNode>();
        while (true)
        {
            (await next).ShouldBeTrue();
            seen.Add(events.Current);
            if (events.Current.Event.PetitionId == petition)
                break;
            next = events.MoveNextAsync().AsTask();
        }

        cancel.IsCancellationRequested.ShouldBeFalse();
        wakeup.NotificationsFor(NationalLog.WakeKey).ShouldBeGreaterThan(announced);
        // Numbered by the national log, after where the follower started, in order, each once.
        seen.Select(e => e.Event.Sequence).ShouldAllBe(s => s > end);
        seen.Select(e => e.Event.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        seen.Select(e => e.Event.Sequence).Distinct().Count().ShouldBe(seen.Count);
    }
}
