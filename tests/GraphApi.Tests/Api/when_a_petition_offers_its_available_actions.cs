using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Api;

/// <summary>
/// <c>Petition.availableActions</c> (issue 21: the workbench's buttons) is what the domain's rules allow:
/// for petitions in each stage of the lifecycle and each kind of caller, every act offered succeeds
/// (sent through the API on a fresh petition in the same state) and every act withheld is refused.
/// </summary>
public class when_a_petition_offers_its_available_actions(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    /// <summary>Every act a caller can send on a petition (linkDuplicate needs a second petition and is never offered).</summary>
    private static readonly string[] Acts =
    [
        "forwardPetition", "transferLevel", "declinePetition", "returnPetition", "reclassifyPetition", "acceptPetition", "assignOfficer",
        "extendDeadline", "startHearing", "concludeHearing", "issueReply", "supervisePetition", "respondToSupervision", "requestReview",
        "decideReview", "requestReReview", "decideReReview", "evaluatePetition", "withdrawPetition", "dismissSuspectedDuplicate",
    ];

    private sealed record Built(Guid Id, string CaseNumber, string AccessCode);

    private sealed record Who(string Name, Func<ApiHost, string?> Token, bool WithAccessCode = false);

    private static readonly Who[] Callers =
    [
        new("OFFICER of 340101-PO", a => a.Officer("340101-PO")),
        new("OFFICER of 340101-EDU", a => a.Officer("340101-EDU")),
        new("SUPERVISOR of 340100-PO", a => a.Supervisor("340100-PO")),
        // The agency's superior body: it decides a review.
        new("OFFICER of 340100-EDU", a => a.Officer("340100-EDU")),
        new("the petitioner (token)", a => a.Citizen()),
        new("the petitioner (access code, no token)", _ => null, WithAccessCode: true),
        new("AUDITOR", a => a.Auditor()),
        new("ADMIN", a => a.Admin()),
    ];

    /// <summary>A petition brought to a stage of the lifecycle through the API.</summary>
    private static readonly (string Stage, Func<ApiHost, Built, Task> Steps)[] Stages =
    [
        ("registered", (_, _) => Task.CompletedTask),
        ("forwarded", async (a, p) => await a.Forward(p.Id)),
        ("forwarded and supervised", async (a, p) =>
        {
            await a.Forward(p.Id);
            await a.Act("supervisePetition", "SupervisePetitionInput", new { commandId = Guid.NewGuid(), petitionId = p.Id, instruction = "请加快办理",
                dueAt = a.Clock.GetUtcNow().AddDays(10) }, a.Supervisor("340100-PO"));
        }),
        ("accepted", async (a, p) => { await a.Forward(p.Id); await a.Accept(p.Id); }),
        ("in a hearing", async (a, p) =>
        {
            await a.Forward(p.Id);
            await a.Accept(p.Id);
            await a.Act("startHearing", "StartHearingInput", new { commandId = Guid.NewGuid(), petitionId = p.Id, reason = "听证" }, a.Officer("340101-EDU"));
        }),
        ("replied", async (a, p) => { await a.Forward(p.Id); await a.Accept(p.Id); await a.Reply(p.Id); }),
        ("under review", async (a, p) =>
        {
            await a.Forward(p.Id);
            await a.Accept(p.Id);
            await a.Reply(p.Id);
            await a.Act("requestReview", "RequestReviewInput", new { commandId = Guid.NewGuid(), petitionId = p.Id, reason = "不服" }, a.Citizen());
        }),
    ];

    private static async Task<Built> BuildAsync(ApiHost api, Func<ApiHost, Built, Task> steps)
    {
        var (id, number, code) = await api.SubmitAsync();
        var built = new Built(id, number, code);
        await steps(api, built);
        return built;
    }

    /// <summary>The petition as the caller reads it (trackPetition for the access code), with its current department and open supervision.</summary>
    private static async Task<JsonElement?> ReadAsync(ApiHost api, Built p, Who who)
    {
        const string Fields = "version availableActions currentDepartment { id } supervisions { id respondedAt }";
        var result = who.WithAccessCode
            ? await api.GraphQL($"query($n: String!, $a: String!) {{ petition: trackPetition(caseNumber: $n, accessCode: $a) {{ {Fields} }} }}",
                new { n = p.CaseNumber, a = p.AccessCode })
            : await api.GraphQL($"query($id: ID!) {{ petition(id: $id) {{ {Fields} }} }}", new { id = p.Id }, who.Token(api));
        result.HasErrors.ShouldBeFalse(result.Body);
        var petition = result.Data.GetProperty("petition");
        return petition.ValueKind == JsonValueKind.Null ? null : petition.Clone();
    }

    private static async Task<JsonElement> AuditorView(ApiHost api, Built p) =>
        (await api.Data("query($id: ID!) { petition(id: $id) { version supervisions { id respondedAt } } }", new { id = p.Id }, api.Auditor()))
            .GetProperty("petition").Clone();

    /// <summary>The act's input as a workbench would fill it.</summary>
    private static (string InputType, Dictionary<string, object?> Input) InputFor(string act, ApiHost api, Built p, JsonElement state, Who who)
    {
        var input = new Dictionary<string, object?> { ["commandId"] = Guid.NewGuid(), ["petitionId"] = p.Id };
        var open = state.GetProperty("supervisions").EnumerateArray().FirstOrDefault(s => s.GetProperty("respondedAt").ValueKind == JsonValueKind.Null);
        var type = act switch
        {
            "forwardPetition" => Set("ForwardPetitionInput", ("toDepartmentId", "340101-EDU"), ("mode", "TRANSFER")),
            "transferLevel" => Set("TransferLevelInput", ("toDepartmentId", "340100-PO"), ("reason", "重大事项")),
            "declinePetition" => Set("DeclinePetitionInput", ("reason", "不予受理"), ("legalRoute", "LITIGATION")),
            "returnPetition" => Set("ReturnPetitionInput", ("reason", "不属本单位职责")),
            "reclassifyPetition" => Set("ReclassifyPetitionInput", ("category", "SUGGESTION"), ("reason", "改类")),
            "acceptPetition" => Set("AcceptPetitionInput"),
            "assignOfficer" => Set("AssignOfficerInput", ("officerId", "officer-li")),
            "extendDeadline" => Set("ExtendDeadlineInput", ("days", 10), ("reason", "情况复杂")),
            "startHearing" => Set("StartHearingInput", ("reason", "听证")),
            "concludeHearing" => Set("ConcludeHearingInput", ("summary", "听证结束")),
            "issueReply" => Set("IssueReplyInput", ("decision", "EXPLAINED"), ("text", "已作解释")),
            "supervisePetition" => Set("SupervisePetitionInput", ("instruction", "请加快办理"), ("dueAt", api.Clock.GetUtcNow().AddDays(10))),
            "respondToSupervision" => Set("RespondToSupervisionInput",
                ("supervisionId", open.ValueKind == JsonValueKind.Object ? open.GetProperty("id").GetString() : "none"), ("response", "已加快")),
            "requestReview" or "requestReReview" => Set("RequestReviewInput", ("reason", "不服")),
            "decideReview" or "decideReReview" => Set("DecideReviewInput", ("outcome", "UPHELD"), ("text", "维持")),
            "evaluatePetition" => Set("EvaluatePetitionInput", ("satisfaction", "SATISFIED")),
            "withdrawPetition" => Set("WithdrawPetitionInput"),
            "dismissSuspectedDuplicate" => Set("DismissSuspectedDuplicateInput", ("candidatePetitionId", Guid.NewGuid())),
            _ => throw new ArgumentException(act),
        };
        if (who.WithAccessCode && type is "RequestReviewInput" or "EvaluatePetitionInput" or "WithdrawPetitionInput")
            input["accessCode"] = p.AccessCode;
        return (type, input);

        string Set(string inputType, params (string Key, object? Value)[] fields)
        {
            foreach (var (key, value) in fields)
                input[key] = value;
            return inputType;
        }
    }

    [Fact]
    public async Task every_act_offered_succeeds_and_every_act_withheld_is_refused()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?> { ["GraphQL:RateLimit:Enabled"] = "false" });
        int offered = 0, withheld = 0, unreadable = 0;
        var failures = new List<string>();
        foreach (var (stage, steps) in Stages)
            foreach (var who in Callers)
            {
                var shared = await BuildAsync(api, steps);
                var view = await ReadAsync(api, shared, who);
                if (view is not { } seen)
                {
                    unreadable++;
                    continue;
                }
                var actions = seen.GetProperty("availableActions").EnumerateArray().Select(a => a.GetString()!).ToHashSet();
                actions.ShouldBeSubsetOf(Acts, $"{stage} × {who.Name}");
                output.WriteLine($"{stage} × {who.Name}: {string.Join(", ", actions.Order())}");
                var state = await AuditorView(api, shared);
                foreach (var act in Acts)
                {
                    if (actions.Contains(act))
                    {
                        // Offered: it succeeds, on a petition of its own in the same state (the act moves it on).
                        offered++;
                        var fresh = await BuildAsync(api, steps);
                        var (type, input) = InputFor(act, api, fresh, await AuditorView(api, fresh), who);
                        var result = await api.TryAct(act, type, input, who.Token(api));
                        if (result.HasErrors)
                            failures.Add($"{stage} × {who.Name}: {act} was offered but refused ({string.Join(",", result.Codes)})");
                    }
                    else
                    {
                        withheld++;
                        var (type, input) = InputFor(act, api, shared, state, who);
                        var result = await api.TryAct(act, type, input, who.Token(api));
                        if (!result.HasErrors)
                            failures.Add($"{stage} × {who.Name}: {act} was withheld but succeeded");
                    }
                }
                // The refused acts left the petition as it was.
                (await AuditorView(api, shared)).GetProperty("version").GetInt32().ShouldBe(state.GetProperty("version").GetInt32(), $"{stage} × {who.Name}");
            }
        output.WriteLine($"{offered} acts offered, {withheld} withheld, {unreadable} cells the caller cannot read");
        failures.ShouldBeEmpty();
        // The walk met both answers in quantity, and the acts of every stage of the main line were offered to someone.
        offered.ShouldBeGreaterThan(40);
        withheld.ShouldBeGreaterThan(400);
    }

    [Fact]
    public async Task a_past_state_offers_nothing_and_a_caller_who_may_not_read_sees_no_petition()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, _, _) = await api.SubmitAsync();
        var now = (await api.Data("query($id: ID!) { petition(id: $id) { availableActions } }", new { id }, api.Officer("340101-PO")))
            .GetProperty("petition").GetProperty("availableActions").EnumerateArray().Select(a => a.GetString()).ToList();
        now.ShouldContain("forwardPetition");
        (await api.Data("query($id: ID!) { petitionAsOf(id: $id, version: 1) { availableActions } }", new { id }, api.Admin()))
            .GetProperty("petitionAsOf").GetProperty("availableActions").GetArrayLength().ShouldBe(0);
        (await api.Data("query($id: ID!) { petition(id: $id) { availableActions } }", new { id }, api.Officer("340102-PO")))
            .GetProperty("petition").ValueKind.ShouldBe(JsonValueKind.Null);
    }
}
