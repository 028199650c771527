using System.Diagnostics;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CaseEngine.GraphApi.Tests.Telemetry;

/// <summary>
/// An in-memory exporter on the real host: one trace follows a submission from its HTTP request through
/// the Wolverine handler to the commit, and the read models' pages and the broker publisher's page
/// that handle its events link to it.
/// </summary>
public sealed class when_a_mutation_is_traced(DatabaseFixture db, RabbitMqFixture broker) : IClassFixture<DatabaseFixture>, IClassFixture<RabbitMqFixture>
{
    [Fact]
    public async Task one_trace_runs_from_the_request_to_the_commit_and_the_projection_pages_link_to_it()
    {
        var spans = new List<Activity>();
        var publishing = broker.Node.Settings("traced");
        await using var api = await ApiHost.StartAsync(db, services: s => s.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(spans)),
            settings: new Dictionary<string, string?>
            {
                ["CaseEngine:Broker:Host"] = publishing.Host, ["CaseEngine:Broker:Port"] = publishing.Port!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CaseEngine:Broker:UserName"] = publishing.UserName, ["CaseEngine:Broker:Password"] = publishing.Password,
                ["CaseEngine:Broker:Exchange"] = publishing.Exchange,
            });

        var (id, _, _) = await api.SubmitAsync(api.Citizen());
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));

        Activity[] all;
        lock (spans)
            all = [.. spans];
        // Listeners are process-wide: other hosts' spans are there too. Ours wrote to this class's database.
        var database = new Npgsql.NpgsqlConnectionStringBuilder(db.ProvinceConnectionString).Database;
        var requests = all.Where(a => a.Kind == ActivityKind.Server && a.GetTagItem("url.path") as string == GraphApiSetup.Path
            && all.Any(n => n.TraceId == a.TraceId && n.Source.Name == "Npgsql" && n.DisplayName == database)).ToList();
        requests.Count.ShouldBe(1, Describe(all));
        var request = requests[0];
        var trace = all.Where(a => a.TraceId == request.TraceId).ToList();
        // The handler (Wolverine), the commit (Npgsql's statements, Marten's connection) under the request.
        trace.ShouldContain(a => a.Source.Name == "Wolverine" && a.DisplayName.EndsWith("CommandEnvelope"), Describe(all));
        trace.ShouldContain(a => a.Source.Name == "Npgsql", Describe(all));
        // One message type carries every command: the command's own span names it (caseengine.command).
        trace.ShouldContain(a => a.Source.Name == "CaseEngine" && a.GetTagItem("caseengine.command") as string == "submitPetition"
            && a.ParentSpanId != default, Describe(all));
        // The commit: the session's connection (Marten) and its statements (Npgsql) under the request.
        trace.ShouldContain(a => a.Source.Name == "Marten" && a.DisplayName == "marten.connection", Describe(all));
        request.GetTagItem("url.query").ShouldBeNull();
        // The read models' pages run later in the daemon: each links back to the request's trace.
        var pages = all.Where(a => a.DisplayName == ProjectionTracing.PageSpan && a.Links.Any(l => l.Context.TraceId == request.TraceId)).ToList();
        pages.Select(p => p.GetTagItem("caseengine.read_model") as string).ShouldContain("ce_inbox", Describe(all));
        pages.Select(p => p.GetTagItem("caseengine.read_model") as string).ShouldContain("ce_statistics_daily");
        // The inbox and the overdue list share a fold of the page's streams, not their spans: one each.
        pages.Select(p => p.GetTagItem("caseengine.read_model") as string).ShouldContain("ce_overdue", Describe(all));
        pages.Select(p => p.GetTagItem("caseengine.read_model") as string).ShouldContain("ce_situation_petitions", Describe(all));
        // So does the publisher's page that sent its events to the broker.
        pages.Select(p => p.GetTagItem("caseengine.read_model") as string).ShouldContain("IntegrationEvents", Describe(all));
        id.ShouldNotBe(Guid.Empty);
    }

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join("\n", spans.Select(a => $"{a.TraceId} {a.Source.Name} {a.Kind} {a.DisplayName} links={a.Links.Count()} "
            + $"{a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")}".Split('\n')[0]));
}
