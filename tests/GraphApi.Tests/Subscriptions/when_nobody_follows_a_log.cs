using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// A log nobody on the node follows is polled only every <c>GraphQL:Subscriptions:IdlePollMilliseconds</c>
/// (31 province databases polled every 150 ms cost PostgreSQL a sixth of a core on an idle server); the
/// subscriber who joins it must not wait out that interval for its live events.
/// </summary>
public class when_nobody_follows_a_log(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_subscriber_joining_an_idle_tail_wakes_it_and_gets_its_live_events_at_once()
    {
        // Ten minutes idle: without the wake-up on join, the live event below would wait that long.
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:Subscriptions:IdlePollMilliseconds"] = "600000",
        });
        var live = api.Services.GetRequiredService<LiveEvents>();
        await Poll.UntilAsync(() => Task.FromResult(live.PositionOf(Province.Demo) >= 0 ? "" : null), TimeSpan.FromSeconds(30));
        // Committed while nobody follows the province's log: replayed to the subscriber from the log.
        var (before, _, _) = await api.SubmitAsync();

        var auditor = new Caller(new Actor("auditor-1", Role.Auditor, null), Anonymous: false);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = live.FollowAsync(new FeedQuery(After: 0, First: 100, PetitionId: null, DepartmentId: "340000-PO", IncludeSubordinates: true), auditor, cancel.Token)
            .GetAsyncEnumerator(cancel.Token);
        var seen = new List<EventNode>();
        while (!seen.Any(e => e.Event.PetitionId == before))
        {
            (await events.MoveNextAsync()).ShouldBeTrue();
            seen.Add(events.Current);
        }

        // Live: the tail was woken by the join and polls every 150 ms while someone follows it.
        var (after, _, _) = await api.SubmitAsync();
        while (!seen.Any(e => e.Event.PetitionId == after))
        {
            (await events.MoveNextAsync()).ShouldBeTrue();
            seen.Add(events.Current);
        }
        cancel.IsCancellationRequested.ShouldBeFalse();
        seen.Select(e => e.Event.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        seen.Select(e => e.Event.Sequence).Distinct().Count().ShouldBe(seen.Count);
    }
}
