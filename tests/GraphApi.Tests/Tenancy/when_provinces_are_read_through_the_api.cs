using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19 through the public API, three provinces in three databases: a request reaches the
/// province it names (the petition's id, the case number, the department), so one province's officer
/// finds nothing of another's petitions, and a tracked case number is found in its own province.
/// </summary>
public class when_provinces_are_read_through_the_api(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private const string PetitionQuery = "query($id: ID!) { petition(id: $id) { id caseNumber petitioner { name } } }";

    [Fact]
    public async Task a_petition_of_one_province_is_not_found_by_another_provinces_officer_nor_in_its_queue()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var (anhui, anhuiNumber, anhuiCode) = await api.SubmitAsync(region: "340102");
        var (jiangsu, _, _) = await api.SubmitAsync(region: "320102");

        // The office the petition was submitted to reads it; the other province's office of the same level does not.
        (await api.Data(PetitionQuery, new { id = anhui }, api.Officer("340102-PO"))).GetProperty("petition").GetProperty("id").GetString()
            .ShouldBe(anhui.ToString());
        var across = await api.GraphQL(PetitionQuery, new { id = anhui }, api.Officer("320102-PO"));
        across.Data.GetProperty("petition").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null, across.Body);
        // Even the auditor, who may read every petition, finds a petition only where its id says it is.
        (await api.Data(PetitionQuery, new { id = jiangsu }, api.Auditor())).GetProperty("petition").GetProperty("id").GetString()
            .ShouldBe(jiangsu.ToString());

        await api.Services.GetRequiredService<Marten.IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        var inbox = await api.Data("query($d: ID!) { inbox(departmentId: $d) { totalCount edges { node { petition { id } } } } }",
            new { d = "320102-PO" }, api.Officer("320102-PO"));
        var ids = inbox.GetProperty("inbox").GetProperty("edges").EnumerateArray()
            .Select(e => e.GetProperty("node").GetProperty("petition").GetProperty("id").GetString()).ToList();
        ids.ShouldBe([jiangsu.ToString()]);

        // The petitioner tracks by case number and access code: the case number names the province.
        var tracked = await api.Data("query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id } }",
            new { n = anhuiNumber, c = anhuiCode });
        tracked.GetProperty("trackPetition").GetProperty("id").GetString().ShouldBe(anhui.ToString());

        // The feed reads one province's log: the department filter's. A scope over several provinces reads
        // the national log (when_the_whole_country_is_followed): both provinces' petitions, never a partial feed.
        var jiangsuFeed = await api.Data("query($d: ID!) { events(after: 0, departmentId: $d) { petitionId } }", new { d = "320102-PO" }, api.Auditor());
        jiangsuFeed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("petitionId").GetString()).Distinct().ShouldBe([jiangsu.ToString()]);
        var national = await Poll.UntilAsync(async () =>
        {
            var ids = (await api.Data("{ events(after: 0) { petitionId } }", token: api.Auditor())).GetProperty("events").EnumerateArray()
                .Select(e => e.GetProperty("petitionId").GetString()).Distinct().ToList();
            return ids.Count == 2 ? ids : null;
        }, TimeSpan.FromSeconds(60));
        national.ShouldBe([anhui.ToString(), jiangsu.ToString()], ignoreOrder: true);
    }
}
