using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 20, access across a hand-down (../shared/contract/access.md at the national level): the national office
/// hands an accusation and a complaint down to an Anhui county agency. Who reads the national petition and its
/// Anhui copy, and whose personal data each sees: the link widens nobody's access, the agency never sees an
/// accuser, and no other province's staff finds either.
/// </summary>
public class when_a_handed_down_petition_is_read_by_each_role(NationAndThreeProvinces db) : IClassFixture<NationAndThreeProvinces>
{
    private const string Query = "query($id: ID!) { petition(id: $id) { id petitioner { name } } }";

    [Theory]
    [InlineData("REPORT_ACCUSATION")]
    [InlineData("COMPLAINT_REQUEST")]
    public async Task the_link_widens_no_ones_access_and_the_agency_never_sees_an_accuser(string category)
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var citizen = api.Citizen("citizen-7");
        var (origin, _, _) = await api.SubmitAsync(citizen, category: category, region: "000000");
        await api.Forward(origin, to: "340102-EDU", by: "000000-PO");
        var copy = (await Poll.UntilAsync(async () =>
        {
            var link = (await api.Data("query($id: ID!) { petition(id: $id) { linkedPetition { id caseNumber } } }", new { id = origin }, api.Admin()))
                .GetProperty("petition").GetProperty("linkedPetition");
            return link.ValueKind == JsonValueKind.Object && link.GetProperty("caseNumber").ValueKind == JsonValueKind.String
                ? new[] { Guid.Parse(link.GetProperty("id").GetString()!) }
                : null;
        }, TimeSpan.FromSeconds(60)))[0];

        var accusation = category == "REPORT_ACCUSATION";
        // caller → (reads origin, reads copy, sees the petitioner's name in clear where it reads)
        var expected = new (string Caller, string? Token, bool Origin, bool Copy, bool Clear)[]
        {
            // The copy is the same matter: the national office, where it was, reads it as it read the origin.
            ("national office officer", api.Officer("000000-PO"), true, true, true),
            ("national supervisor", api.Supervisor("000000-PO"), true, true, true),
            ("the agency's officer", api.Officer("340102-EDU"), true, true, !accusation),
            ("the Anhui county office's officer", api.Officer("340102-PO"), false, false, false),
            // Over the agency (its subtree), so it reads both; its own office never handled the matter: masked.
            ("the Anhui province office's supervisor", api.Supervisor("340000-PO"), true, true, false),
            ("a Jiangsu agency's officer", api.Officer("320102-EDU"), false, false, false),
            ("the Jiangsu province office's supervisor", api.Supervisor("320000-PO"), false, false, false),
            ("the petitioner", citizen, true, true, true),
            ("another citizen", api.Citizen("citizen-8"), false, false, false),
        };
        foreach (var (caller, token, readsOrigin, readsCopy, clear) in expected)
        {
            foreach (var (name, id, readable) in new[] { ("origin", origin, readsOrigin), ("copy", copy, readsCopy) })
            {
                var petition = (await api.Data(Query, new { id }, token)).GetProperty("petition");
                (petition.ValueKind == JsonValueKind.Object).ShouldBe(readable, $"{caller} reads the {name}");
                if (readable)
                    (petition.GetProperty("petitioner").GetProperty("name").GetString() == "张三丰").ShouldBe(clear, $"{caller}: the petitioner on the {name}");
            }
        }
    }
}
