using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaseEngine.GraphApi.Tests.Api;

/// <summary>
/// Every mutation of the contract, sent over HTTP by the roles that may send it, on five petitions:
/// P goes all the way to termination; R is declined, S transferred up a level, T linked as a
/// duplicate of P, U withdrawn anonymously. The facts read the outcome, the queries, the logs
/// and the access log of that one run.
/// </summary>
public sealed class LifecycleRun : IAsyncLifetime
{
    public DatabaseFixture Db { get; } = new();
    public LogCapture Logs { get; } = new();
    public ApiHost Api { get; private set; } = null!;
    public Guid P { get; private set; }
    public Guid R { get; private set; }
    public Guid S { get; private set; }
    public Guid T { get; private set; }
    public Guid U { get; private set; }
    public string UCaseNumber { get; private set; } = "";
    public string UAccessCode { get; private set; } = "";
    public List<(string Mutation, JsonElement Payload)> Payloads { get; } = [];

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Api = await ApiHost.StartAsync(Db, new FakeClock(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8))),
            services => services.AddSingleton<ILoggerProvider>(Logs),
            new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Marten"] = "Trace" });
        var api = Api;
        var clock = api.Clock;

        (P, _, var pCode) = await api.SubmitAsync();
        await Do("reclassifyPetition", "ReclassifyPetitionInput", new { petitionId = P, category = "SUGGESTION", reason = "属于意见建议" }, api.Officer("340101-PO"));
        await Do("forwardPetition", "ForwardPetitionInput", new { petitionId = P, toDepartmentId = "340101-EDU", mode = "TRANSFER", note = "请依法处理" }, api.Officer("340101-PO"));
        await Do("returnPetition", "ReturnPetitionInput", new { petitionId = P, reason = "不属于本单位职权" }, api.Officer("340101-EDU"));
        await Do("forwardPetition", "ForwardPetitionInput", new { petitionId = P, toDepartmentId = "340101-EDU", mode = "ASSIGN" }, api.Officer("340101-PO"));
        clock.Advance(TimeSpan.FromDays(1));
        await Do("acceptPetition", "AcceptPetitionInput", new { petitionId = P }, api.Officer("340101-EDU"));
        await Do("assignOfficer", "AssignOfficerInput", new { petitionId = P, officerId = "officer-li" }, api.Officer("340101-EDU"));
        await Do("supervisePetition", "SupervisePetitionInput",
            new { petitionId = P, instruction = "请加快办理", dueAt = "2025-03-20T00:00:00+08:00" }, api.Supervisor("340100-PO"));
        var supervisionId = (await api.Petition(P, api.Officer("340101-EDU"), "supervisions { id }"))
            .GetProperty("supervisions")[0].GetProperty("id").GetString();
        await Do("respondToSupervision", "RespondToSupervisionInput", new { petitionId = P, supervisionId, response = "已安排专人办理" }, api.Officer("340101-EDU"));
        await Do("extendDeadline", "ExtendDeadlineInput", new { petitionId = P, days = 10, reason = "需要现场勘查" }, api.Officer("340101-EDU"));
        await Do("startHearing", "StartHearingInput", new { petitionId = P, reason = "听取双方意见" }, api.Officer("340101-EDU"));
        clock.Advance(TimeSpan.FromDays(1));
        await Do("concludeHearing", "ConcludeHearingInput", new { petitionId = P, summary = "听证结束" }, api.Officer("340101-EDU"));
        clock.Advance(TimeSpan.FromDays(10));
        await Do("issueReply", "IssueReplyInput", new { petitionId = P, decision = "PARTIALLY_SUPPORTED", text = "已安排维修" }, api.Officer("340101-EDU"));
        await Do("evaluatePetition", "EvaluatePetitionInput", new { petitionId = P, satisfaction = "DISSATISFIED", comment = "太慢", accessCode = pCode }, null);
        await Do("requestReview", "RequestReviewInput", new { petitionId = P, reason = "维修质量差", accessCode = pCode }, null);
        clock.Advance(TimeSpan.FromDays(3));
        await Do("decideReview", "DecideReviewInput", new { petitionId = P, outcome = "UPHELD", text = "维持原处理意见" }, api.Officer("340100-EDU"));
        await Do("requestReReview", "RequestReviewInput", new { petitionId = P, reason = "仍不服" }, api.Citizen());
        clock.Advance(TimeSpan.FromDays(3));
        await Do("decideReReview", "DecideReviewInput", new { petitionId = P, outcome = "UPHELD", text = "维持复查意见" }, api.Officer("340000-EDU"));

        (R, _, _) = await api.SubmitAsync(token: null);
        await Do("declinePetition", "DeclinePetitionInput", new { petitionId = R, reason = "属于诉讼事项", legalRoute = "LITIGATION" }, api.Officer("340101-PO"));

        (S, _, _) = await api.SubmitAsync();
        await Do("transferLevel", "TransferLevelInput", new { petitionId = S, toDepartmentId = "340100-PO", reason = "涉及全市" }, api.Supervisor("340101-PO"));

        (T, _, _) = await api.SubmitAsync();
        await Do("linkDuplicate", "LinkDuplicateInput", new { petitionId = T, duplicateOfPetitionId = P, reason = "同一事项" }, api.Officer("340101-PO"));

        (U, UCaseNumber, UAccessCode) = await api.SubmitAsync(token: null);
        await Do("withdrawPetition", "WithdrawPetitionInput", new { petitionId = U, reason = "已自行解决", accessCode = UAccessCode }, null);

        // Reads by the staff who may see personal data in clear: each is on the access log.
        await api.Petition(P, api.Officer("340101-EDU"), "petitioner { name }");
        await api.Data("query($id: ID!) { history(petitionId: $id, toVersion: 1) { data } }", new { id = P }, api.Officer("340101-PO"));
    }

    private async Task Do(string mutation, string inputType, object input, string? token)
    {
        var fields = JsonSerializer.SerializeToElement(input, ApiHost.JsonOptions);
        var withId = new Dictionary<string, object?> { ["commandId"] = Guid.NewGuid() };
        foreach (var p in fields.EnumerateObject())
            withId[p.Name] = p.Value;
        var data = await Api.Act(mutation, inputType, withId, token);
        Payloads.Add((mutation, data.GetProperty(mutation)));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Db.DisposeAsync();
    }
}

public class when_a_petition_lives_its_whole_life_through_the_api(LifecycleRun run) : IClassFixture<LifecycleRun>
{
    private ApiHost Api => run.Api;

    [Fact]
    public void every_mutation_of_the_contract_was_sent_and_answered_with_its_events()
    {
        var sent = run.Payloads.Select(p => p.Mutation).Append("submitPetition").Distinct().Order().ToList();
        sent.Count.ShouldBe(21);
        foreach (var (mutation, payload) in run.Payloads)
            payload.GetProperty("events").GetArrayLength().ShouldBeGreaterThan(0, mutation);
        var last = run.Payloads.Single(p => p.Mutation == "decideReReview").Payload;
        last.GetProperty("petition").GetProperty("status").GetString().ShouldBe("TERMINATED");
        last.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ShouldBe(["ReReviewDecided", "PetitionTerminated"]);
    }

    [Fact]
    public async Task the_final_states_are_what_each_act_leads_to()
    {
        string Status(JsonElement p) => p.GetProperty("status").GetString()!;
        Status(await Api.Petition(run.P, Api.Admin())).ShouldBe("TERMINATED");
        Status(await Api.Petition(run.R, Api.Admin())).ShouldBe("DECLINED");
        var s = await Api.Petition(run.S, Api.Admin());
        Status(s).ShouldBe("REGISTERED");
        s.GetProperty("currentDepartment").GetProperty("id").GetString().ShouldBe("340100-PO");
        var t = await Api.Petition(run.T, Api.Admin());
        Status(t).ShouldBe("MERGED");
        t.GetProperty("duplicateOf").GetProperty("id").GetString().ShouldBe(run.P.ToString());
        (await Api.Petition(run.P, Api.Admin())).GetProperty("duplicates").EnumerateArray()
            .Select(d => d.GetProperty("id").GetString()).ShouldBe([run.T.ToString()]);
        Status(await Api.Petition(run.U, Api.Admin())).ShouldBe("WITHDRAWN");
    }

    [Fact]
    public async Task the_petitioner_tracks_its_petition_with_case_number_and_access_code_and_sees_no_internal_fields()
    {
        var data = await Api.Data($$"""query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { {{Petitions.Fields}} history { type actor { role } correlationId } } }""",
            new { n = run.UCaseNumber, c = run.UAccessCode });
        var p = data.GetProperty("trackPetition");
        p.GetProperty("status").GetString().ShouldBe("WITHDRAWN");
        p.GetProperty("petitioner").GetProperty("idNumber").GetString().ShouldBe("340101199001011234");

        var wrong = await Api.Data("query($n: String!) { trackPetition(caseNumber: $n, accessCode: \"AAAAAAAAAAAA\") { id } }", new { n = run.UCaseNumber });
        wrong.GetProperty("trackPetition").ValueKind.ShouldBe(JsonValueKind.Null);

        // P's own view: no supervisions, no assigned officer, no staff metadata, no internal events.
        var own = await Api.Petition(run.P, Api.Citizen(), "assignedOfficerId supervisions { id } history { type actor { id role } correlationId causationId data }");
        own.GetProperty("assignedOfficerId").ValueKind.ShouldBe(JsonValueKind.Null);
        own.GetProperty("supervisions").GetArrayLength().ShouldBe(0);
        var history = own.GetProperty("history").EnumerateArray().ToList();
        history.Select(e => e.GetProperty("type").GetString()).ShouldNotContain("OfficerAssigned");
        history.Select(e => e.GetProperty("type").GetString()).ShouldNotContain("SupervisionIssued");
        history.ShouldContain(e => e.GetProperty("type").GetString() == "ReplyIssued" && e.GetProperty("data").GetProperty("by").ValueKind == JsonValueKind.Null);
        foreach (var e in history)
        {
            e.GetProperty("correlationId").ValueKind.ShouldBe(JsonValueKind.Null);
            if (e.GetProperty("actor").ValueKind != JsonValueKind.Null)
                e.GetProperty("actor").GetProperty("role").GetString().ShouldBeOneOf("PETITIONER", "SYSTEM");
            var by = e.GetProperty("data").GetProperty("by");
            if (by.ValueKind != JsonValueKind.Null)
                by.GetProperty("role").GetString().ShouldBeOneOf("PETITIONER", "SYSTEM");
        }
        var staff = await Api.Petition(run.P, Api.Auditor(), "supervisions { id response }");
        var assigned = (await Api.Data("query($id: ID!) { petitionAsOf(id: $id, version: 7) { assignedOfficerId } }", new { id = run.P }, Api.Auditor()))
            .GetProperty("petitionAsOf");
        assigned.GetProperty("assignedOfficerId").GetString().ShouldBe("officer-li");
        staff.GetProperty("supervisions")[0].GetProperty("response").GetString().ShouldBe("已安排专人办理");
    }

    [Fact]
    public async Task an_auditor_reads_history_slices_and_time_travels_by_version_and_by_moment()
    {
        var auditor = Api.Auditor();
        var history = (await Api.Data("query($id: ID!) { history(petitionId: $id) { " + Petitions.EventFields + " } }", new { id = run.P }, auditor))
            .GetProperty("history").EnumerateArray().ToList();
        history.Select(e => e.GetProperty("version").GetInt32()).ShouldBe(Enumerable.Range(1, history.Count));
        history[0].GetProperty("type").GetString().ShouldBe("PetitionSubmitted");
        history[0].GetProperty("actor").GetProperty("id").GetString().ShouldBe("citizen-1");
        history[0].GetProperty("data").GetProperty("channel").GetString().ShouldBe("WEBSITE");
        history[2].GetProperty("departmentId").GetString().ShouldBe("340101-EDU");
        history[2].GetProperty("actor").GetProperty("departmentId").GetString().ShouldBe("340101-PO");

        var slice = (await Api.Data("query($id: ID!) { history(petitionId: $id, fromVersion: 2, toVersion: 4) { version } }", new { id = run.P }, auditor))
            .GetProperty("history").EnumerateArray().Select(e => e.GetProperty("version").GetInt32());
        slice.ShouldBe([2, 3, 4]);

        var byVersion = (await Api.Data("query($id: ID!) { petitionAsOf(id: $id, version: 3) { status version category history { version } } }", new { id = run.P }, auditor))
            .GetProperty("petitionAsOf");
        byVersion.GetProperty("status").GetString().ShouldBe("FORWARDED");
        byVersion.GetProperty("version").GetInt32().ShouldBe(3);
        byVersion.GetProperty("category").GetString().ShouldBe("SUGGESTION");
        byVersion.GetProperty("history").GetArrayLength().ShouldBe(3);

        // at = an event's occurredAt includes that event and no later one.
        var at = history[5].GetProperty("occurredAt").GetString();
        var byMoment = (await Api.Data("query($id: ID!, $at: DateTime) { petitionAsOf(id: $id, at: $at) { version } }", new { id = run.P, at }, auditor))
            .GetProperty("petitionAsOf");
        byMoment.GetProperty("version").GetInt32().ShouldBe(history.Count(e => e.GetProperty("occurredAt").GetString()!.CompareTo(at) <= 0));

        var before = await Api.Data("query($id: ID!) { petitionAsOf(id: $id, at: \"2020-01-01T00:00:00+08:00\") { version } }", new { id = run.P }, auditor);
        before.GetProperty("petitionAsOf").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task the_feed_pages_in_sequence_order_and_filters_on_the_stored_department()
    {
        var integrator = Api.Token(CaseEngine.Domain.Role.Integrator, sub: "integrator-1");
        var all = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = (await Api.Data("query($after: Long) { events(after: $after, first: 7) { sequence petitionId type departmentId data } }", new { after }, integrator))
                .GetProperty("events").EnumerateArray().ToList();
            if (page.Count == 0)
                break;
            all.AddRange(page);
            after = page[^1].GetProperty("sequence").GetInt64();
        }
        var sequences = all.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        sequences.ShouldBe(sequences.Order().Distinct().ToList());
        all.Select(e => e.GetProperty("petitionId").GetString()).Distinct().Count().ShouldBe(5);

        var edu = (await Api.Data("{ events(departmentId: \"340101-EDU\", first: 100) { departmentId } }", null, integrator)).GetProperty("events");
        edu.GetArrayLength().ShouldBeGreaterThan(0);
        edu.EnumerateArray().ShouldAllBe(e => e.GetProperty("departmentId").GetString() == "340101-EDU");

        var one = (await Api.Data("query($id: ID) { events(petitionId: $id) { petitionId } }", new { id = run.U }, integrator)).GetProperty("events");
        one.GetArrayLength().ShouldBe(2);

        // Scoped to Hefei county 340101's agencies: the province's re-review is outside.
        var scoped = Api.Token(CaseEngine.Domain.Role.Integrator, "340101-GOV", "integrator-county");
        var county = (await Api.Data("{ events(first: 100) { departmentId } }", null, scoped)).GetProperty("events");
        county.EnumerateArray().Select(e => e.GetProperty("departmentId").GetString()).ShouldNotContain("340000-EDU");
        county.EnumerateArray().Select(e => e.GetProperty("departmentId").GetString()).ShouldContain("340101-EDU");
    }

    [Fact]
    public async Task the_directory_is_readable_by_anyone()
    {
        var data = await Api.Data("""
            { department(id: "340101-EDU") { id name kind level region { code } parent { id } }
              departments(regionCode: "3401", kind: PETITION_OFFICE) { id }
              region(code: "34") { code level parent { code } children { code } } }
            """);
        data.GetProperty("department").GetProperty("parent").GetProperty("id").GetString().ShouldBe("340100-EDU");
        data.GetProperty("department").GetProperty("kind").GetString().ShouldBe("HANDLING_AGENCY");
        data.GetProperty("departments").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldBe(["340100-PO"]);
        data.GetProperty("region").GetProperty("code").GetString().ShouldBe("340000");
        data.GetProperty("region").GetProperty("parent").GetProperty("code").GetString().ShouldBe("000000");
        data.GetProperty("region").GetProperty("children").GetArrayLength().ShouldBe(16);

        var county = await Api.Data("{ departments(level: COUNTY, kind: PETITION_OFFICE) { id } }");
        county.GetProperty("departments").GetArrayLength().ShouldBe(119);
        var tooMany = await Api.GraphQL("{ departments(level: TOWNSHIP) { id } }");
        tooMany.Code.ShouldBe("VALIDATION");
        (await Api.GraphQL("{ departments { id } }")).Code.ShouldBe("VALIDATION");
        (await Api.GraphQL("{ departments(regionCode: \"999999\") { id } }")).Code.ShouldBe("VALIDATION");
    }

    [Fact]
    public void no_log_line_holds_a_name_a_phone_or_an_id_number()
    {
        run.Logs.Lines.Count.ShouldBeGreaterThan(100);
        foreach (var line in run.Logs.Lines)
        {
            line.ShouldNotContain("张三丰");
            line.ShouldNotContain("13812345678");
            line.ShouldNotContain("340101199001011234");
            line.ShouldNotContain("示范市1县1镇1");
        }
    }

    [Fact]
    public async Task the_access_log_records_the_clear_reads_and_only_an_auditor_reads_it()
    {
        var log = (await Api.Data("query($id: ID) { personalDataAccessLog(petitionId: $id, first: 100) { totalCount edges { node { petitionId reader { id role departmentId } path readAt } } } }",
            new { id = run.P }, Api.Auditor())).GetProperty("personalDataAccessLog");
        var reads = log.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToList();
        reads.ShouldContain(r => r.GetProperty("reader").GetProperty("id").GetString() == "officer@340101-EDU" && r.GetProperty("path").GetString() == "Petition.petitioner");
        reads.ShouldContain(r => r.GetProperty("reader").GetProperty("id").GetString() == "officer@340101-PO" && r.GetProperty("path").GetString() == "PetitionEvent.data");
        reads.ShouldAllBe(r => r.GetProperty("petitionId").GetString() == run.P.ToString());
        // The auditor's own reads were masked: they are not on the log.
        reads.ShouldNotContain(r => r.GetProperty("reader").GetProperty("role").GetString() == "AUDITOR");

        // A window written in Beijing time (+08:00) bounds the same moments as in UTC.
        var moments = reads.Select(r => DateTimeOffset.Parse(r.GetProperty("readAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        string Beijing(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);
        const string Window = "query($id: ID, $from: DateTime, $to: DateTime) { personalDataAccessLog(petitionId: $id, from: $from, to: $to, first: 100) { totalCount } }";
        (await Api.Data(Window, new { id = run.P, from = Beijing(moments.Min().AddSeconds(-1)), to = Beijing(moments.Max().AddSeconds(1)) }, Api.Auditor()))
            .GetProperty("personalDataAccessLog").GetProperty("totalCount").GetInt32().ShouldBe(log.GetProperty("totalCount").GetInt32());
        (await Api.Data(Window, new { id = run.P, from = Beijing(moments.Max().AddSeconds(1)), to = (string?)null }, Api.Auditor()))
            .GetProperty("personalDataAccessLog").GetProperty("totalCount").GetInt32().ShouldBe(0);

        (await Api.GraphQL("{ personalDataAccessLog { totalCount } }", token: Api.Officer("340101-EDU"))).Code.ShouldBe("FORBIDDEN");
        (await Api.GraphQL("{ personalDataAccessLog { totalCount } }")).Code.ShouldBe("UNAUTHENTICATED");
        (await Api.GraphQL("{ personalDataAccessLog(first: 0) { totalCount } }", token: Api.Auditor())).Code.ShouldBe("VALIDATION");
    }
}
