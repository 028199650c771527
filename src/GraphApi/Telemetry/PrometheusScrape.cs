using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CaseEngine.Workflow.Configuration;
using OpenTelemetry.Metrics;

namespace CaseEngine.GraphApi.Telemetry;

/// <summary>The scrape's settings (<c>Telemetry:Prometheus</c>): off unless a port is set; loopback unless an address is.</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Telemetry:Prometheus";
    public const string PortSetting = Section + ":Port";
    public const string AddressSetting = Section + ":Address";

    /// <summary>The scrape's own port; unset (the default) = no scrape endpoint.</summary>
    public int? Port { get; set; }

    /// <summary>The address it binds (an IP literal): loopback unless a Prometheus on another machine must reach it.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public bool Enabled => Port is not null;

    public IPEndPoint Endpoint => new(IPAddress.Parse(Address), Port ?? 0);

    public string? Invalid() =>
        Port is < 1 or > 65535 ? $"{PortSetting} must be a port from 1 to 65535 (unset: no /metrics endpoint)"
        : !IPAddress.TryParse(Address, out _) ? $"{AddressSetting} must be an IP address such as 127.0.0.1 (the default) or 0.0.0.0"
        : null;

    public static PrometheusOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<PrometheusOptions>() ?? new PrometheusOptions();
}

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format, on its own Kestrel listener (docs/operations.md, Prometheus):
/// not on the API's address, so the API's pipeline (authentication, rate limits, the request log) never
/// sees scrapes and a firewall can keep the port internal. It serves what the node's OpenTelemetry
/// MeterProvider collects (OpenTelemetry's Prometheus exporter, a pull reader on that provider): the
/// engine's meters and ASP.NET Core's, Marten's, Wolverine's and Npgsql's.
/// </summary>
public sealed class PrometheusScrape(PrometheusOptions options, MeterProvider meters) : IHostedService, IAsyncDisposable
{
    public const string Path = "/metrics";

    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The empty builder reads no configuration (no ASPNETCORE_URLS, no appsettings) and logs nothing: only the listener below.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(options.Endpoint));
        var server = builder.Build();
        server.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, path: Path, configureBranchedPipeline: null, optionsName: null);
        _server = server;
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            throw InUse(options, e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
            await server.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
            await server.DisposeAsync();
    }

    /// <summary>Binds the scrape's address for a moment (ServerStart.CheckPortsFree): a port in use is found before the database set-up.</summary>
    public static void CheckPortFree(IConfiguration configuration)
    {
        var options = From(configuration);
        if (!options.Enabled || options.Invalid() is not null)
            return;
        using var socket = new Socket(options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(options.Endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw InUse(options, e);
        }
        catch (SocketException)
        {
            // Not an address of this machine: Kestrel reports it when it binds.
        }
    }

    private static PrometheusOptions From(IConfiguration configuration) => PrometheusOptions.From(configuration);

    private static StartupException InUse(PrometheusOptions options, Exception e) =>
        new($"port {options.Port?.ToString(CultureInfo.InvariantCulture)} is already in use ({options.Address}, from {PrometheusOptions.PortSetting}, "
            + $"the /metrics scrape): stop the program using it or choose another port (unset {PrometheusOptions.PortSetting}: no scrape endpoint)", e);
}
