using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Access;

/// <summary>
/// P: citizen-1's complaint, forwarded by 340101-PO to 340101-EDU. A: citizen-2's accusation,
/// forwarded the same way. Q: citizen-3's complaint at 340102-PO. D: citizen-1's complaint at
/// 340101-PO, linked by ADMIN as a duplicate of Q.
/// </summary>
public class AccessWorld : IAsyncLifetime
{
    public DatabaseFixture Db { get; } = new();
    public ApiHost Api { get; private set; } = null!;
    public Guid P { get; private set; }
    public Guid A { get; private set; }
    public Guid Q { get; private set; }
    public Guid D { get; private set; }
    public Dictionary<string, string?> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Api = await ApiHost.StartAsync(Db);
        (P, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-1"));
        await Api.Forward(P);
        (A, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-2"), category: "REPORT_ACCUSATION");
        await Api.Forward(A);
        (Q, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-3"), region: "340102");
        (D, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-1"));
        // 340101-PO may not read Q, so it could not link to it (NOT_FOUND): ADMIN links.
        await Api.Act("linkDuplicate", "LinkDuplicateInput", new { commandId = Guid.NewGuid(), petitionId = D, duplicateOfPetitionId = Q }, Api.Admin());

        Tokens["anonymous"] = null;
        Tokens["petitioner-own"] = Api.Citizen("citizen-1");
        Tokens["petitioner-accuser"] = Api.Citizen("citizen-2");
        Tokens["petitioner-other"] = Api.Citizen("citizen-9");
        Tokens["officer-former"] = Api.Officer("340101-PO");
        Tokens["officer-current"] = Api.Officer("340101-EDU");
        Tokens["officer-other"] = Api.Officer("340102-PO");
        Tokens["supervisor-subtree"] = Api.Supervisor("340100-PO");
        Tokens["supervisor-other"] = Api.Supervisor("340200-PO");
        Tokens["auditor"] = Api.Auditor();
        Tokens["integrator"] = Api.Token(Role.Integrator, sub: "integrator-1");
        Tokens["integrator-agency"] = Api.Token(Role.Integrator, "340101-EDU", "integrator-edu");
        Tokens["admin"] = Api.Admin();
        await ArrangeMoreAsync();
    }

    /// <summary>What a world built on this one adds once P, A, Q, D and the tokens exist.</summary>
    protected virtual Task ArrangeMoreAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Db.DisposeAsync();
    }
}

public class when_each_role_reaches_petitions(AccessWorld world) : IClassFixture<AccessWorld>
{
    private ApiHost Api => world.Api;

    private static string[] Callers => ["anonymous", "petitioner-own", "petitioner-other", "officer-former", "officer-current",
        "officer-other", "supervisor-subtree", "supervisor-other", "auditor", "integrator", "admin"];

    private Guid Petition(string name) => name switch { "P" => world.P, "A" => world.A, "Q" => world.Q, _ => world.D };

    /// <summary>Who may read which petition (access.md, Rights): P, Q, D by caller.</summary>
    public static TheoryData<string, string, bool> ReadRights => new()
    {
        { "anonymous", "P", false }, { "petitioner-own", "P", true }, { "petitioner-other", "P", false },
        { "officer-former", "P", true }, { "officer-current", "P", true }, { "officer-other", "P", false },
        { "supervisor-subtree", "P", true }, { "supervisor-other", "P", false }, { "auditor", "P", true },
        { "integrator", "P", false }, { "admin", "P", true },
        { "petitioner-own", "Q", false }, { "officer-former", "Q", false }, { "officer-current", "Q", false },
        { "officer-other", "Q", true }, { "supervisor-subtree", "Q", true }, { "supervisor-other", "Q", false },
        { "petitioner-own", "D", true }, { "officer-former", "D", true }, { "officer-current", "D", false }, { "officer-other", "D", false },
    };

    [Theory]
    [MemberData(nameof(ReadRights))]
    public async Task petition_history_and_past_states_are_readable_exactly_where_access_md_says(string caller, string petition, bool readable)
    {
        var id = Petition(petition);
        var token = world.Tokens[caller];
        var data = await Api.Data("query($id: ID!) { petition(id: $id) { id } petitionAsOf(id: $id, version: 1) { id } }", new { id }, token);
        (data.GetProperty("petition").ValueKind == JsonValueKind.Object).ShouldBe(readable, $"{caller} petition {petition}");
        (data.GetProperty("petitionAsOf").ValueKind == JsonValueKind.Object).ShouldBe(readable, $"{caller} petitionAsOf {petition}");
        var history = await Api.GraphQL("query($id: ID!) { history(petitionId: $id) { version } }", new { id }, token);
        if (readable)
            history.HasErrors.ShouldBeFalse(history.Body);
        else
            history.Code.ShouldBe("NOT_FOUND", $"{caller} history {petition}");
    }

    [Theory]
    [InlineData("anonymous", "UNAUTHENTICATED")]
    [InlineData("petitioner-own", "FORBIDDEN")]
    [InlineData("officer-former", "P,A,D")]
    [InlineData("officer-current", "P,A")]
    [InlineData("officer-other", "Q")]
    [InlineData("supervisor-subtree", "P,A,Q,D")]
    [InlineData("supervisor-other", "")]
    [InlineData("auditor", "P,A,Q,D")]
    [InlineData("integrator", "P,A,Q,D")]
    [InlineData("integrator-agency", "P,A,D")]
    [InlineData("admin", "P,A,Q,D")]
    public async Task the_event_feed_shows_only_what_the_caller_may_follow(string caller, string petitions)
    {
        var result = await Api.GraphQL("{ events(first: 100) { petitionId } }", token: world.Tokens[caller]);
        if (result.HasErrors)
        {
            result.Code.ShouldBe(petitions);
            return;
        }
        var names = new Dictionary<Guid, string> { [world.P] = "P", [world.A] = "A", [world.Q] = "Q", [world.D] = "D" };
        string.Join(',', result.Data.GetProperty("events").EnumerateArray()
            .Select(e => names[Guid.Parse(e.GetProperty("petitionId").GetString()!)]).Distinct()).ShouldBe(petitions);
    }

    [Theory]
    [InlineData("anonymous", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED")]
    [InlineData("petitioner-own", "FORBIDDEN", "FORBIDDEN", "state")]
    [InlineData("petitioner-other", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND")]
    [InlineData("officer-former", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("officer-current", "ok", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("officer-other", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND")]
    [InlineData("supervisor-subtree", "FORBIDDEN", "ok", "FORBIDDEN")]
    [InlineData("supervisor-other", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND")]
    [InlineData("auditor", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN")]
    [InlineData("integrator", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND")]
    [InlineData("admin", "ok", "ok", "state")]
    public async Task commands_on_a_petition_are_refused_by_who_is_asking_before_what_state_it_is_in(
        string caller, string assign, string supervise, string evaluate)
    {
        var token = world.Tokens[caller];
        static string Outcome(GqlResult r) => !r.HasErrors ? "ok" : r.Code is "INVALID_TRANSITION" or "DEADLINE_PASSED" ? "state" : r.Code;
        Outcome(await Api.TryAct("assignOfficer", "AssignOfficerInput",
            new { commandId = Guid.NewGuid(), petitionId = world.P, officerId = "officer-wang" }, token)).ShouldBe(assign, "assignOfficer");
        Outcome(await Api.TryAct("supervisePetition", "SupervisePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = world.P, instruction = "请按期办结", dueAt = "2025-04-01T00:00:00+08:00" }, token)).ShouldBe(supervise, "supervisePetition");
        Outcome(await Api.TryAct("evaluatePetition", "EvaluatePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = world.P, satisfaction = "SATISFIED" }, token)).ShouldBe(evaluate, "evaluatePetition");
    }

    [Theory]
    [InlineData("anonymous", "ok")]
    [InlineData("petitioner-own", "ok")]
    [InlineData("officer-former", "FORBIDDEN")]
    [InlineData("supervisor-subtree", "FORBIDDEN")]
    [InlineData("auditor", "FORBIDDEN")]
    [InlineData("integrator", "FORBIDDEN")]
    [InlineData("admin", "ok")]
    public async Task online_submission_is_for_petitioners_and_admin(string caller, string outcome)
    {
        var result = await Api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(region: "340103"), world.Tokens[caller]);
        (result.HasErrors ? result.Code : "ok").ShouldBe(outcome);
    }

    [Fact]
    public async Task nested_petitions_are_checked_where_they_are_reached()
    {
        // D is linked to Q, which 340101-PO may not read: duplicateOf is null for it, Q for the auditor.
        var asOffice = await Api.Petition(world.D, world.Tokens["officer-former"], "duplicateOf { id }");
        asOffice.GetProperty("duplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);
        var asAuditor = await Api.Petition(world.D, world.Tokens["auditor"], "duplicateOf { id duplicates { id } }");
        asAuditor.GetProperty("duplicateOf").GetProperty("id").GetString().ShouldBe(world.Q.ToString());
        asAuditor.GetProperty("duplicateOf").GetProperty("duplicates")[0].GetProperty("id").GetString().ShouldBe(world.D.ToString());
        // Q's office may not read D: Q's duplicates are empty for it.
        var asQOffice = await Api.Petition(world.Q, world.Tokens["officer-other"], "duplicates { id }");
        asQOffice.GetProperty("duplicates").GetArrayLength().ShouldBe(0);
    }

    /// <summary>What each caller sees of the petitioner: C clear, M masked, H hidden (the accuser from a handling agency).</summary>
    [Theory]
    [InlineData("petitioner-own", "P", "C")]
    [InlineData("officer-former", "P", "C")]
    [InlineData("officer-current", "P", "C")]
    [InlineData("supervisor-subtree", "P", "M")]
    [InlineData("auditor", "P", "M")]
    [InlineData("admin", "P", "C")]
    [InlineData("petitioner-accuser", "A", "C")]
    [InlineData("officer-former", "A", "C")]
    [InlineData("officer-current", "A", "H")]
    [InlineData("supervisor-subtree", "A", "M")]
    [InlineData("auditor", "A", "M")]
    [InlineData("admin", "A", "C")]
    public async Task personal_data_is_masked_alike_on_the_petition_and_in_event_data(string caller, string petition, string view)
    {
        var p = await Api.Petition(Petition(petition), world.Tokens[caller], "petitioner { name phone idNumber address } history { type data }");
        var onPetition = p.GetProperty("petitioner");
        var inEvent = p.GetProperty("history")[0].GetProperty("data").GetProperty("petitioner");
        foreach (var (where, shown) in new[] { ("petition", onPetition), ("event", inEvent) })
            Expect(shown, view, $"{caller} {petition} {where}");
    }

    [Theory]
    [InlineData("integrator", "P", "M")]
    [InlineData("integrator", "A", "M")]
    [InlineData("integrator-agency", "A", "H")]
    [InlineData("auditor", "A", "M")]
    [InlineData("officer-current", "A", "H")]
    [InlineData("admin", "A", "C")]
    public async Task personal_data_in_the_feed_is_masked_per_caller(string caller, string petition, string view)
    {
        var events = (await Api.Data("query($id: ID) { events(petitionId: $id, first: 1) { type data } }", new { id = Petition(petition) }, world.Tokens[caller]))
            .GetProperty("events");
        events[0].GetProperty("type").GetString().ShouldBe("PetitionSubmitted");
        Expect(events[0].GetProperty("data").GetProperty("petitioner"), view, $"{caller} feed {petition}");
    }

    private static void Expect(JsonElement petitioner, string view, string because)
    {
        string? Text(string name) => petitioner.GetProperty(name).ValueKind == JsonValueKind.Null ? null : petitioner.GetProperty(name).GetString();
        switch (view)
        {
            case "C":
                Text("name").ShouldBe("张三丰", because);
                Text("phone").ShouldBe("13812345678", because);
                Text("idNumber").ShouldBe("340101199001011234", because);
                Text("address").ShouldBe("示范市1县1镇1", because);
                break;
            case "M":
                Text("name").ShouldBe("张*", because);
                Text("phone").ShouldBe("138****5678", because);
                Text("idNumber").ShouldBeNull(because);
                Text("address").ShouldBeNull(because);
                break;
            default:
                Text("name").ShouldBe("***", because);
                Text("phone").ShouldBeNull(because);
                Text("idNumber").ShouldBeNull(because);
                Text("address").ShouldBeNull(because);
                break;
        }
    }
}
