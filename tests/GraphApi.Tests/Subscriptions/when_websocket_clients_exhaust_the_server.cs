using System.Net;
using System.Net.WebSockets;
using CaseEngine.Domain;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// Sockets and their unfinished messages are bounded: per client IP, overall, per message and in time.
/// Real Kestrel, real ClientWebSockets bound to several loopback addresses to play several clients.
/// </summary>
public class when_websocket_clients_exhaust_the_server(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly IPAddress First = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Third = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task a_socket_beyond_the_per_ip_or_the_overall_cap_is_refused_with_429_and_a_closed_one_frees_its_place()
    {
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:WebSocket:MaxSocketsPerClient"] = "2",
            ["GraphQL:WebSocket:MaxSockets"] = "3",
        });
        using var a1 = await api.ConnectAsync(First);
        using var a2 = await api.ConnectAsync(First);

        using var a3 = new ClientWebSocket();
        await Should.ThrowAsync<WebSocketException>(() => api.ConnectAsync(First, a3));
        a3.HttpStatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        // Another client still gets in, up to the overall cap.
        using var b1 = await api.ConnectAsync(Second);
        using var c1 = new ClientWebSocket();
        await Should.ThrowAsync<WebSocketException>(() => api.ConnectAsync(Third, c1));
        c1.HttpStatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        // A socket that closes gives its place back.
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            await a1.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var retry = new ClientWebSocket();
            try
            {
                await api.ConnectAsync(First, retry);
                retry.State.ShouldBe(WebSocketState.Open);
                retry.Dispose();
                break;
            }
            catch (WebSocketException) when (retry.HttpStatusCode == HttpStatusCode.TooManyRequests && !deadline.IsCancellationRequested)
            {
                // The server counts the socket out when its handler ends, just after the close handshake.
                retry.Dispose();
                await Task.Delay(20, deadline.Token);
            }
        }
    }

    [Fact]
    public async Task a_message_over_the_cap_is_closed_with_1009_as_soon_as_its_bytes_pass_it_without_waiting_for_its_end()
    {
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:WebSocket:MaxMessageBytes"] = "16384",
        });

        // Before connection_init: an anonymous socket starts a 1,000 KB message and sends its first 20 KB.
        using var early = await api.ConnectAsync();
        await early.SendAsync(new byte[20 * 1024], WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        (await early.ClosedAsync(TimeSpan.FromSeconds(5))).Code.ShouldBe((int)WebSocketCloseStatus.MessageTooBig);

        // After connection_ack: two fragments that are each under the cap but together over it.
        using var late = await api.ConnectAsync();
        await late.InitAsync(null);
        await late.SendAsync(new byte[10 * 1024], WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await late.SendAsync(new byte[10 * 1024], WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        (await late.ClosedAsync(TimeSpan.FromSeconds(5))).Code.ShouldBe((int)WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task a_message_left_unfinished_is_closed_after_the_message_time_limit()
    {
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:WebSocket:MessageTimeoutSeconds"] = "0.5",
        });
        using var socket = await api.ConnectAsync();
        await socket.InitAsync(null);
        await socket.SendAsync("{\"type\":\"ping\""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        var (code, reason) = await socket.ClosedAsync(TimeSpan.FromSeconds(5));
        code.ShouldBe((int)WebSocketCloseStatus.PolicyViolation);
        reason.ShouldNotBeNull().ShouldContain("whole");
    }

    [Fact]
    public async Task a_query_over_the_socket_is_stopped_at_the_operation_time_limit_as_over_http()
    {
        await using var api = await KestrelApi.StartAsync(db, new Dictionary<string, string?>
        {
            ["GraphQL:Limits:OperationTimeoutSeconds"] = "0.000001",
        });
        using var socket = await api.ConnectAsync();
        await socket.InitAsync(api.Token(Role.Auditor, "auditor-1", TimeSpan.FromHours(1)));
        await socket.SendAsync(new { id = "q", type = "subscribe", payload = new { query = "{ events(first: 10) { sequence } }" } });
        var (message, close) = await socket.NextAsync(TimeSpan.FromSeconds(15));
        message.ShouldNotBeNull($"closed: {close}");
        message.Value.GetProperty("type").GetString().ShouldBe("error", message.Value.GetRawText());
        var error = message.Value.GetProperty("payload")[0];
        error.GetProperty("extensions").GetProperty("code").GetString().ShouldBe("INTERNAL");
        error.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("limit");
    }
}
