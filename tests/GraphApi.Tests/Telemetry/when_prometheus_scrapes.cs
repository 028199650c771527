using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CaseEngine.GraphApi.Telemetry;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Telemetry;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Telemetry;

/// <summary>
/// The real host with the scrape on (its own loopback port, real HTTP): every metric of the issue by name
/// and label, a command counter that moves, the lag gauge rising while the daemon is paused.
/// </summary>
public sealed class when_prometheus_scrapes(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task the_scrape_shows_every_metric_by_name_and_label_a_counter_that_moves_and_the_lag_rising_while_the_daemon_is_paused()
    {
        var port = FreePort();
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["Metrics:Prometheus:Enabled"] = "true",
            ["Metrics:Prometheus:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var url = $"http://127.0.0.1:{port}{PrometheusEndpoint.Path}";
        var store = api.Services.GetRequiredService<IDocumentStore>();

        // Accepted, repeated, refused; a deadline fired (routing's 15 days pass), so a petition is overdue.
        var (id, _, _) = await api.SubmitAsync(api.Citizen());
        var input = Petitions.SubmitInput();
        (await api.GraphQL(Petitions.SubmitMutation, input, api.Citizen())).HasErrors.ShouldBeFalse();
        (await api.GraphQL(Petitions.SubmitMutation, input, api.Citizen())).HasErrors.ShouldBeFalse();
        var refusal = (await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(region: "000000"), api.Citizen())).Code;
        api.Clock.Advance(TimeSpan.FromDays(20));
        (await api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync()).ShouldBeGreaterThan(0);
        await store.SettleAsync(TimeSpan.FromSeconds(60));
        await api.Services.GetRequiredService<OperationsSampler>().SampleAsync();
        await api.Services.GetRequiredService<ProjectionLagMonitor>().SampleAsync();

        var first = await ScrapeAsync(url);
        output.WriteLine(string.Join("\n", first.Lines.Where(l => !l.StartsWith('#')).Take(400)));
        var submitted = first.Value("CaseEngine_caseengine_commands", ("caseengine_command", "submitPetition"), ("outcome", "accepted"));
        submitted.ShouldBeGreaterThanOrEqualTo(2);
        first.Value("CaseEngine_caseengine_commands", ("caseengine_command", "submitPetition"), ("outcome", "repeat")).ShouldBe(1);
        first.Value("CaseEngine_caseengine_commands", ("caseengine_command", "submitPetition"), ("outcome", refusal)).ShouldBe(1);
        first.Value("CaseEngine_caseengine_commands", ("caseengine_command", "markDeadlineMissed"), ("outcome", "accepted")).ShouldBeGreaterThan(0);
        first.Has("CaseEngine_caseengine_command_duration_bucket", ("caseengine_command", "submitPetition"), ("outcome", "accepted")).ShouldBeTrue();
        first.Value("CaseEngine_caseengine_deadlines_fired", ("stage", "Routing")).ShouldBeGreaterThan(0);
        first.Value("CaseEngine_caseengine_overdue_petitions", ("level", "COUNTY")).ShouldBeGreaterThan(0);
        first.Has("CaseEngine_caseengine_subscribers_live").ShouldBeTrue();
        first.Has("CaseEngine_caseengine_outbox_messages").ShouldBeTrue();
        first.Has("CaseEngine_caseengine_deadletters").ShouldBeTrue();
        foreach (var projection in new[] { "inbox", "overdue", "statistics" })
        {
            first.Has("CaseEngine_Projections_caseengine_projection_lag", ("projection", projection)).ShouldBeTrue(projection);
            first.Has("CaseEngine_Projections_caseengine_projection_lag_age", ("projection", projection)).ShouldBeTrue(projection);
        }
        // HTTP (ASP.NET Core's meter), Marten's, Wolverine's and Npgsql's own meters.
        first.Has("Microsoft_AspNetCore_Hosting_http_server_request_duration_bucket").ShouldBeTrue();
        first.Lines.ShouldContain(l => l.StartsWith("Marten_", StringComparison.Ordinal));
        first.Lines.ShouldContain(l => l.StartsWith("Wolverine_", StringComparison.Ordinal));
        first.Lines.ShouldContain(l => l.StartsWith("Npgsql_", StringComparison.Ordinal));

        // The counter moves.
        await api.SubmitAsync(api.Citizen());
        (await ScrapeAsync(url)).Value("CaseEngine_caseengine_commands", ("caseengine_command", "submitPetition"), ("outcome", "accepted"))
            .ShouldBe(submitted + 1);

        // The daemon paused: the lag gauge rises with every petition that arrives.
        var coordinator = api.Services.GetRequiredService<IProjectionCoordinator>();
        var monitor = api.Services.GetRequiredService<ProjectionLagMonitor>();
        await coordinator.PauseAsync();
        try
        {
            await api.SubmitAsync(api.Citizen());
            await monitor.SampleAsync();
            var before = (await ScrapeAsync(url)).Value("CaseEngine_Projections_caseengine_projection_lag", ("projection", "inbox"));
            before.ShouldBeGreaterThan(0);
            await api.SubmitAsync(api.Citizen());
            await api.SubmitAsync(api.Citizen());
            await monitor.SampleAsync();
            (await ScrapeAsync(url)).Value("CaseEngine_Projections_caseengine_projection_lag", ("projection", "inbox")).ShouldBeGreaterThan(before);
        }
        finally
        {
            await coordinator.ResumeAsync();
        }
        id.ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public async Task the_scrape_is_off_unless_enabled()
    {
        var port = FreePort();
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["Metrics:Prometheus:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Should.ThrowAsync<HttpRequestException>(() => Http.GetStringAsync($"http://127.0.0.1:{port}{PrometheusEndpoint.Path}"));
        // Nor on the API's own address.
        var onApi = await api.Alba.Scenario(s =>
        {
            s.Get.Url(PrometheusEndpoint.Path);
            s.IgnoreStatusCode();
        });
        onApi.Context.Response.StatusCode.ShouldNotBe(200);
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
                double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture)));

        private IEnumerable<double> Matching(string name, (string Label, string Value)[] labels) => Samples()
            .Where(s => s.Name == name && labels.All(l => s.Labels.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Select(s => s.Value);

        public bool Has(string name, params (string Label, string Value)[] labels) => Matching(name, labels).Any();

        public double Value(string name, params (string Label, string Value)[] labels) =>
            Matching(name, labels).DefaultIfEmpty(double.NaN).Sum() is var v && !double.IsNaN(v) ? v
                : throw new ShouldAssertException($"no sample {name} {string.Join(",", labels)}");
    }
}
