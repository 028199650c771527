using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CaseEngine.Workflow.Configuration;
using Prometheus;

namespace CaseEngine.GraphApi.Telemetry;

/// <summary>Configuration section <c>Metrics:Prometheus</c>: the scrape endpoint, off by default.</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Metrics:Prometheus";

    public bool Enabled { get; set; }

    /// <summary>Its own port, never the API's: a scrape needs no token, so it must not be reachable where the API is.</summary>
    public int Port { get; set; } = 9464;

    /// <summary>The address it listens on: loopback unless the operator names another (the scraper's network).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public string? Invalid() =>
        Port is < 1 or > 65535 ? $"{Section}:Port must be a port number (1-65535)"
        : !IPAddress.TryParse(Host, out _) ? $"{Section}:Host must be an IP address, e.g. 127.0.0.1 (loopback) or the address of the scrapers' network"
        : null;
}

/// <summary>
/// <c>GET http://{Host}:{Port}/metrics</c> in the Prometheus text format, when <see cref="PrometheusOptions.Enabled"/>.
/// Served by prometheus-net 8.2.1 (stable) rather than OpenTelemetry's Prometheus exporter, which is
/// only served as a prerelease (1.20.1-beta.1): its <see cref="MeterAdapter"/> listens to every
/// <see cref="System.Diagnostics.Metrics"/> meter directly — the engine's, ASP.NET Core's, Wolverine's,
/// Marten's and Npgsql's — so the scrape needs no OpenTelemetry provider and is independent of OTLP.
/// Its own registry (not prometheus-net's static default one) and only this host's scoped meters
/// (plus the libraries' process-wide ones), so two hosts in one process never mix their gauges.
/// Names: <c>{meter}_{instrument}</c> with dots as underscores (<c>CaseEngine_caseengine_commands</c>);
/// counters are exported as running totals (type gauge), histograms with buckets.
/// </summary>
public sealed class PrometheusEndpoint(PrometheusOptions options, IMeterFactory meters, ILogger<PrometheusEndpoint> logger) : IHostedService, IDisposable
{
    public const string Path = "/metrics";

    private IDisposable? _adapter;
    private IMetricServer? _server;

    /// <summary>The registry the scrape reads (tests read it too).</summary>
    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
            return Task.CompletedTask;
        var address = IPAddress.Parse(options.Host);
        // Kestrel binds in the background: find a busy port now, as one line naming the setting.
        using (var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                probe.Bind(new IPEndPoint(address, options.Port));
            }
            catch (SocketException e)
            {
                throw new StartupException($"{PrometheusOptions.Section}:Port {options.Port.ToString(CultureInfo.InvariantCulture)} on {options.Host} cannot be used "
                    + $"({e.SocketErrorCode}): choose a free port (env Metrics__Prometheus__Port) or turn the scrape off (Metrics__Prometheus__Enabled=false)");
            }
        }
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            InstrumentFilterPredicate = i => i.Meter.Scope is null || ReferenceEquals(i.Meter.Scope, meters),
        });
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        _server = new KestrelMetricServer(new KestrelMetricServerOptions { Hostname = host, Port = (ushort)options.Port, Url = Path, Registry = Registry })
            .Start();
        logger.LogInformation("Prometheus metrics on http://{Host}:{Port}{Path}", host, options.Port, Path);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
            await server.StopAsync();
        _server = null;
        _adapter?.Dispose();
        _adapter = null;
    }

    public void Dispose()
    {
        _server?.Dispose();
        _adapter?.Dispose();
    }
}
