using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>A raw graphql-transport-ws socket on the in-memory host, to send what the reference client never would.</summary>
public sealed class WsSession(WebSocket socket) : IAsyncDisposable
{
    public WebSocket Socket { get; } = socket;

    public static async Task<WsSession> ConnectAsync(ApiHost api)
    {
        var client = api.Alba.Server.CreateWebSocketClient();
        client.SubProtocols.Add("graphql-transport-ws");
        return new WsSession(await client.ConnectAsync(new Uri("ws://localhost/graphql"), CancellationToken.None));
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public async Task InitAsync(string? token)
    {
        await SendAsync(new { type = "connection_init", payload = token is null ? new Dictionary<string, string>() : new() { ["authorization"] = $"Bearer {token}" } });
        (await MessageAsync()).GetProperty("type").GetString().ShouldBe("connection_ack");
    }

    /// <summary>The next message; server pings are skipped unless <paramref name="pings"/>.</summary>
    public async Task<JsonElement> MessageAsync(bool pings = false, TimeSpan? timeout = null)
    {
        while (true)
        {
            var (message, close) = await ReceiveAsync(timeout);
            if (message is null)
                throw new InvalidOperationException($"the server closed the socket: {close}");
            if (!pings && message.Value.GetProperty("type").GetString() == "ping")
                continue;
            return message.Value;
        }
    }

    /// <summary>Reads until the server's Close and returns its code and reason.</summary>
    public async Task<(int Code, string? Reason)> CloseAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var (message, close) = await ReceiveAsync(timeout);
            if (message is null)
                return close!.Value;
        }
    }

    private async Task<(JsonElement?, (int, string?)?)> ReceiveAsync(TimeSpan? timeout)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                return (null, ((int)result.CloseStatus!.Value, result.CloseStatusDescription));
            text.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return (JsonDocument.Parse(text.ToArray()).RootElement.Clone(), null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        Socket.Dispose();
    }
}
