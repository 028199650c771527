using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 20's national oracle, through the public API, with the national office's database beside Anhui's,
/// Jiangsu's and Zhejiang's. A known workload in every database, a hand-down from the national office to an
/// Anhui agency among it: the national statistics equal the counts the workload implies, equal the sum of the
/// provinces' own figures and the national office's own, and a province's figures read by the national
/// supervisor equal the province's own.
/// </summary>
public class when_the_nation_is_rolled_up(NationAndThreeProvinces db) : IClassFixture<NationAndThreeProvinces>
{
    private const string Totals = "received accepted declined replied";

    private static readonly (string Office, string County, string Agency, int Submitted)[] Provinces =
        [("340000-PO", "340102", "340102-EDU", 3), ("320000-PO", "320102", "320102-EDU", 2), ("330000-PO", "330102", "330102-EDU", 1)];

    [Fact]
    public async Task the_national_figures_are_the_workloads_and_the_sum_of_the_provinces_and_the_national_offices_own()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        // In each province: petitions at a county office, one forwarded to a county agency, accepted and replied.
        foreach (var (_, county, agency, submitted) in Provinces)
        {
            var ids = new List<Guid>();
            for (var i = 0; i < submitted; i++)
                ids.Add((await api.SubmitAsync(region: county)).Id);
            await api.Forward(ids[0], to: agency, by: $"{county}-PO");
            await api.Accept(ids[0], by: agency);
            await api.Reply(ids[0], by: agency);
        }
        // At the national office: two petitions, one handed down to an Anhui county agency, which accepts and replies on its copy.
        var national = (await api.SubmitAsync(region: "000000")).Id;
        await api.SubmitAsync(region: "000000");
        await api.Forward(national, to: "340102-EDU", by: "000000-PO");
        var copy = await Poll.UntilAsync(async () =>
            await LoadAsync(api, "000000", national) is { Link: { } link } && await LoadAsync(api, "340000", link.PetitionId) is not null
                ? new[] { link.PetitionId }
                : null, TimeSpan.FromSeconds(60));
        await api.Accept(copy[0], by: "340102-EDU");
        await api.Reply(copy[0], by: "340102-EDU");

        // What the workload implies. Received: every submission once, where first received (the copy is not
        // received again). Accepted: each office's forward (its acceptance decision) and each agency's acceptance.
        var expectedNation = (Received: 3 + 2 + 1 + 2, Accepted: 3 + 1 + 3 + 1, Declined: 0, Replied: 3 + 1);
        var expectedAnhui = (Received: 3, Accepted: 1 + 1 + 1, Declined: 0, Replied: 1 + 1);
        var nationalSupervisor = api.Supervisor("000000-PO");
        var nation = await Poll.UntilAsync(async () =>
            await StatisticsAsync(api, "000000-PO", nationalSupervisor) is var t && t == expectedNation ? new[] { t } : null, TimeSpan.FromSeconds(60));
        nation[0].ShouldBe(expectedNation);

        // The national office's own counters: its two receipts and its forward.
        (await StatisticsAsync(api, "000000-PO", nationalSupervisor, includeSubordinates: false)).ShouldBe((2, 1, 0, 0));
        // Each province as its own supervisor sees it, and as the national supervisor sees it.
        var sum = (Received: 2, Accepted: 1, Declined: 0, Replied: 0);
        foreach (var (office, _, _, _) in Provinces)
        {
            var own = await StatisticsAsync(api, office, api.Supervisor(office));
            (await StatisticsAsync(api, office, nationalSupervisor)).ShouldBe(own, office);
            sum = (sum.Received + own.Received, sum.Accepted + own.Accepted, sum.Declined + own.Declined, sum.Replied + own.Replied);
            if (office == "340000-PO")
                own.ShouldBe(expectedAnhui);
        }
        sum.ShouldBe(expectedNation);
        // A province's supervisor reads no national figures.
        (await api.GraphQL(Query("000000-PO", true), token: api.Supervisor("340000-PO"))).Code.ShouldBe("FORBIDDEN");
    }

    [Fact]
    public async Task a_handed_down_petition_is_tracked_with_either_case_number_and_the_one_access_code_and_shows_the_copys_deadline()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var (national, nationalNumber, code) = await api.SubmitAsync(region: "000000");
        await api.Forward(national, to: "330102-EDU", by: "000000-PO");
        const string Track = "query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id caseNumber status stage currentDepartment { id } deadline { stage lastDay } linkedPetition { id caseNumber province relation } } }";
        // The national petition, once the copy's first report is in: FORWARDED at the Zhejiang agency, with the copy's acceptance limit.
        var tracked = await Poll.UntilAsync(async () =>
        {
            var t = (await api.Data(Track, new { n = nationalNumber, c = code }, token: null)).GetProperty("trackPetition");
            return t.GetProperty("linkedPetition").GetProperty("caseNumber").ValueKind == System.Text.Json.JsonValueKind.String ? new[] { t } : null;
        }, TimeSpan.FromSeconds(60));
        var origin = tracked[0];
        origin.GetProperty("status").GetString().ShouldBe("FORWARDED");
        origin.GetProperty("currentDepartment").GetProperty("id").GetString().ShouldBe("330102-EDU");
        origin.GetProperty("deadline").GetProperty("stage").GetString().ShouldBe("ACCEPTANCE");
        var link = origin.GetProperty("linkedPetition");
        link.GetProperty("relation").GetString().ShouldBe("HANDED_OVER_TO");
        link.GetProperty("province").GetString().ShouldBe("330000");
        var copyNumber = link.GetProperty("caseNumber").GetString()!;
        copyNumber.ShouldStartWith("330102-");

        // The copy's case number with the same code: the copy itself, pointing back.
        var copy = (await api.Data(Track, new { n = copyNumber, c = code }, token: null)).GetProperty("trackPetition");
        copy.GetProperty("id").GetString().ShouldBe(link.GetProperty("id").GetString());
        copy.GetProperty("deadline").GetProperty("lastDay").GetString().ShouldBe(origin.GetProperty("deadline").GetProperty("lastDay").GetString());
        copy.GetProperty("linkedPetition").GetProperty("relation").GetString().ShouldBe("RECEIVED_FROM");
        copy.GetProperty("linkedPetition").GetProperty("caseNumber").GetString().ShouldBe(nationalNumber);
        // A wrong code finds neither.
        (await api.Data(Track, new { n = copyNumber, c = "AAAAAAAAAAAA" }, token: null)).GetProperty("trackPetition").ValueKind
            .ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task the_national_feed_holds_the_national_offices_events_and_the_copys_once_each_in_one_sequence()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var (national, _, _) = await api.SubmitAsync(region: "000000");
        await api.Forward(national, to: "320102-EDU", by: "000000-PO");
        var copyId = (await Poll.UntilAsync(async () =>
            await LoadAsync(api, "000000", national) is { Link: { ReportedVersion: >= 1 } link } ? new[] { link.PetitionId } : null, TimeSpan.FromSeconds(60)))[0];

        var auditor = api.Auditor();
        var feed = await Poll.UntilAsync(async () =>
        {
            var events = new List<(long Sequence, string Petition, string Type, string Province)>();
            while (true)
            {
                var page = (await api.Data("query($after: Long) { events(after: $after, first: 100) { sequence petitionId type province } }",
                        new { after = events.Count == 0 ? 0 : events[^1].Sequence }, auditor))
                    .GetProperty("events").EnumerateArray()
                    .Select(e => (e.GetProperty("sequence").GetInt64(), e.GetProperty("petitionId").GetString()!,
                        e.GetProperty("type").GetString()!, e.GetProperty("province").GetString()!))
                    .ToList();
                if (page.Count == 0)
                    break;
                events.AddRange(page);
            }
            return events.Any(e => e.Petition == national.ToString() && e.Type == "LinkedProgressReported") ? events : null;
        }, TimeSpan.FromSeconds(60));
        var mine = feed.Where(e => e.Petition == national.ToString() || e.Petition == copyId.ToString()).ToList();
        mine.Where(e => e.Petition == national.ToString()).Select(e => e.Type)
            .ShouldBe(["PetitionSubmitted", "PetitionForwarded", "PetitionHandedOver", "LinkedProgressReported"]);
        mine.Where(e => e.Petition == national.ToString()).ShouldAllBe(e => e.Province == "000000");
        mine.Where(e => e.Petition == copyId.ToString()).Select(e => (e.Type, e.Province)).ShouldBe([("HandedOverPetitionReceived", "320000")]);
        // One sequence over every database: 1, 2, 3… without holes or repeats.
        feed.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, feed.Count).Select(i => (long)i));
    }

    private static async Task<Domain.Petitions.Petition?> LoadAsync(ApiHost api, string database, Guid id)
    {
        await using var session = api.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession(database);
        return await session.LoadAsync<Domain.Petitions.Petition>(id);
    }

    private static string Query(string department, bool includeSubordinates) =>
        $$"""{ statistics(departmentId: "{{department}}", from: "2020-01-01", to: "2030-12-31", includeSubordinates: {{(includeSubordinates ? "true" : "false")}}) { totals { {{Totals}} } } }""";

    private static async Task<(int Received, int Accepted, int Declined, int Replied)> StatisticsAsync(ApiHost api, string department, string token,
        bool includeSubordinates = true)
    {
        var totals = (await api.Data(Query(department, includeSubordinates), token: token)).GetProperty("statistics").GetProperty("totals");
        int Get(string name) => totals.GetProperty(name).GetInt32();
        return (Get("received"), Get("accepted"), Get("declined"), Get("replied"));
    }
}
