using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Deadlines;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CaseEngine.GraphApi.Tests.Access;

/// <summary>
/// The read right probed as an attacker would (issue 15, items 15-19), over HTTP on the real read side.
/// Late: a petition at 340101-PO left past its routing limit (overdue there, automatically supervised).
/// Foreign: a petition at 340102-PO, which 340101-PO may not read; Withdrawn: one there the petitioner
/// withdrew. Flagged and Dismissable: petitions at 340101-PO the engine flagged as suspected duplicates
/// of Foreign.
/// </summary>
public sealed class ProbeWorld : IAsyncLifetime
{
    public DatabaseFixture Db { get; } = new();
    public ApiHost Api { get; private set; } = null!;
    public Guid Late { get; private set; }
    public Guid Foreign { get; private set; }
    public string ForeignCaseNumber { get; private set; } = "";
    public Guid Withdrawn { get; private set; }
    public Guid Flagged { get; private set; }
    public Guid Dismissable { get; private set; }

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        Api = await ApiHost.StartAsync(Db);
        (Late, _, _) = await Api.SubmitAsync();
        Api.Clock.Advance(TimeSpan.FromDays(20));
        await Api.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();

        (Foreign, ForeignCaseNumber, _) = await Api.SubmitAsync(Api.Citizen("citizen-3"), region: "340102");
        (Withdrawn, _, _) = await Api.SubmitAsync(Api.Citizen("citizen-4"), region: "340102");
        await Api.Act("withdrawPetition", "WithdrawPetitionInput", new { commandId = Guid.NewGuid(), petitionId = Withdrawn }, Api.Citizen("citizen-4"));
        (Flagged, _, _) = await Api.SubmitAsync();
        (Dismissable, _, _) = await Api.SubmitAsync();
        foreach (var id in new[] { Flagged, Dismissable })
            await Flag(id, Foreign);
        await Api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>What the engine's duplicate detection does after a submission (switched off in test hosts).</summary>
    public async Task Flag(Guid petition, Guid candidate)
    {
        using var scope = Api.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeCommandAsync(scope.ServiceProvider,
            new CommandEnvelope(CommandMeta.System(Guid.NewGuid()), new FlagSuspectedDuplicates(petition, [new(candidate, 0.9)])));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Db.DisposeAsync();
    }
}

public class when_read_rights_are_probed(ProbeWorld world) : IClassFixture<ProbeWorld>
{
    private ApiHost Api => world.Api;

    private static string Outcome(GqlResult r) => r.HasErrors ? r.Code : "ok";

    private Task<GqlResult> Link(Guid petition, Guid original, string token) =>
        Api.TryAct("linkDuplicate", "LinkDuplicateInput", new { commandId = Guid.NewGuid(), petitionId = petition, duplicateOfPetitionId = original }, token);

    [Fact]
    public async Task linking_to_a_petition_the_office_may_not_read_is_not_found_whatever_its_state()
    {
        var office = Api.Officer("340101-PO");
        var (mine, _, _) = await Api.SubmitAsync();
        // Withdrawn exists and is withdrawn; Foreign exists and is open; neither is readable by 340101-PO:
        // all three answers must be the one for a petition that does not exist.
        Outcome(await Link(mine, Guid.NewGuid(), office)).ShouldBe("NOT_FOUND", "missing");
        Outcome(await Link(mine, world.Withdrawn, office)).ShouldBe("NOT_FOUND", "withdrawn, unreadable");
        Outcome(await Link(mine, world.Foreign, office)).ShouldBe("NOT_FOUND", "open, unreadable");
        (await Api.Petition(mine, office, "status")).GetProperty("status").GetString().ShouldBe("REGISTERED");
    }

    [Fact]
    public async Task a_repeated_command_id_is_answered_only_to_a_caller_that_may_read_the_petition()
    {
        var (mine, _, _) = await Api.SubmitAsync();
        var input = new { commandId = Guid.NewGuid(), petitionId = mine, category = "SUGGESTION", reason = "属于意见建议" };
        (await Api.TryAct("reclassifyPetition", "ReclassifyPetitionInput", input, Api.Officer("340101-PO", sub: "officer-wang"))).HasErrors.ShouldBeFalse();
        // The same sub in another department, replaying the command id it read as causationId.
        var replay = await Api.TryAct("reclassifyPetition", "ReclassifyPetitionInput", input, Api.Officer("340102-PO", sub: "officer-wang"));
        Outcome(replay).ShouldBe("NOT_FOUND", replay.Body);
        // The caller that sent it still gets its answer.
        (await Api.TryAct("reclassifyPetition", "ReclassifyPetitionInput", input, Api.Officer("340101-PO", sub: "officer-wang"))).HasErrors.ShouldBeFalse();

        // An anonymous withdrawal replayed with a wrong access code.
        var (anon, _, code) = await Api.SubmitAsync(token: null);
        var withdraw = new { commandId = Guid.NewGuid(), petitionId = anon, reason = "已解决", accessCode = code };
        (await Api.TryAct("withdrawPetition", "WithdrawPetitionInput", withdraw, null)).HasErrors.ShouldBeFalse();
        var guessed = await Api.TryAct("withdrawPetition", "WithdrawPetitionInput", withdraw with { accessCode = "AAAAAAAAAAAA" }, null);
        Outcome(guessed).ShouldBe("NOT_FOUND", guessed.Body);
        (await Api.TryAct("withdrawPetition", "WithdrawPetitionInput", withdraw, null)).HasErrors.ShouldBeFalse();
    }

    [Fact]
    public async Task an_officer_of_a_petition_office_sees_its_own_department_in_statistics_and_overdue()
    {
        // Late is overdue at 340101-PO, below 340100-PO; an OFFICER of 340100-PO may not read it.
        var officer = Api.Officer("340100-PO");
        (await Api.Data("query($id: ID!) { petition(id: $id) { id } }", new { id = world.Late }, officer))
            .GetProperty("petition").ValueKind.ShouldBe(JsonValueKind.Null);
        const string Query = """
            { overdue(departmentId: "340100-PO") { totalCount edges { node { petition { id } } } }
              statistics(departmentId: "340100-PO", from: "2025-03-01", to: "2025-03-31") { totals { received overdue } } }
            """;
        var own = await Api.Data(Query, token: officer);
        own.GetProperty("overdue").GetProperty("totalCount").GetInt32().ShouldBe(0);
        own.GetProperty("statistics").GetProperty("totals").GetProperty("received").GetInt32().ShouldBe(0);
        own.GetProperty("statistics").GetProperty("totals").GetProperty("overdue").GetInt32().ShouldBe(0);
        var asked = await Api.Data(Query.Replace("(departmentId: \"340100-PO\")", "(departmentId: \"340100-PO\", includeSubordinates: true)")
            .Replace("to: \"2025-03-31\")", "to: \"2025-03-31\", includeSubordinates: true)"), token: officer);
        asked.GetProperty("overdue").GetProperty("totalCount").GetInt32().ShouldBe(0);
        asked.GetProperty("statistics").GetProperty("totals").GetProperty("received").GetInt32().ShouldBe(0);

        // Its SUPERVISOR rolls up the subtree, where it may read every item.
        var supervised = await Api.Data(Query, token: Api.Supervisor("340100-PO"));
        supervised.GetProperty("overdue").GetProperty("totalCount").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        supervised.GetProperty("overdue").GetProperty("edges").GetArrayLength()
            .ShouldBe(supervised.GetProperty("overdue").GetProperty("totalCount").GetInt32());
        supervised.GetProperty("statistics").GetProperty("totals").GetProperty("received").GetInt32().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task a_forged_or_foreign_cursor_is_refused()
    {
        var office = Api.Officer("340101-PO");
        var page = await Api.Data("""{ inbox(departmentId: "340101-PO", first: 1) { pageInfo { endCursor } edges { node { petition { id } } } } }""", token: office);
        var cursor = page.GetProperty("inbox").GetProperty("pageInfo").GetProperty("endCursor").GetString()!;
        // Its own cursor works.
        (await Api.GraphQL("query($after: String) { inbox(departmentId: \"340101-PO\", first: 1, after: $after) { totalCount } }", new { after = cursor }, office))
            .HasErrors.ShouldBeFalse();

        // Another department's officer replays it on its own inbox.
        var foreign = await Api.GraphQL("query($after: String) { inbox(departmentId: \"340102-PO\", first: 1, after: $after) { totalCount } }",
            new { after = cursor }, Api.Officer("340102-PO"));
        foreign.Code.ShouldBe("VALIDATION", foreign.Body);

        // A cursor forged from the documented layout: kind|ticks|id|first 4 bytes of SHA-256 of the rest.
        var payload = $"inbox-DueAtAsc|{DateTimeOffset.UnixEpoch.UtcTicks}|0";
        var check = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(payload)).AsSpan(0, 4));
        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{payload}|{check}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var answer = await Api.GraphQL("query($after: String) { inbox(departmentId: \"340101-PO\", first: 1, after: $after) { totalCount } }",
            new { after = forged }, office);
        answer.Code.ShouldBe("VALIDATION", answer.Body);
        answer.Body.ShouldNotContain(forged);
    }

    [Fact]
    public async Task suspected_duplicates_show_on_the_petition_and_the_inbox_and_an_office_links_or_dismisses_them()
    {
        var office = Api.Officer("340101-PO");
        const string Fields = "suspectedDuplicates { candidateId caseNumber score flaggedAt petition { id } }";
        // 340101-PO may not read Foreign: the flag shows without its case number or petition.
        var seen = (await Api.Petition(world.Dismissable, office, Fields)).GetProperty("suspectedDuplicates");
        seen.GetArrayLength().ShouldBe(1);
        seen[0].GetProperty("candidateId").GetString().ShouldBe(world.Foreign.ToString());
        seen[0].GetProperty("score").GetDouble().ShouldBe(0.9);
        seen[0].GetProperty("caseNumber").ValueKind.ShouldBe(JsonValueKind.Null);
        seen[0].GetProperty("petition").ValueKind.ShouldBe(JsonValueKind.Null);
        var byAdmin = (await Api.Petition(world.Dismissable, Api.Admin(), Fields)).GetProperty("suspectedDuplicates")[0];
        byAdmin.GetProperty("caseNumber").GetString().ShouldBe(world.ForeignCaseNumber);
        byAdmin.GetProperty("petition").GetProperty("id").GetString().ShouldBe(world.Foreign.ToString());

        async Task<bool?> Marked(Guid id)
        {
            var data = await Api.Data("""{ inbox(departmentId: "340101-PO", first: 100) { edges { node { suspectedDuplicate petition { id } } } } }""", token: office);
            return data.GetProperty("inbox").GetProperty("edges").EnumerateArray()
                .Where(e => e.GetProperty("node").GetProperty("petition").GetProperty("id").GetString() == id.ToString())
                .Select(e => (bool?)e.GetProperty("node").GetProperty("suspectedDuplicate").GetBoolean()).SingleOrDefault();
        }
        (await Marked(world.Dismissable)).ShouldBe(true);

        // Other offices cannot dismiss; an auditor may read but not act.
        var dismiss = new { commandId = Guid.NewGuid(), petitionId = world.Dismissable, candidatePetitionId = world.Foreign, reason = "不同事项" };
        Outcome(await Api.TryAct("dismissSuspectedDuplicate", "DismissSuspectedDuplicateInput", dismiss with { commandId = Guid.NewGuid() }, Api.Officer("340102-PO")))
            .ShouldBe("NOT_FOUND");
        Outcome(await Api.TryAct("dismissSuspectedDuplicate", "DismissSuspectedDuplicateInput", dismiss with { commandId = Guid.NewGuid() }, Api.Auditor()))
            .ShouldBe("FORBIDDEN");
        var dismissed = await Api.Act("dismissSuspectedDuplicate", "DismissSuspectedDuplicateInput", dismiss, office);
        dismissed.GetProperty("dismissSuspectedDuplicate").GetProperty("events")[0].GetProperty("type").GetString().ShouldBe("SuspectedDuplicateDismissed");
        (await Api.Petition(world.Dismissable, office, Fields)).GetProperty("suspectedDuplicates").GetArrayLength().ShouldBe(0);
        await Api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        (await Marked(world.Dismissable)).ShouldBe(false);
        // A flag that is not there cannot be dismissed again.
        Outcome(await Api.TryAct("dismissSuspectedDuplicate", "DismissSuspectedDuplicateInput", dismiss with { commandId = Guid.NewGuid() }, office))
            .ShouldBe("INVALID_TRANSITION");

        // Linking to the flagged candidate is allowed although the office may not read it.
        (await Link(world.Flagged, world.Foreign, office)).HasErrors.ShouldBeFalse();
        (await Api.Petition(world.Flagged, office, "status")).GetProperty("status").GetString().ShouldBe("MERGED");
    }
}
