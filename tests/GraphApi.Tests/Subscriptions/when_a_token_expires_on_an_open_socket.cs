using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// A token proves the caller until its exp, not for as long as the socket stays open: at expiry the
/// server closes the socket (4403), and the client signs in again and resumes with after.
/// Real Kestrel, a real ClientWebSocket, the server's clock moved by the test.
/// </summary>
public class when_a_token_expires_on_an_open_socket(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Follow = "subscription($after: Long!) { petitionEvents(after: $after) { sequence petitionId type } }";

    [Fact]
    public async Task the_socket_is_closed_with_4403_before_the_next_event_and_a_new_token_resumes_without_a_gap()
    {
        // Tokens are validated on the wall clock; the fake clock starts there so that it can run past a token's exp.
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:WebSocket:PingIntervalSeconds"] = "0.2",
        }, clock);
        using var remote = new RemoteApi(api.GraphQLUri);

        using var socket = await api.ConnectAsync();
        // The host took a while to start: the fake clock is put back on the wall clock the token is issued on.
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        await socket.InitAsync(api.Token(Role.Auditor, "auditor-1", TimeSpan.FromMinutes(10)));
        var before = await remote.SubmitAsync();
        await socket.SendAsync(new { id = "e", type = "subscribe", payload = new { query = Follow, variables = new { after = 0 } } });
        long last = 0;
        while (true)
        {
            var (next, close) = await socket.NextAsync(TimeSpan.FromSeconds(15));
            next.ShouldNotBeNull($"closed while the token was valid: {close}");
            next.Value.GetProperty("type").GetString().ShouldBe("next", next.Value.GetRawText());
            var e = next.Value.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents");
            last = e.GetProperty("sequence").GetInt64();
            if (e.GetProperty("petitionId").GetString() == before.ToString())
                break;
        }

        // The token's exp passes on the server's clock; an event committed afterwards must not reach this socket.
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(5));
        var missed = await remote.SubmitAsync();
        var (code, reason) = await socket.ClosedAsync(TimeSpan.FromSeconds(10));
        code.ShouldBe(4403);
        reason.ShouldNotBeNull().ShouldContain("expired");

        // Signed in again (a token valid past the moved clock), the client resumes after the last event it received.
        using var again = await api.ConnectAsync();
        await again.InitAsync(api.Token(Role.Auditor, "auditor-1", TimeSpan.FromHours(1)));
        await again.SendAsync(new { id = "r", type = "subscribe", payload = new { query = Follow, variables = new { after = last } } });
        var (resumed, closed) = await again.NextAsync(TimeSpan.FromSeconds(15));
        resumed.ShouldNotBeNull($"closed: {closed}");
        var first = resumed.Value.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents");
        first.GetProperty("petitionId").GetString().ShouldBe(missed.ToString());
        first.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(last);
    }

    [Fact]
    public async Task a_mutation_sent_after_the_exp_is_not_run()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        // No pings: nothing wakes the server before the client's next message, which is checked itself.
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:WebSocket:PingIntervalSeconds"] = "0",
        }, clock);
        using var remote = new RemoteApi(api.GraphQLUri);
        var auditor = api.Token(Role.Auditor, "auditor-1", TimeSpan.FromHours(1));
        var before = (await remote.FeedAsync(auditor)).Count;

        using var socket = await api.ConnectAsync();
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        await socket.InitAsync(api.Token(Role.Petitioner, "citizen-1", TimeSpan.FromMinutes(10)));
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(5));
        await socket.SendAsync(new { id = "m", type = "subscribe", payload = new { query = Petitions.SubmitMutation, variables = Petitions.SubmitInput() } });
        (await socket.ClosedAsync(TimeSpan.FromSeconds(10))).Code.ShouldBe(4403);

        (await remote.FeedAsync(auditor)).Count.ShouldBe(before);
    }
}
