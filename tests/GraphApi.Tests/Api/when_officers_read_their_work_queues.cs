using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Api;

/// <summary>The inbox, the overdue list and the statistics over HTTP, served by the real read side.</summary>
public class when_officers_read_their_work_queues(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task each_inbox_page_shows_its_own_petitions_page_after_page()
    {
        // The inbox reads a page's petitions with the page (a third statement over the same keyset,
        // filter and cursor): walking a filtered inbox page by page must show, under each item, the
        // petition the item belongs to, with the officer's view of it, and every item once.
        await using var api = await ApiHost.StartAsync(db);
        var submitted = new List<Guid>();
        for (var i = 0; i < 7; i++)
            submitted.Add((await api.SubmitAsync(category: i % 2 == 0 ? "COMPLAINT_REQUEST" : "REPORT_ACCUSATION")).Id);
        await api.Forward(submitted[0]);   // leaves the office's routing stage
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        var officer = api.Officer("340101-PO");
        const string Fields = "id caseNumber subject status version category petitioner { name phone }";

        var seen = new List<System.Text.Json.JsonElement>();
        string? after = null;
        int? total = null;
        do
        {
            var data = await api.Data($$"""
                query($after: String) { inbox(departmentId: "340101-PO", first: 2, after: $after, orderBy: RECEIVED_AT_DESC,
                    filter: { stages: [ROUTING] }) {
                  totalCount pageInfo { hasNextPage endCursor } edges { node { stage petition { {{Fields}} } } } } }
                """, new { after }, officer);
            var inbox = data.GetProperty("inbox");
            total ??= inbox.GetProperty("totalCount").GetInt32();
            var edges = inbox.GetProperty("edges").EnumerateArray().ToList();
            edges.Count.ShouldBeInRange(1, 2);
            seen.AddRange(edges.Select(e => e.GetProperty("node").GetProperty("petition")));
            var pageInfo = inbox.GetProperty("pageInfo");
            after = pageInfo.GetProperty("hasNextPage").GetBoolean() ? pageInfo.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        // The class's database is shared: other tests may have left items in this inbox too.
        var ids = seen.Select(p => Guid.Parse(p.GetProperty("id").GetString()!)).ToList();
        ids.Count.ShouldBe(total!.Value);
        ids.ShouldBeUnique();
        ids.ShouldContain(id => submitted.Skip(1).Contains(id), 6);
        ids.ShouldNotContain(submitted[0]);
        foreach (var shown in seen)
        {
            var alone = await api.Petition(Guid.Parse(shown.GetProperty("id").GetString()!), officer, Fields);
            shown.GetRawText().ShouldBe(alone.GetRawText());
        }
    }

    [Fact]
    public async Task the_inbox_overdue_list_and_statistics_show_what_the_events_say()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (first, _, _) = await api.SubmitAsync();
        var (second, _, _) = await api.SubmitAsync();
        await api.Forward(second);
        // The acceptance limit passes at the agency: overdue there and automatically supervised.
        api.Clock.Advance(TimeSpan.FromDays(20));
        await api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));

        var office = await api.Data("""
            { inbox(departmentId: "340101-PO", first: 10) { totalCount edges { cursor node { stage overdue petition { id } } } } }
            """, token: api.Officer("340101-PO"));
        var officeItems = office.GetProperty("inbox").GetProperty("edges").EnumerateArray().ToList();
        office.GetProperty("inbox").GetProperty("totalCount").GetInt32().ShouldBe(1);
        officeItems.Single().GetProperty("node").GetProperty("petition").GetProperty("id").GetString().ShouldBe(first.ToString());
        officeItems.Single().GetProperty("node").GetProperty("stage").GetString().ShouldBe("ROUTING");
        officeItems.Single().GetProperty("node").GetProperty("overdue").GetBoolean().ShouldBeTrue();

        var agency = await api.Data("""
            { inbox(departmentId: "340101-EDU") { totalCount edges { node { stage petition { id } } } } }
            """, token: api.Officer("340101-EDU"));
        agency.GetProperty("inbox").GetProperty("edges").EnumerateArray()
            .Select(e => e.GetProperty("node").GetProperty("stage").GetString()).Order()
            .ShouldBe(["ACCEPTANCE", "SUPERVISION_RESPONSE"]);

        // The city office sees both missed limits of its subtree (the county office's routing, the agency's acceptance).
        var overdue = await api.Data("""
            { overdue(departmentId: "340100-PO") { totalCount edges { node { stage daysOverdue department { id } } } } }
            """, token: api.Supervisor("340100-PO"));
        overdue.GetProperty("overdue").GetProperty("edges").EnumerateArray()
            .Select(e => e.GetProperty("node").GetProperty("department").GetProperty("id").GetString()).Order()
            .ShouldBe(["340101-EDU", "340101-PO"]);

        var statistics = await api.Data("""
            { statistics(departmentId: "340101-PO", from: "2025-03-01", to: "2025-03-31") {
                totals { received online accepted overdue } onlineShare timelyAcceptanceRate
                byChannel { channel count } series(period: WEEK) { periodStart received } } }
            """, token: api.Supervisor("340101-PO"));
        var s = statistics.GetProperty("statistics");
        s.GetProperty("totals").GetProperty("received").GetInt32().ShouldBe(2);
        s.GetProperty("totals").GetProperty("accepted").GetInt32().ShouldBe(1);       // the office's forward
        // For its SUPERVISOR, includeSubordinates (the default) rolls up the county's subtree: its own routing miss
        // and the agency's acceptance miss. An OFFICER sees its own department only, whatever the flag says.
        s.GetProperty("totals").GetProperty("overdue").GetInt32().ShouldBe(2);
        s.GetProperty("onlineShare").GetDouble().ShouldBe(1.0);
        s.GetProperty("timelyAcceptanceRate").GetDouble().ShouldBe(1.0);
        var weeks = s.GetProperty("series").EnumerateArray().ToList();
        weeks.First().GetProperty("periodStart").GetString().ShouldBe("2025-03-01");  // clipped to the range
        weeks.Sum(w => w.GetProperty("received").GetInt32()).ShouldBe(2);

        var own = await api.Data("""
            { statistics(departmentId: "340101-PO", from: "2025-03-01", to: "2025-03-31", includeSubordinates: false) { totals { overdue } } }
            """, token: api.Supervisor("340101-PO"));
        own.GetProperty("statistics").GetProperty("totals").GetProperty("overdue").GetInt32().ShouldBe(1);
        var officer = await api.Data("""
            { statistics(departmentId: "340101-PO", from: "2025-03-01", to: "2025-03-31") { totals { overdue } } }
            """, token: api.Officer("340101-PO"));
        officer.GetProperty("statistics").GetProperty("totals").GetProperty("overdue").GetInt32().ShouldBe(1);

        var otherOffice = await api.GraphQL("""{ inbox(departmentId: "340101-PO") { totalCount } }""", token: api.Officer("340102-PO"));
        otherOffice.Code.ShouldBe("FORBIDDEN");
    }
}
