using System.Net.WebSockets;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>graphql-transport-ws on the in-memory host: every close code of the protocol, ping/pong both ways, the per-socket cap, clean closes.</summary>
public class when_the_websocket_protocol_is_broken(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Subscription = "subscription { petitionEvents(after: 0) { sequence type } }";

    private Task<ApiHost> Host() => ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
    {
        ["GraphQL:WebSocket:ConnectionInitTimeoutSeconds"] = "0.5",
        ["GraphQL:WebSocket:PingIntervalSeconds"] = "0.2",
        ["GraphQL:WebSocket:MaxSubscriptionsPerSocket"] = "5",
    });

    [Fact]
    public async Task each_violation_closes_with_its_code_and_the_server_stays_healthy()
    {
        await using var api = await Host();
        var auditor = api.Auditor();

        await using (var silent = await WsSession.ConnectAsync(api))
            (await silent.CloseAsync()).Code.ShouldBe(4408);

        await using (var early = await WsSession.ConnectAsync(api))
        {
            await early.SendAsync(new { id = "1", type = "subscribe", payload = new { query = Subscription } });
            (await early.CloseAsync()).Code.ShouldBe(4401);
        }

        await using (var twice = await WsSession.ConnectAsync(api))
        {
            await twice.InitAsync(auditor);
            await twice.SendAsync(new { type = "connection_init" });
            (await twice.CloseAsync()).Code.ShouldBe(4429);
        }

        await using (var forged = await WsSession.ConnectAsync(api))
        {
            await forged.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer not.a.token" } });
            var (code, reason) = await forged.CloseAsync();
            code.ShouldBe(4403);
            reason.ShouldNotBeNull().ShouldStartWith("Forbidden");
        }

        await using (var duplicate = await WsSession.ConnectAsync(api))
        {
            await duplicate.InitAsync(auditor);
            await duplicate.SendAsync(new { id = "a", type = "subscribe", payload = new { query = Subscription } });
            await duplicate.SendAsync(new { id = "a", type = "subscribe", payload = new { query = Subscription } });
            (await duplicate.CloseAsync()).Code.ShouldBe(4409);
        }

        foreach (var bad in new[] { "{ not json", "[1,2]", "{\"type\":\"nonsense\"}", "{\"type\":\"subscribe\",\"payload\":{}}", "{\"id\":\"x\",\"type\":\"subscribe\",\"payload\":{}}" })
        {
            await using var session = await WsSession.ConnectAsync(api);
            await session.InitAsync(auditor);
            await session.SendTextAsync(bad);
            (await session.CloseAsync()).Code.ShouldBe(4400, bad);
        }

        (await api.Alba.Scenario(s => s.Get.Url("/health"))).Context.Response.StatusCode.ShouldBe(200);
    }

    [Fact]
    public async Task pings_are_answered_both_ways_and_a_client_close_is_answered()
    {
        await using var api = await Host();
        await using var session = await WsSession.ConnectAsync(api);
        await session.InitAsync(null);
        await session.SendAsync(new { type = "ping" });
        (await session.MessageAsync()).GetProperty("type").GetString().ShouldBe("pong");
        // The server pings too (every 0.2 s here); the client answers with pong.
        (await session.MessageAsync(pings: true)).GetProperty("type").GetString().ShouldBeOneOf("ping", "pong");
        await session.SendAsync(new { type = "pong" });

        // A query over the socket: one next, then complete.
        await session.SendAsync(new { id = "q", type = "subscribe", payload = new { query = "{ region(code: \"34\") { name } }" } });
        var next = await session.MessageAsync();
        next.GetProperty("type").GetString().ShouldBe("next");
        next.GetProperty("payload").GetProperty("data").GetProperty("region").GetProperty("name").GetString().ShouldBe("安徽省");
        (await session.MessageAsync()).GetProperty("type").GetString().ShouldBe("complete");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await session.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        session.Socket.State.ShouldBe(WebSocketState.Closed);
        session.Socket.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task a_subscription_flood_from_one_socket_is_refused_and_the_socket_keeps_working()
    {
        await using var api = await Host();
        await api.SubmitAsync();
        await using var session = await WsSession.ConnectAsync(api);
        await session.InitAsync(api.Auditor());
        for (var i = 0; i < 5; i++)
            await session.SendAsync(new { id = $"s{i}", type = "subscribe", payload = new { query = Subscription } });
        for (var i = 0; i < 5; i++)
        {
            var next = await session.MessageAsync();
            next.GetProperty("type").GetString().ShouldBe("next", next.GetRawText());
        }
        await session.SendAsync(new { id = "s5", type = "subscribe", payload = new { query = Subscription } });
        var refused = await session.MessageAsync();
        refused.GetProperty("type").GetString().ShouldBe("error");
        refused.GetProperty("id").GetString().ShouldBe("s5");
        refused.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString().ShouldBe("RATE_LIMITED");

        // Completing one frees a place; the live subscriptions still deliver.
        await session.SendAsync(new { id = "s0", type = "complete" });
        await session.SendAsync(new { id = "s6", type = "subscribe", payload = new { query = Subscription } });
        var replay = await session.MessageAsync();
        replay.GetProperty("type").GetString().ShouldBe("next", replay.GetRawText());
        replay.GetProperty("id").GetString().ShouldBe("s6");
        await session.SendAsync(new { type = "ping" });
        (await session.MessageAsync()).GetProperty("type").GetString().ShouldBe("pong");
    }
}
