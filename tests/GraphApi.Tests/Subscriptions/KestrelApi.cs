using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// The real API host (Program) on real Kestrel at 127.0.0.1:&lt;free port&gt;, with the fake clock injected
/// as in <see cref="ApiHost"/>: for System.Net.WebSockets.ClientWebSocket clients, which see what a
/// browser sees (the HTTP refusal of an upgrade, close frames, TCP), and for the fake clock to drive the server.
/// </summary>
public sealed class KestrelApi : WebApplicationFactory<Program>
{
    private readonly string _connectionString;
    private readonly IDictionary<string, string?> _settings;

    private readonly Microsoft.Extensions.Logging.ILoggerProvider? _logs;

    private KestrelApi(string connectionString, FakeClock clock, IDictionary<string, string?> settings, Microsoft.Extensions.Logging.ILoggerProvider? logs)
    {
        _connectionString = connectionString;
        _settings = settings;
        _logs = logs;
        Clock = clock;
    }

    public FakeClock Clock { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public Uri BaseUri { get; private set; } = null!;

    public Uri GraphQLUri => new(BaseUri, GraphApiSetup.Path);

    public Uri WebSocketUri => new UriBuilder(GraphQLUri) { Scheme = "ws" }.Uri;

    /// <param name="logs">also receives the host's log lines (e.g. a <see cref="Support.LogCapture"/>)</param>
    public static Task<KestrelApi> StartAsync(DatabaseFixture db, IDictionary<string, string?>? settings = null, FakeClock? clock = null,
        Microsoft.Extensions.Logging.ILoggerProvider? logs = null)
    {
        var api = new KestrelApi(db.ConnectionString, clock ?? new FakeClock(), settings ?? new Dictionary<string, string?>(), logs);
        api.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        var address = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.BaseUri = new Uri(address);
        return Task.FromResult(api);
    }

    protected override void ConfigureWebHost(IWebHostBuilder web)
    {
        web.UseEnvironment("Development");
        if (_logs is not null)
            web.ConfigureServices(services => services.AddSingleton(_logs));
        web.UseSetting("ConnectionStrings:Marten", _connectionString);
        web.UseSetting("CaseEngine:DuplicateDetection", "false");
        web.UseSetting(DeadlineSweepOptions.Section + ":IntervalSeconds", "3600");
        foreach (var (key, value) in _settings)
            web.UseSetting(key, value);
        web.ConfigureTestServices(s =>
        {
            s.AddSingleton<TimeProvider>(Clock);
            s.AddSingleton(Clock);
        });
    }

    /// <summary>A token signed with the host's key, issued now on the wall clock (token validation uses it).</summary>
    public string Token(Role role, string sub, TimeSpan lifetime, string? dept = null) =>
        Services.GetRequiredService<TokenService>().Mint(sub, role, dept, lifetime);

    /// <summary>
    /// A ClientWebSocket offering graphql-transport-ws, connected from <paramref name="from"/> (a loopback
    /// address such as 127.0.0.2, so that one test plays several client IPs). Throws WebSocketException when
    /// the upgrade is refused; the HTTP status is then on the socket (<see cref="ClientWebSocket.HttpStatusCode"/>).
    /// </summary>
    public async Task<ClientWebSocket> ConnectAsync(IPAddress? from = null, ClientWebSocket? socket = null)
    {
        socket ??= new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        socket.Options.CollectHttpResponseDetails = true;
        var source = from ?? IPAddress.Loopback;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    tcp.Bind(new IPEndPoint(source, 0));
                    await tcp.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, ct);
                    return new NetworkStream(tcp, ownsSocket: true);
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(WebSocketUri, invoker, cts.Token);
        return socket;
    }
}

/// <summary>Frame-level reads on a real socket, with one deadline for the whole wait (server pings do not extend it).</summary>
public static class RealSocket
{
    public static Task SendAsync(this WebSocket socket, object message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message)), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task InitAsync(this WebSocket socket, string? token)
    {
        await socket.SendAsync(new { type = "connection_init", payload = token is null ? new Dictionary<string, string>() : new() { ["authorization"] = $"Bearer {token}" } });
        var (message, close) = await socket.NextAsync(TimeSpan.FromSeconds(15));
        message.ShouldNotBeNull($"closed instead of connection_ack: {close}").GetProperty("type").GetString().ShouldBe("connection_ack");
    }

    /// <summary>The next message other than a server ping, or the server's Close (code, reason); fails after <paramref name="within"/>.</summary>
    public static async Task<(JsonElement? Message, (int Code, string? Reason)? Close)> NextAsync(this WebSocket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                    return (null, ((int)result.CloseStatus!.Value, result.CloseStatusDescription));
                text.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                    continue;
                var message = JsonDocument.Parse(text.ToArray()).RootElement.Clone();
                text.SetLength(0);
                if (message.GetProperty("type").GetString() == "ping")
                    continue;
                return (message, null);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server sent neither a message nor a Close within {within} (socket {socket.State})");
        }
    }

    /// <summary>Waits for the server's Close and returns it; fails on any other message or after <paramref name="within"/>.</summary>
    public static async Task<(int Code, string? Reason)> ClosedAsync(this WebSocket socket, TimeSpan within)
    {
        var (message, close) = await socket.NextAsync(within);
        message.ShouldBeNull($"the server sent a message instead of closing: {message?.GetRawText()}");
        return close!.Value;
    }
}
