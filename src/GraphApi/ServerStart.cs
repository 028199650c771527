using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Workflow.Configuration;
using Npgsql;

namespace CaseEngine.GraphApi;

/// <summary>
/// Starts the server so that a start which cannot succeed ends in ONE line naming the setting and the
/// fix, exit code 1, no stack trace (<c>CASEENGINE_STARTUP_TRACE=1</c> adds it). Before any database
/// work it checks, in order: every key, every setting (Settings.AddSettings), the connection string's
/// form, that each listening port is free, and that the configured database answers.
/// </summary>
public static class ServerStart
{
    public const string TraceVariable = "CASEENGINE_STARTUP_TRACE";

    private static volatile bool s_starting = true;
    private static volatile bool s_stopping;

    /// <summary>
    /// The host logs a failed start with its stack trace: not while we report it in one line. And a
    /// graceful stop prints no stack: once stopping, the daemon's LISTEN connection cut by the database
    /// going away (57P01, logged by Marten's listener as a Warning with its stack) is expected, not news.
    /// </summary>
    public static void QuietFailedStart(ILoggingBuilder logging, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(configuration);
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => !(s_starting && level >= LogLevel.Error) && level >= LogLevel.Information);
        // These filters decide their categories' levels (a code filter is more specific than the
        // configuration's "Marten"): they follow Logging:LogLevel:Marten, Warning by default (QuietDefaults).
        logging.AddFilter("Marten.Events.Daemon.Coordination.ProjectionCoordinator", level => !(s_stopping && level == LogLevel.Warning) && level >= MartenLevel(configuration));
        // The daemons' LISTEN connection is the wake-up's own (DaemonWakeup).
        logging.AddFilter(typeof(Workflow.Configuration.DaemonWakeup).FullName, level => !(s_stopping && level == LogLevel.Warning) && level >= MartenLevel(configuration));
    }

    private static LogLevel MartenLevel(IConfiguration configuration) =>
        Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Marten"], ignoreCase: true, out var level) ? level : LogLevel.Warning;

    /// <summary>
    /// Defaults an operator's configuration overrides (the lowest-priority source): libraries' start-up
    /// chatter and schema DDL below the start log (Wolverine logs its DDL at Information), ASP.NET Core's
    /// per-request lines off (<see cref="Telemetry.RequestLog"/> writes one line per request instead).
    /// </summary>
    public static void QuietDefaults(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Wolverine"] = "Warning",
                ["Logging:LogLevel:JasperFx"] = "Warning",
                ["Logging:LogLevel:Weasel"] = "Warning",
                // The daemon logs every page of every projection at Information ("Executed updates for Event range …").
                ["Logging:LogLevel:Marten"] = "Warning",
            },
        });
    }

    /// <summary>What an operator needs to know of this start, in one line: environment, database, telemetry.</summary>
    public static string Summary(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var database = app.Services.GetRequiredService<CaseEngineDatabase>();
        var where = database.Embedded ? "the embedded PostgreSQL (thrown away at stop)" : "master " + Describe(new NpgsqlConnectionStringBuilder(database.ConnectionString));
        // The provinces named at start; the master table may list more (docs/operations.md, Province databases).
        var provinces = database.Provinces.Count == 0 ? "provinces from the master table" : $"provinces {string.Join(", ", database.Provinces.Keys.Order(StringComparer.Ordinal))}";
        var otlp = Telemetry.TelemetrySetup.OtlpConfigured(app.Configuration) ? "OTLP export on (OTEL_* variables)" : "OTLP export off";
        var prometheus = Telemetry.PrometheusOptions.From(app.Configuration);
        var scrape = prometheus.Enabled ? $"Prometheus scrape on http://{prometheus.Endpoint}{Telemetry.PrometheusScrape.Path}" : "no Prometheus scrape";
        return $"CaseEngine {app.Environment.EnvironmentName}: database {where}, {provinces}; {otlp}; {scrape}";
    }

    private static string Describe(NpgsqlConnectionStringBuilder b) =>
        $"PostgreSQL {b.Host}:{b.Port.ToString(CultureInfo.InvariantCulture)}/{b.Database} as {b.Username}";

    /// <summary>Starts the host (after <see cref="CheckAsync"/>) and serves until shut down.</summary>
    public static async Task<int> RunAsync(WebApplication app, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(error);
        // A closed terminal sends SIGHUP to the whole process group: stop as on SIGTERM (the host's own
        // handler covers SIGINT and SIGTERM only), so the embedded database is stopped with the server
        // instead of being left to the watchdog. Registered before the start, so no hang-up falls between.
        using var hangUp = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            app.Lifetime.StopApplication();
        });
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            Report(e, error);
            await DisposeQuietlyAsync(app);
            return 1;
        }
        s_starting = false;
        app.Lifetime.ApplicationStopping.Register(() => s_stopping = true);
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CaseEngine").LogInformation("{Summary}", Summary(app));
        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }

    public static async Task DisposeQuietlyAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.DisposeAsync();
        }
        catch (Exception)
        {
            // Already failing: the one line reported is what the operator needs.
        }
    }

    /// <summary>Every check that needs no database, then the database's answer (call <see cref="CheckAsync"/> before <see cref="RunAsync"/>).</summary>
    public static async Task CheckAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetRequiredService<ServerKeys>().CheckRequired();
        // The sections registered with ValidateOnStart, now rather than when the host starts: before any database work.
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<TokenService>();
        var database = app.Services.GetRequiredService<ConfiguredDatabase>();
        CheckPortsFree(app.Configuration);
        await database.CheckReachableAsync();
    }

    /// <summary>The one line for a failed start (and, with <see cref="TraceVariable"/>=1, the stack trace after it).</summary>
    public static void Report(Exception failure, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine(Describe(failure).ReplaceLineEndings(" "));
        if (Environment.GetEnvironmentVariable(TraceVariable) == "1")
            error.WriteLine(failure);
    }

    public static string Describe(Exception failure)
    {
        var all = Flatten(failure).ToList();
        if (all.OfType<StartupException>().FirstOrDefault() is { } startup)
            return startup.Message;
        if (all.Select(Settings.Describe).OfType<string>().FirstOrDefault() is { } setting)
            return setting;
        if (all.OfType<SocketException>().Any(s => s.SocketErrorCode == SocketError.AddressAlreadyInUse)
            && all.OfType<IOException>().FirstOrDefault() is { } bind)
            return $"{bind.Message.TrimEnd('.')}: stop the program using it or choose another address with --urls (env ASPNETCORE_URLS)";
        if (all.OfType<NpgsqlException>().FirstOrDefault() is { } database)
            return $"the database failed during the start: {(database is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : database.Message)}; "
                + $"check {ConfiguredDatabase.Setting} (unset, an embedded database is started)";
        var first = all[^1];
        return $"CaseEngine did not start: {first.GetType().Name}: {first.Message} (set {TraceVariable}=1 for the stack trace)";
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        yield return e;
        var inner = e is AggregateException aggregate ? aggregate.InnerExceptions : e.InnerException is { } one ? [one] : (IEnumerable<Exception>)[];
        foreach (var child in inner)
            foreach (var x in Flatten(child))
                yield return x;
    }

    /// <summary>
    /// Binds each configured address for a moment, so a port in use is found before the database
    /// set-up (Kestrel binds last, after every other hosted service has started).
    /// </summary>
    public static void CheckPortsFree(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var url in Urls(configuration))
        {
            if (Endpoint(url) is not { } endpoint || endpoint.Port == 0)
                continue;
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new StartupException($"port {endpoint.Port.ToString(CultureInfo.InvariantCulture)} is already in use ({url}, from --urls, "
                    + "env ASPNETCORE_URLS or Kestrel:Endpoints): stop the program using it or choose another port, e.g. --urls http://127.0.0.1:5081");
            }
            catch (SocketException)
            {
                // Not an address this machine has (or no IPv6): Kestrel reports it when it binds.
            }
        }
        Telemetry.PrometheusScrape.CheckPortFree(configuration);
    }

    private static IEnumerable<string> Urls(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        if (endpoints.Count > 0)
            return endpoints;
        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (urls.Count > 0)
            return urls;
        return Ports(configuration[WebHostDefaults.HttpPortsKey], "http").Concat(Ports(configuration[WebHostDefaults.HttpsPortsKey], "https"));
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}");

    /// <summary>The socket address Kestrel would bind for a URL, as Kestrel reads hosts: localhost is IPv4 loopback here, any other name every address.</summary>
    private static IPEndPoint? Endpoint(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
            return null;
        var authority = url[(scheme + 3)..].Split('/')[0];
        var colon = authority.LastIndexOf(':');
        var host = colon > authority.LastIndexOf(']') && colon >= 0 ? authority[..colon] : authority;
        var portText = colon > authority.LastIndexOf(']') && colon >= 0 ? authority[(colon + 1)..] : null;
        var port = portText is null ? (url.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 443 : 80)
            : int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1;
        if (port is < 0 or > 65535)
            return null;
        host = host.Trim('[', ']');
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var literal) ? literal
            : IPAddress.Any;
        return new IPEndPoint(address, port);
    }
}
