using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CaseEngine.GraphApi.Telemetry;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Telemetry;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Telemetry;

/// <summary>
/// The real host with the scrape on (OpenTelemetry's Prometheus exporter on its own loopback Kestrel
/// listener, real HTTP): every metric of issue 18 by its Prometheus name and labels, a command counter
/// that moves, the lag gauge rising while the daemon is paused, Marten's, Wolverine's and Npgsql's
/// meters, and none of the petitioner's data. Alone: an OpenTelemetry MeterProvider listens to every
/// meter of its name in the process, so another test host's <c>CaseEngine</c> meter (same instrument
/// names, disposed when that host stops) would take our instruments' streams (a duplicate is dropped).
/// In production one host is one process.
/// </summary>
[Collection(nameof(PrometheusScrapeAlone))]
public sealed class when_prometheus_scrapes(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task the_scrape_shows_every_metric_by_name_and_label_a_counter_that_moves_and_the_lag_rising_while_the_daemon_is_paused()
    {
        var port = FreePort();
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            [PrometheusOptions.PortSetting] = port.ToString(CultureInfo.InvariantCulture),
        });
        var url = $"http://127.0.0.1:{port}{PrometheusScrape.Path}";
        var store = api.Services.GetRequiredService<IDocumentStore>();

        // Accepted, repeated, refused; a deadline fired (routing's 15 days pass), so a petition is overdue.
        var (id, caseNumber, accessCode) = await api.SubmitAsync(api.Citizen());
        var input = Petitions.SubmitInput();
        (await api.GraphQL(Petitions.SubmitMutation, input, api.Citizen())).HasErrors.ShouldBeFalse();
        (await api.GraphQL(Petitions.SubmitMutation, input, api.Citizen())).HasErrors.ShouldBeFalse();
        var refusal = (await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(region: "999999"), api.Citizen())).Code;
        refusal.ShouldNotBeNull();
        api.Clock.Advance(TimeSpan.FromDays(20));
        (await api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync()).ShouldBeGreaterThan(0);
        await store.SettleAsync(TimeSpan.FromSeconds(60));
        await api.Services.GetRequiredService<OperationsSampler>().SampleAsync();
        await api.Services.GetRequiredService<ProjectionLagMonitor>().SampleAsync();

        var first = await ScrapeAsync(url);
        output.WriteLine(string.Join("\n", first.Lines.Where(l => !l.StartsWith('#')).Take(600)));
        var submitted = first.Value("caseengine_commands_total", ("caseengine_command", "submitPetition"), ("outcome", "accepted"));
        submitted.ShouldBeGreaterThanOrEqualTo(2);
        first.Value("caseengine_commands_total", ("caseengine_command", "submitPetition"), ("outcome", "repeat")).ShouldBe(1);
        first.Value("caseengine_commands_total", ("caseengine_command", "submitPetition"), ("outcome", refusal)).ShouldBe(1);
        first.Value("caseengine_commands_total", ("caseengine_command", "markDeadlineMissed"), ("outcome", "accepted")).ShouldBeGreaterThan(0);
        first.Has("caseengine_command_duration_seconds_bucket", ("caseengine_command", "submitPetition"), ("outcome", "accepted")).ShouldBeTrue();
        first.Value("caseengine_deadlines_fired_total", ("stage", "Routing")).ShouldBeGreaterThan(0);
        first.Value("caseengine_overdue_petitions", ("level", "COUNTY")).ShouldBeGreaterThan(0);
        first.Has("caseengine_subscribers_live").ShouldBeTrue();
        // The national relay of the demo province is fresh: its database and the master answer.
        first.Value("caseengine_national_log_relay_age_seconds", ("province", "340000")).ShouldBeLessThan(30);
        first.Has("caseengine_outbox_messages").ShouldBeTrue();
        first.Has("caseengine_deadletters").ShouldBeTrue();
        // One shard keeps the inbox, overdue list, statistics and situation analysis (ReadModelsProjection).
        first.Has("caseengine_projection_lag", ("projection", "ReadModels")).ShouldBeTrue();
        first.Has("caseengine_projection_lag_age_seconds", ("projection", "ReadModels")).ShouldBeTrue();
        // HTTP (ASP.NET Core's meter); Marten's, Wolverine's and Npgsql's own meters, each by its scope.
        first.Has("http_server_request_duration_seconds_bucket").ShouldBeTrue();
        first.Has(null, ("otel_scope_name", "Marten")).ShouldBeTrue();
        first.Lines.ShouldContain(l => l.Contains("otel_scope_name=\"Wolverine", StringComparison.Ordinal));
        first.Has(null, ("otel_scope_name", "Npgsql")).ShouldBeTrue();

        // No personal data, case number or access code in any series (names, labels or values).
        var all = string.Join("\n", first.Lines);
        foreach (var secret in new[] { "张三丰", "13812345678", "340101199001011234", "示范市1县1镇1", "村道损坏", "村里的道路", caseNumber, accessCode })
            all.ShouldNotContain(secret);

        // The counter moves.
        await api.SubmitAsync(api.Citizen());
        (await ScrapeAsync(url)).Value("caseengine_commands_total", ("caseengine_command", "submitPetition"), ("outcome", "accepted"))
            .ShouldBe(submitted + 1);

        // The daemon paused: the lag gauge rises with every petition that arrives.
        var coordinator = api.Services.GetRequiredService<IProjectionCoordinator>();
        var monitor = api.Services.GetRequiredService<ProjectionLagMonitor>();
        await coordinator.PauseAsync();
        try
        {
            await api.SubmitAsync(api.Citizen());
            await monitor.SampleAsync();
            var before = (await ScrapeAsync(url)).Value("caseengine_projection_lag", ("projection", "ReadModels"));
            before.ShouldBeGreaterThan(0);
            await api.SubmitAsync(api.Citizen());
            await api.SubmitAsync(api.Citizen());
            await monitor.SampleAsync();
            (await ScrapeAsync(url)).Value("caseengine_projection_lag", ("projection", "ReadModels")).ShouldBeGreaterThan(before);
        }
        finally
        {
            await coordinator.ResumeAsync();
        }
        id.ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public async Task the_scrape_is_off_unless_a_port_is_set_and_never_on_the_api_address()
    {
        await using var api = await ApiHost.StartAsync(db);
        api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PrometheusScrape>().ShouldBeEmpty();
        var onApi = await api.Alba.Scenario(s =>
        {
            s.Get.Url(PrometheusScrape.Path);
            s.IgnoreStatusCode();
        });
        onApi.Context.Response.StatusCode.ShouldNotBe(200);
    }

    [Fact]
    public async Task a_port_in_use_is_one_line_naming_the_setting()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        // The scrape's listener as the host starts it, on the node's meter provider.
        using var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddPrometheusExporter().Build()!;
        await using var scrape = new PrometheusScrape(new PrometheusOptions { Port = port }, meters);
        var failure = await Should.ThrowAsync<StartupException>(() => scrape.StartAsync(CancellationToken.None));
        var line = ServerStart.Describe(failure);
        line.ShouldContain(PrometheusOptions.PortSetting);
        line.ShouldContain(port.ToString(CultureInfo.InvariantCulture));
        line.ShouldNotContain("\n");
        // The early check (before the database set-up) says the same.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PrometheusOptions.PortSetting] = port.ToString(CultureInfo.InvariantCulture) }).Build();
        Should.Throw<StartupException>(() => PrometheusScrape.CheckPortFree(configuration)).Message.ShouldContain(PrometheusOptions.PortSetting);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Scrapes twice (observable gauges are created at their first collection) and parses the second.</summary>
    private static async Task<Scrape> ScrapeAsync(string url)
    {
        await Http.GetStringAsync(url);
        return new Scrape([.. (await Http.GetStringAsync(url)).Split('\n')]);
    }

    private sealed record Scrape(string[] Lines)
    {
        private static readonly Regex Sample = new(@"^(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Compiled);

        private IEnumerable<(string Name, string Labels, double Value)> Samples() => Lines.Select(l => Sample.Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups["name"].Value, m.Groups["labels"].Value,
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));

        private IEnumerable<double> Matching(string? name, (string Label, string Value)[] labels) => Samples()
            .Where(s => (name is null || s.Name == name) && labels.All(l => s.Labels.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Select(s => s.Value);

        public bool Has(string? name, params (string Label, string Value)[] labels) => Matching(name, labels).Any();

        public double Value(string name, params (string Label, string Value)[] labels) =>
            Matching(name, labels).DefaultIfEmpty(double.NaN).Sum() is var v && !double.IsNaN(v) ? v
                : throw new ShouldAssertException($"no sample {name} {string.Join(",", labels)}");
    }
}

[CollectionDefinition(nameof(PrometheusScrapeAlone), DisableParallelization = true)]
public sealed class PrometheusScrapeAlone;
