using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// The reference graphql-transport-ws client (npm graphql-ws over ws) against the real server on a
/// loopback port: replay then live, resume without gap or duplicate, refusals, and two nodes on one database.
/// </summary>
[RunsLong]
public class when_graphql_ws_clients_follow_the_log(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly string Auditor = RemoteApi.Token(Role.Auditor, "auditor-1");

    [Fact]
    public async Task stored_events_come_first_in_feed_order_then_live_ones_and_a_resumed_client_gets_exactly_what_it_missed()
    {
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        using var api = new RemoteApi(server.GraphQLUri);
        for (var i = 0; i < 3; i++)
            await api.ForwardAsync(await api.SubmitAsync());
        var stored = await api.FeedAsync(Auditor);
        stored.Count.ShouldBeGreaterThanOrEqualTo(6);

        long last;
        await using (var first = await NodeSubscriber.StartAsync(server.GraphQLUri, Auditor, after: 0))
        {
            (await first.EventsAsync(stored.Count)).Select(e => e.GetProperty("sequence").GetInt64()).ShouldBe(stored);

            // Live: each mutation's events arrive while the client stays connected.
            var latencies = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var id = await api.SubmitAsync();
                var committed = Stopwatch.GetTimestamp();
                var e = (await first.EventsAsync(1)).Single();
                latencies.Add(Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
                e.GetProperty("petitionId").GetString().ShouldBe(id.ToString());
                e.GetProperty("type").GetString().ShouldBe("PetitionSubmitted");
                e.GetProperty("data").GetProperty("petitioner").GetProperty("name").GetString().ShouldBe("张*");
            }
            output.WriteLine($"delivery after the mutation's response: {string.Join(", ", latencies.Select(l => $"{l:0} ms"))}");
            latencies.Max().ShouldBeLessThan(1000);
            var all = await api.FeedAsync(Auditor);
            all.Count.ShouldBe(stored.Count + 3);
            last = all[^1];
        }

        // Missed while disconnected, then resumed with after: <last>.
        var missedIds = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var id = await api.SubmitAsync();
            await api.ForwardAsync(id);
            missedIds.Add(id);
        }
        var missed = (await api.FeedAsync(Auditor)).Where(s => s > last).ToList();
        missed.Count.ShouldBe(4);
        await using var resumed = await NodeSubscriber.StartAsync(server.GraphQLUri, Auditor, after: last);
        (await resumed.EventsAsync(4)).Select(e => e.GetProperty("sequence").GetInt64()).ShouldBe(missed);
        var live = await api.SubmitAsync();
        var next = (await resumed.EventsAsync(1)).Single();
        next.GetProperty("petitionId").GetString().ShouldBe(live.ToString());
        next.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(missed[^1]);
    }

    [Fact]
    public async Task a_forged_token_is_refused_with_4403_and_a_subscribe_the_caller_may_not_make_gets_an_error()
    {
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);

        await using (var forged = await NodeSubscriber.StartAsync(server.GraphQLUri, Auditor[..^4] + "AAAA", after: 0))
        {
            var closed = await forged.NextAsync();
            closed.GetProperty("kind").GetString().ShouldBe("closed", closed.GetRawText());
            closed.GetProperty("code").GetInt32().ShouldBe(4403);
        }
        await using (var anonymous = await NodeSubscriber.StartAsync(server.GraphQLUri, null, after: 0))
        {
            var error = await anonymous.NextMessageAsync();
            error.GetProperty("kind").GetString().ShouldBe("error", error.GetRawText());
            error.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString().ShouldBe("UNAUTHENTICATED");
        }
        await using (var petitioner = await NodeSubscriber.StartAsync(server.GraphQLUri, RemoteApi.Token(Role.Petitioner, "citizen-1"), after: 0))
        {
            var error = await petitioner.NextMessageAsync();
            error.GetProperty("kind").GetString().ShouldBe("error", error.GetRawText());
            error.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString().ShouldBe("FORBIDDEN");
        }
    }

    [Fact]
    public async Task clients_of_two_nodes_on_one_database_receive_the_same_complete_sequence()
    {
        await using var one = await ServerProcess.StartAsync(db.ConnectionString);
        await using var two = await ServerProcess.StartAsync(db.ConnectionString);
        using var apiOne = new RemoteApi(one.GraphQLUri);
        using var apiTwo = new RemoteApi(two.GraphQLUri);
        await apiOne.SubmitAsync();
        var before = (await apiOne.FeedAsync(Auditor)).Count;

        await using var onOne = await NodeSubscriber.StartAsync(one.GraphQLUri, Auditor, after: 0);
        await using var onTwo = await NodeSubscriber.StartAsync(two.GraphQLUri, Auditor, after: 0);
        // Mutations go to both nodes, alternately and concurrently.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var api = i % 2 == 0 ? apiOne : apiTwo;
            await api.ForwardAsync(await api.SubmitAsync());
        }));
        var feed = await apiTwo.FeedAsync(Auditor);
        feed.Count.ShouldBe(before + 12);

        var receivedOne = (await onOne.EventsAsync(feed.Count)).Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        var receivedTwo = (await onTwo.EventsAsync(feed.Count)).Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        receivedOne.ShouldBe(feed);
        receivedTwo.ShouldBe(feed);
    }
}
