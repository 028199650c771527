using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Rules;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 20's national reads that span databases, through the public API, with the national office's database
/// beside Anhui's, Jiangsu's and Zhejiang's: the national overdue list (one keyset walk over four databases),
/// the national situation analysis, and an integrator's region filter over several provinces (the national log).
/// One workload for the class: in each province two petitions at a county office, one forwarded to a county
/// agency; at the national office two, one handed down to an Anhui agency; then the limits pass.
/// </summary>
public class when_the_nation_reads_across_databases(NationalWorkload workload) : IClassFixture<NationalWorkload>
{
    private static readonly string[] Offices = ["340000-PO", "320000-PO", "330000-PO"];
    private readonly ApiHost _api = workload.Api;
    private readonly Guid _handedDown = workload.HandedDown;
    private readonly Guid _copy = workload.Copy;

    [Fact]
    public async Task the_national_overdue_list_walks_every_databases_missed_limits_once_in_order()
    {
        var national = _api.Supervisor("000000-PO");
        var (walked, total) = await WalkAsync("000000-PO", includeSubordinates: true, national, pageSize: 3);
        // Each province's roll-up and the national office's own list, each read from its own database.
        var parts = new List<Overdue>();
        foreach (var office in Offices)
            parts.AddRange((await WalkAsync(office, includeSubordinates: true, _api.Supervisor(office), pageSize: 100)).Items);
        parts.AddRange((await WalkAsync("000000-PO", includeSubordinates: false, national, pageSize: 100)).Items);

        walked.Count.ShouldBe(total);
        walked.Count.ShouldBeGreaterThanOrEqualTo(8);   // two per province, the copy's, the national office's routing
        walked.Select(o => o.Key).ShouldBeUnique();
        walked.Select(o => o.Key).Order(StringComparer.Ordinal).ShouldBe(parts.Select(o => o.Key).Order(StringComparer.Ordinal));
        walked.Select(o => o.DueAt).ShouldBeInOrder(SortDirection.Ascending);
        // The handed-down petition is late once, on its copy in Anhui: the national petition runs no clock.
        walked.ShouldContain(o => o.Petition == _copy && o.Department == "340102-EDU");
        walked.ShouldNotContain(o => o.Petition == _handedDown);
        foreach (var province in new[] { "340", "320", "330" })
            walked.Count(o => o.Department.StartsWith(province, StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2);

        // A province's supervisor reads no national list.
        (await _api.GraphQL("""{ overdue(departmentId: "000000-PO") { totalCount } }""", token: _api.Supervisor("340000-PO"))).Code.ShouldBe("FORBIDDEN");
    }

    [Fact]
    public async Task the_national_situation_analysis_adds_up_every_database_and_counts_a_hand_down_once()
    {
        const string Query = """
            query($region: ID!, $date: Date!) { situationAnalysis(regionCode: $region, period: MONTH, date: $date) {
              received risingCategories { key count } keywords { keyword count baselineCount } } }
            """;
        var date = DateOnly.FromDateTime(_api.Clock.GetUtcNow().AddDays(-20).UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var national = (await _api.Data(Query, new { region = "000000", date }, _api.Supervisor("000000-PO"))).GetProperty("situationAnalysis");
        var provinces = new List<JsonElement>();
        foreach (var office in Offices)
            provinces.Add((await _api.Data(Query, new { region = office[..6], date }, _api.Supervisor(office))).GetProperty("situationAnalysis"));

        // The provinces' own submissions (the live test's too, if it ran first) and the national office's two: the
        // hand-down is not received again in Anhui.
        provinces.Select(p => p.GetProperty("received").GetInt32()).ShouldBe(new[] { "340102", "320102", "330102" }.Select(c => workload.Submitted[c].Count));
        national.GetProperty("received").GetInt32().ShouldBe(provinces.Sum(p => p.GetProperty("received").GetInt32()) + 2);
        // Each subject keyword's count is the provinces' counts and the national office's two.
        var provinceCounts = provinces.SelectMany(p => p.GetProperty("keywords").EnumerateArray())
            .GroupBy(k => k.GetProperty("keyword").GetString()!).ToDictionary(g => g.Key, g => g.Sum(k => k.GetProperty("count").GetInt32()));
        var keywords = national.GetProperty("keywords").EnumerateArray().ToList();
        keywords.ShouldNotBeEmpty();
        foreach (var keyword in keywords)
            keyword.GetProperty("count").GetInt32().ShouldBe(provinceCounts.GetValueOrDefault(keyword.GetProperty("keyword").GetString()!) + 2);

        (await _api.GraphQL(Query, new { region = "000000", date }, _api.Supervisor("340000-PO"))).Code.ShouldBe("FORBIDDEN");
    }

    [Fact]
    public async Task an_integrators_region_filter_over_two_provinces_reads_the_national_log_and_one_province_its_own()
    {
        const string Feed = "query($after: Long, $regions: [ID!]) { events(after: $after, first: 4, regionCodes: $regions) { sequence provinceSequence province petitionId type departmentId } }";
        var integrator = _api.Token(Domain.Role.Integrator, "000000-PO", "integrator-nation");
        var everything = await PullAsync(Feed, null, integrator);
        var twoProvinces = await PullAsync(Feed, new[] { "34", "320000" }, integrator);
        var oneCounty = await PullAsync(Feed, new[] { "340102" }, integrator);

        // Two provinces: the national log's sequence, exactly its events whose stored department lies in Anhui or
        // Jiangsu, in its order: the copy's in Anhui, and the national petition's since it went to the Anhui agency.
        twoProvinces.Select(e => e.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        twoProvinces.Select(e => e.Sequence).ShouldBeUnique();
        twoProvinces.ShouldBe(everything.Where(e => e.Department.StartsWith("34", StringComparison.Ordinal) || e.Department.StartsWith("32", StringComparison.Ordinal)).ToList());
        twoProvinces.ShouldContain(e => e.Province == "320000");
        twoProvinces.ShouldContain(e => e.Petition == _copy);
        twoProvinces.ShouldContain(e => e.Petition == _handedDown && e.Type == "PetitionHandedOver");
        twoProvinces.ShouldNotContain(e => e.Department == "000000-PO");
        // One county: its province's own log (sequence = the province's): the events Anhui's database holds, as for
        // a department filter; the national petition's events stay in the national log.
        oneCounty.ShouldNotBeEmpty();
        oneCounty.ShouldAllBe(e => e.Province == "340000" && e.Sequence == e.ProvinceSequence);
        oneCounty.Select(e => (e.Province, e.ProvinceSequence, e.Petition, e.Type))
            .ShouldBe(everything.Where(e => e.Province == "340000").Select(e => (e.Province, e.ProvinceSequence, e.Petition, e.Type)).ToList());

        // An unknown region is VALIDATION, naming the argument, never the value.
        var refused = await _api.GraphQL(Feed, new { after = 0, regions = new[] { "349999" } }, integrator);
        refused.Code.ShouldBe("VALIDATION");
        refused.Body.ShouldNotContain("349999");
        // An integrator of a province, filtering on two: only events stored within its own province's subtree (its
        // scope, access.md), wherever they are held: the national petition's since it went to the Anhui agency too.
        var anhuiIntegrator = _api.Token(Domain.Role.Integrator, "340000-PO", "integrator-anhui");
        var scoped = await PullAsync(Feed, new[] { "340000", "320000" }, anhuiIntegrator);
        scoped.ShouldBe(twoProvinces.Where(e => e.Department.StartsWith("34", StringComparison.Ordinal)).ToList());
    }

    [Fact]
    public async Task a_subscription_with_a_region_filter_over_two_provinces_replays_the_pulled_events_then_follows_live()
    {
        var integrator = _api.Token(Domain.Role.Integrator, "000000-PO", "integrator-live");
        const string Feed = "query($after: Long, $regions: [ID!]) { events(after: $after, first: 4, regionCodes: $regions) { sequence provinceSequence province petitionId type departmentId } }";
        var pulled = await PullAsync(Feed, ["320000", "330000"], integrator);
        pulled.ShouldNotBeEmpty();

        await using var ws = await WsSession.ConnectAsync(_api);
        await ws.InitAsync(integrator);
        await ws.SendAsync(new
        {
            id = "1",
            type = "subscribe",
            payload = new { query = "subscription { petitionEvents(filter: { regionCodes: [\"320000\", \"330000\"] }, after: 0) { sequence province petitionId type } }" },
        });
        var replayed = new List<(long, string, Guid, string)>();
        while (replayed.Count < pulled.Count)
            replayed.Add(Read(await ws.MessageAsync(timeout: TimeSpan.FromSeconds(30))));
        replayed.ShouldBe(pulled.Select(e => (e.Sequence, e.Province, e.Petition, e.Type)).ToList());

        // Live: a Zhejiang submission arrives next, numbered after the replay in the national log; an Anhui one never does.
        workload.Submitted["340102"].Add((await _api.SubmitAsync(region: "340102")).Id);
        var zhejiang = (await _api.SubmitAsync(region: "330102")).Id;
        workload.Submitted["330102"].Add(zhejiang);
        var next = Read(await ws.MessageAsync(timeout: TimeSpan.FromSeconds(30)));
        next.ShouldBe((next.Item1, "330000", zhejiang, "PetitionSubmitted"));
        next.Item1.ShouldBeGreaterThan(pulled[^1].Sequence);

        static (long, string, Guid, string) Read(JsonElement message)
        {
            message.GetProperty("type").GetString().ShouldBe("next", message.GetRawText());
            var e = message.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents");
            return (e.GetProperty("sequence").GetInt64(), e.GetProperty("province").GetString()!, Guid.Parse(e.GetProperty("petitionId").GetString()!),
                e.GetProperty("type").GetString()!);
        }
    }

    [Fact]
    public async Task the_access_log_of_a_province_is_read_by_naming_it_at_the_national_level()
    {
        const string Log = "query($p: ID) { personalDataAccessLog(province: $p, first: 100) { totalCount edges { node { petitionId } } } }";
        // A Jiangsu county officer reads a petitioner in clear: one read, kept in Jiangsu's database.
        var petition = workload.Submitted["320102"][1];
        await _api.Data("query($id: ID!) { petition(id: $id) { petitioner { name } } }", new { id = petition }, _api.Officer("320102-PO"));

        var auditor = _api.Auditor();
        var refused = await _api.GraphQL(Log, new { p = (string?)null }, auditor);
        refused.Code.ShouldBe("VALIDATION");
        refused.Body.ShouldContain("province");
        PetitionsOf(await _api.Data(Log, new { p = "320000" }, auditor)).ShouldContain(petition);
        PetitionsOf(await _api.Data(Log, new { p = "34" }, auditor)).ShouldNotContain(petition);
        // A province no database serves is NOT_FOUND; a code that is no region code at all, VALIDATION.
        (await _api.GraphQL(Log, new { p = "440000" }, auditor)).Code.ShouldBe("NOT_FOUND");
        (await _api.GraphQL(Log, new { p = "4400x" }, auditor)).Code.ShouldBe("VALIDATION");
    }

    private static List<Guid> PetitionsOf(JsonElement data) =>
        [.. data.GetProperty("personalDataAccessLog").GetProperty("edges").EnumerateArray()
            .Select(e => Guid.Parse(e.GetProperty("node").GetProperty("petitionId").GetString()!))];

    private sealed record Overdue(string Key, Guid Petition, string Department, string Stage, DateTimeOffset DueAt);

    private sealed record Logged(long Sequence, long ProvinceSequence, string Province, Guid Petition, string Type, string Department);

    private async Task<(List<Overdue> Items, int Total)> WalkAsync(string department, bool includeSubordinates, string token, int pageSize)
    {
        var items = new List<Overdue>();
        string? after = null;
        var total = -1;
        while (true)
        {
            var page = (await _api.Data("""
                query($d: ID!, $s: Boolean, $first: Int, $after: String) { overdue(departmentId: $d, includeSubordinates: $s, first: $first, after: $after) {
                  totalCount pageInfo { hasNextPage endCursor } edges { node { petition { id } department { id } stage dueAt } } } }
                """, new { d = department, s = includeSubordinates, first = pageSize, after }, token)).GetProperty("overdue");
            total = page.GetProperty("totalCount").GetInt32();
            foreach (var node in page.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")))
            {
                var petition = Guid.Parse(node.GetProperty("petition").GetProperty("id").GetString()!);
                var stage = node.GetProperty("stage").GetString()!;
                items.Add(new Overdue($"{petition}/{stage}/{node.GetProperty("department").GetProperty("id").GetString()}", petition, node.GetProperty("department").GetProperty("id").GetString()!, stage,
                    node.GetProperty("dueAt").GetDateTimeOffset()));
            }
            var info = page.GetProperty("pageInfo");
            if (!info.GetProperty("hasNextPage").GetBoolean())
                return (items, total);
            after = info.GetProperty("endCursor").GetString();
        }
    }

    private async Task<List<Logged>> PullAsync(string feed, string[]? regions, string token)
    {
        var events = new List<Logged>();
        while (true)
        {
            var page = (await _api.Data(feed, new { after = events.Count == 0 ? 0 : events[^1].Sequence, regions }, token))
                .GetProperty("events").EnumerateArray()
                .Select(e => new Logged(e.GetProperty("sequence").GetInt64(), e.GetProperty("provinceSequence").GetInt64(),
                    e.GetProperty("province").GetString()!, Guid.Parse(e.GetProperty("petitionId").GetString()!), e.GetProperty("type").GetString()!,
                    e.GetProperty("departmentId").GetString() ?? ""))
                .ToList();
            if (page.Count == 0)
                return events;
            events.AddRange(page);
        }
    }
}

/// <summary>The class's databases and host, and the workload run once for its tests.</summary>
public sealed class NationalWorkload : IAsyncLifetime
{
    private static readonly (string County, string Agency)[] Counties = [("340102", "340102-EDU"), ("320102", "320102-EDU"), ("330102", "330102-EDU")];
    private readonly NationAndThreeProvinces _db = new();

    public ApiHost Api { get; private set; } = null!;

    /// <summary>The national office's petition handed down to the Anhui agency, and its copy there.</summary>
    public Guid HandedDown { get; private set; }

    public Guid Copy { get; private set; }

    /// <summary>The petitions submitted at each county office, in order (the first was forwarded to its agency).</summary>
    public Dictionary<string, List<Guid>> Submitted { get; } = [];

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        Api = await ApiHost.StartAsync(_db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        foreach (var (county, agency) in Counties)
        {
            var forwarded = (await Api.SubmitAsync(region: county)).Id;
            Submitted[county] = [forwarded, (await Api.SubmitAsync(region: county)).Id];
            await Api.Forward(forwarded, to: agency, by: $"{county}-PO");
        }
        HandedDown = (await Api.SubmitAsync(region: "000000")).Id;
        await Api.SubmitAsync(region: "000000");
        await Api.Forward(HandedDown, to: "340102-EDU", by: "000000-PO");
        Copy = (await Poll.UntilAsync(async () =>
        {
            await using var session = Api.Services.GetRequiredService<IDocumentStore>().QuerySession(Province.Nation);
            return await session.LoadAsync<Domain.Petitions.Petition>(HandedDown) is { Link: { ReportedVersion: >= 1 } link } ? new[] { link.PetitionId } : null;
        }, TimeSpan.FromSeconds(60)))[0];
        // Every limit passes: the offices' routing, the agencies' acceptance (the copy's at the Anhui agency).
        Api.Clock.Advance(TimeSpan.FromDays(20));
        await Api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();
        await Api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await _db.DisposeAsync();
    }
}
