using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// A node (re)starting while one province's PostgreSQL server is down — a province on a server of its own,
/// in maintenance or failing over. It starts and serves every other province; the province that is down is
/// answered UNAVAILABLE (the command may be sent again with its commandId), and once its server is back the
/// node serves it without a restart: the command lands once and its read side shows it. Before, the start
/// failed: Marten applied the schema to every listed database and Wolverine migrated every tenant's inbox
/// and outbox tables, and one refused connection stopped the host, so one province's outage took the
/// whole country's API down at the next deployment or crash of a node.
/// </summary>
public sealed class when_a_node_starts_with_a_province_database_down(ThreeProvinces db, RestartableCluster cluster, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<ThreeProvinces>, IClassFixture<RestartableCluster>
{
    private const string Shanghai = "310000";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>A start takes about 5 s; the bound is wide for a loaded machine and well under the 100 s the province's outage cost.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task it_serves_the_others_and_the_province_once_its_server_is_back()
    {
        // Shanghai's database on a server of its own, listed in the master table, then that server stopped.
        var name = $"down_{Guid.NewGuid():N}"[..20];
        await PostgresDatabases.CreateAsync(RestartableCluster.Unpooled(cluster.Server.ConnectionString), name);
        await ProvinceDatabases.RecordAsync(db.ConnectionString, Shanghai, cluster.Server.ConnectionStringFor(name));
        cluster.Server.StopServer();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        GqlResult refused;
        var commandId = Guid.NewGuid();
        ApiHost? started = null;
        var startedIn = TimeSpan.Zero;
        try
        {
            started = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
            startedIn = watch.Elapsed;
            // The others are served.
            (await started.SubmitAsync(region: "340102")).Id.ShouldNotBe(Guid.Empty);
            (await started.SubmitAsync(region: "330102")).Id.ShouldNotBe(Guid.Empty);
            refused = await started.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId, region: "310101"), started.Citizen());
        }
        finally
        {
            cluster.Server.StartServer();
        }
        await using var api = started;
        refused.Code.ShouldBe("UNAVAILABLE", refused.Body);
        output.WriteLine($"started in {startedIn.TotalSeconds:0.0} s and served the others in {watch.Elapsed.TotalSeconds:0.0} s; Shanghai's server started again");
        // Not held by the province that is down: Wolverine's PostgreSQL queue transport (unused) checked every
        // province database 20 times 5 s apart, about 100 s, before it is replaced (UnusedPostgresqlTransport).
        startedIn.ShouldBeLessThan(StartBound, "a node's start is not held up by one province database that is down");
        watch.Restart();

        // Its server back: the same command, sent again until this node has readied the database, lands once.
        var id = (await Poll.UntilAsync<Guid[]>(async () =>
        {
            var answer = await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId, region: "310101"), api.Citizen());
            if (answer.HasErrors)
            {
                answer.Code.ShouldBe("UNAVAILABLE", answer.Body);
                return null;
            }
            return new[] { answer.Data.GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetGuid() };
        }, Bound))[0];
        output.WriteLine($"Shanghai's submission landed {watch.Elapsed.TotalSeconds:0.0} s after its server started");
        var again = await api.Data(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId, region: "310101"), api.Citizen());
        again.GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetGuid().ShouldBe(id);

        // Its read side runs (a node holds its projections): the petition reaches its office's inbox, once.
        var officer = api.Officer("310101-PO");
        var inbox = (await Poll.UntilAsync(async () =>
        {
            var page = await api.Data("query($d: ID!) { inbox(departmentId: $d) { totalCount edges { node { petition { id } } } } }",
                new { d = "310101-PO" }, officer);
            return page.GetProperty("inbox").GetProperty("totalCount").GetInt32() > 0 ? new[] { page } : null;
        }, Bound))[0];
        output.WriteLine($"and reached its inbox {watch.Elapsed.TotalSeconds:0.0} s after");
        inbox.GetProperty("inbox").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("petition").GetProperty("id").GetGuid())
            .ShouldBe([id]);
    }
}
