using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Access;

/// <summary>
/// The work queues on the real read side: the <see cref="AccessWorld"/> (P, A at 340101-EDU, Q at
/// 340102-PO, D linked to Q) and R, citizen-4's complaint left at 340101-PO. Twenty days later
/// every open limit has passed (sweep), and the read side has settled. Then one inbox row the
/// events do not explain is planted: Q at
/// 340101-EDU, as a read model that lags or was damaged would show it, so the tests see the API
/// check the read right on every item it returns, not only the right to the department.
/// </summary>
public sealed class QueueWorld : AccessWorld
{
    public Dictionary<string, string> Names { get; } = [];

    protected override async Task ArrangeMoreAsync()
    {
        var (r, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-4"));
        foreach (var (name, id) in new[] { ("P", P), ("A", A), ("Q", Q), ("R", r), ("D", D) })
            Names[id.ToString()] = name;

        Api.Clock.Advance(TimeSpan.FromDays(20));
        await Api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();
        var store = Api.Services.GetRequiredService<IDocumentStore>();
        await store.SettleAsync(TimeSpan.FromSeconds(60));
        await PlantAsync(store, Q);
    }

    /// <summary>An inbox row for Q at 340101-EDU that no event explains (Q never left 340102-PO).</summary>
    private static async Task PlantAsync(IDocumentStore store, Guid q)
    {
        await using var connection = (await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"insert into {store.Options.DatabaseSchemaName}.{ReadSideSchema.InboxTable} (item_id, petition_id, department_id, region_path, " +
            "stage, received_at, due_at, due_sort, paused, category, subject, case_number, suspected_duplicate) values ('stale-q', @q, " +
            "'340101-EDU', '000000.340000.340100.340101', 'Acceptance', now(), now(), now(), false, 'ComplaintRequest', 'x', 'x', false)",
            (NpgsqlConnection)connection);
        command.Parameters.AddWithValue("q", q);
        await command.ExecuteNonQueryAsync();
    }
}

public class when_each_role_reads_the_work_queues(QueueWorld world) : IClassFixture<QueueWorld>
{
    private ApiHost Api => world.Api;

    /// <summary>The petitions of a queue's items by name, each once, in name order; or the error code.</summary>
    private async Task<string> Items(string query, string field, string? token)
    {
        var result = await Api.GraphQL(query, token: token);
        if (result.HasErrors)
            return result.Code;
        return string.Join(',', result.Data.GetProperty(field).GetProperty("edges").EnumerateArray()
            .Select(e => world.Names[e.GetProperty("node").GetProperty("petition").GetProperty("id").GetString()!]).Distinct().Order(StringComparer.Ordinal));
    }

    // Was when_each_role_reaches_petitions.inbox_overdue_and_statistics_follow_the_department_and_each_item_the_read_right
    // on a fake read side that listed every petition in every queue; here the planted row plays that part for the inbox.
    [Theory]
    [InlineData("anonymous", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED")]
    [InlineData("petitioner-own", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("officer-former", "FORBIDDEN", "FORBIDDEN", "ok")]
    [InlineData("officer-current", "A,P", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("officer-other", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("supervisor-subtree", "A,P,Q", "A,P,Q,R", "ok")]
    [InlineData("supervisor-other", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("auditor", "A,P,Q", "A,P,Q,R", "ok")]
    [InlineData("integrator", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("admin", "A,P,Q", "A,P,Q,R", "ok")]
    public async Task inbox_overdue_and_statistics_follow_the_department_and_each_item_the_read_right(
        string caller, string inbox, string overdue, string statistics)
    {
        var token = world.Tokens[caller];
        (await Items("{ inbox(departmentId: \"340101-EDU\") { edges { node { petition { id } stage } } } }", "inbox", token)).ShouldBe(inbox, "inbox");
        (await Items("{ overdue(departmentId: \"340100-PO\") { edges { node { petition { id } department { id } daysOverdue } } } }", "overdue", token)).ShouldBe(overdue, "overdue");
        var stats = await Api.GraphQL("{ statistics(departmentId: \"340101-PO\", from: \"2025-01-01\", to: \"2025-03-31\") { totals { received } onlineShare series(period: MONTH) { periodStart } } }", token: token);
        (stats.HasErrors ? stats.Code : "ok").ShouldBe(statistics, "statistics");
    }

    // Was when_each_role_reaches_petitions.the_queues_receive_the_contract_arguments_and_statistics_rates_come_from_the_totals,
    // which read the arguments off a fake; here the real read side must answer them.
    [Fact]
    public async Task the_queues_apply_the_contract_arguments_and_statistics_rates_come_from_the_totals()
    {
        var auditor = world.Tokens["auditor"];
        var data = await Api.Data("""
            { inbox(departmentId: "340101-EDU", filter: { stages: [ACCEPTANCE], overdueOnly: true, category: REPORT_ACCUSATION, text: "村道" }, orderBy: RECEIVED_AT_DESC, first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { petition { id } stage receivedAt dueAt overdue assignedOfficerId } } }
              overdue(departmentId: "340101-EDU", first: 3) { totalCount edges { node { petition { id } department { id } stage dueAt daysOverdue supervisionCount } } }
              statistics(departmentId: "340101-EDU", from: "2025-01-01", to: "2025-03-31") {
                department { id } from to totals { received overdue online accepted declined replied repliedOnTime acceptedOnTime evaluated satisfied basicallySatisfied }
                onlineShare onTimeRate timelyAcceptanceRate satisfactionRate averageHandlingDays
                byChannel { channel count } byCategory { category count } series(period: MONTH) { periodStart received } } }
            """, token: auditor);
        // The filter: only A is an overdue accusation in acceptance whose subject has 村道.
        var inbox = data.GetProperty("inbox");
        inbox.GetProperty("totalCount").GetInt32().ShouldBe(1);
        var item = inbox.GetProperty("edges").EnumerateArray().Single().GetProperty("node");
        world.Names[item.GetProperty("petition").GetProperty("id").GetString()!].ShouldBe("A");
        item.GetProperty("stage").GetString().ShouldBe("ACCEPTANCE");
        item.GetProperty("overdue").GetBoolean().ShouldBeTrue();
        inbox.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean().ShouldBeFalse();

        // first and after: the pages of the unfiltered inbox follow each other without repeating an item.
        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = (await Api.Data("""
                query($after: String) { inbox(departmentId: "340101-EDU", orderBy: RECEIVED_AT_DESC, first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { receivedAt } } } }
                """, new { after }, auditor)).GetProperty("inbox");
            var edges = page.GetProperty("edges").EnumerateArray().ToList();
            edges.Count.ShouldBeLessThanOrEqualTo(1);
            seen.AddRange(edges.Select(e => e.GetProperty("cursor").GetString()!));
            after = page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean() ? page.GetProperty("pageInfo").GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);
        seen.Count.ShouldBeGreaterThan(1);
        seen.ShouldBeUnique();

        // A handling agency's overdue list never rolls up its region (the access rule decides the scope): R, missed at
        // 340101-PO in the same region, is not in it.
        var overdue = data.GetProperty("overdue").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToList();
        overdue.ShouldNotBeEmpty();
        overdue.ShouldAllBe(n => n.GetProperty("department").GetProperty("id").GetString() == "340101-EDU");
        overdue.ShouldAllBe(n => n.GetProperty("daysOverdue").GetInt32() > 0);

        // A handling agency's statistics never roll up subordinates either, and the rates are ratios of the totals.
        var stats = data.GetProperty("statistics");
        var own = (await Api.Data("""{ statistics(departmentId: "340101-EDU", from: "2025-01-01", to: "2025-03-31", includeSubordinates: false) { totals { received overdue } } }""",
            token: auditor)).GetProperty("statistics").GetProperty("totals");
        stats.GetProperty("department").GetProperty("id").GetString().ShouldBe("340101-EDU");
        stats.GetProperty("from").GetString().ShouldBe("2025-01-01");
        stats.GetProperty("to").GetString().ShouldBe("2025-03-31");
        var t = stats.GetProperty("totals");
        int T(string name) => t.GetProperty(name).GetInt32();
        double? Rate(int n, int d) => d == 0 ? null : (double)n / d;
        double? Read(string name) => stats.GetProperty(name).ValueKind == System.Text.Json.JsonValueKind.Null ? null : stats.GetProperty(name).GetDouble();
        // The region's roll-up would count the county office's receipts (P, A, R, D); the agency's own figures do not.
        T("received").ShouldBe(own.GetProperty("received").GetInt32());
        T("overdue").ShouldBe(own.GetProperty("overdue").GetInt32());
        T("overdue").ShouldBeGreaterThan(0);
        Read("onlineShare").ShouldBe(Rate(T("online"), T("received")));
        Read("onTimeRate").ShouldBe(Rate(T("repliedOnTime"), T("replied")));
        Read("timelyAcceptanceRate").ShouldBe(Rate(T("acceptedOnTime"), T("accepted") + T("declined")));
        Read("satisfactionRate").ShouldBe(Rate(T("satisfied") + T("basicallySatisfied"), T("evaluated")));
        stats.GetProperty("byChannel").EnumerateArray().Sum(c => c.GetProperty("count").GetInt32()).ShouldBe(T("received"));
        stats.GetProperty("byCategory").EnumerateArray().Sum(c => c.GetProperty("count").GetInt32()).ShouldBe(T("received"));
        var series = stats.GetProperty("series").EnumerateArray().ToList();
        series[0].GetProperty("periodStart").GetString().ShouldBe("2025-01-01");
        series.Sum(b => b.GetProperty("received").GetInt32()).ShouldBe(T("received"));

        var badRange = await Api.GraphQL("{ statistics(departmentId: \"340101-EDU\", from: \"2025-03-31\", to: \"2025-01-01\") { from } }", token: auditor);
        badRange.Code.ShouldBe("VALIDATION");
        var unknown = await Api.GraphQL("{ inbox(departmentId: \"nowhere\") { totalCount } }", token: auditor);
        unknown.Code.ShouldBe("VALIDATION");
        var badCursor = await Api.GraphQL("{ inbox(departmentId: \"340101-EDU\", after: \"c0\") { totalCount } }", token: auditor);
        badCursor.Code.ShouldBe("VALIDATION");
    }
}
