using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>A subscriber that stops reading is cut off with a clear reason instead of growing memory.</summary>
public class when_a_subscriber_falls_behind(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task it_gets_what_its_buffer_held_then_a_slow_consumer_error_naming_the_remedy()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:Subscriptions:SubscriberBuffer"] = "2",
        });
        var live = api.Services.GetRequiredService<LiveEvents>();
        var auditor = new Caller(new Actor("auditor-1", Role.Auditor, null), Anonymous: false);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The auditor (national scope) follows the national log.
        await using var events = live.FollowAsync(new FeedQuery(After: live.PositionOf(NationalLog.Key), First: 100, null, null), auditor, cancel.Token)
            .GetAsyncEnumerator(cancel.Token);

        // The subscriber joins the live tail and takes the first event, then stops reading.
        var first = events.MoveNextAsync();
        await api.SubmitAsync();
        (await first).ShouldBeTrue();
        for (var i = 0; i < 4; i++)
            await api.SubmitAsync();
        var last = await LastSequenceAsync(api);
        var national = api.Services.GetRequiredService<NationalLog>();
        while (await national.RelayedToAsync(Province.Demo, cancel.Token) < last)
        {
            cancel.Token.ThrowIfCancellationRequested();
            await Task.Delay(20, cancel.Token);
        }
        var end = await national.EndAsync(cancel.Token);
        while (live.PositionOf(NationalLog.Key) < end)
        {
            cancel.Token.ThrowIfCancellationRequested();
            await Task.Delay(20, cancel.Token);
        }

        // The two events its buffer held arrive, then the stream ends with the reason and the remedy.
        (await events.MoveNextAsync()).ShouldBeTrue();
        (await events.MoveNextAsync()).ShouldBeTrue();
        var error = await Should.ThrowAsync<SlowConsumerException>(async () => await events.MoveNextAsync());
        error.Message.ShouldContain("slow consumer");
        error.Message.ShouldContain("after");
        live.LiveCount.ShouldBe(0);
    }

    private static async Task<long> LastSequenceAsync(ApiHost api)
    {
        await using var session = api.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession(Province.Demo);
        return await Marten.QueryableExtensions.MaxAsync(session.Events.QueryAllRawEvents(), e => e.Sequence);
    }
}
