using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Api;

public class when_the_situation_is_analysed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Query = """
        query($region: ID!) { situationAnalysis(regionCode: $region, period: MONTH, date: "2025-03-15") {
          regionCode period periodStart periodEnd received risingCategories { key count } keywords { keyword count } } }
        """;

    [Fact]
    public async Task supervisors_see_their_subtree_and_auditors_everything_per_access_md()
    {
        await using var api = await ApiHost.StartAsync(db);
        for (var i = 0; i < 3; i++)
            await api.SubmitAsync();
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));

        var report = (await api.Data(Query, new { region = "340101" }, api.Supervisor("340100-PO"))).GetProperty("situationAnalysis");
        report.GetProperty("received").GetInt32().ShouldBe(3);
        report.GetProperty("periodStart").GetString().ShouldBe("2025-03-01");
        report.GetProperty("periodEnd").GetString().ShouldBe("2025-04-01");
        (await api.Data(Query, new { region = "340000" }, api.Auditor())).GetProperty("situationAnalysis").GetProperty("received").GetInt32().ShouldBe(3);
        (await api.GraphQL(Query, new { region = "340000" }, api.Admin())).HasErrors.ShouldBeFalse();

        (await api.GraphQL(Query, new { region = "340101" })).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL(Query, new { region = "340101" }, api.Officer("340101-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Query, new { region = "340200" }, api.Supervisor("340100-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Query, new { region = "340000" }, api.Supervisor("340100-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Query, new { region = "340101" }, api.Citizen())).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Query, new { region = "999999" }, api.Auditor())).Code.ShouldBe("VALIDATION");
    }
}
