using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>Every error code of the contract, as a client receives it in extensions.code.</summary>
public class when_a_rule_refuses(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task each_code_reaches_the_client_with_a_message_and_no_personal_data()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, _, code) = await api.SubmitAsync();
        var po = api.Officer("340101-PO");

        // UNAUTHENTICATED: no token for a staff act (before the empty reason would be VALIDATION).
        (await api.TryAct("forwardPetition", "ForwardPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = id, toDepartmentId = "340101-EDU", mode = "TRANSFER" }, null)).Code.ShouldBe("UNAUTHENTICATED");
        (await api.TryAct("withdrawPetition", "WithdrawPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id }, null)).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL("{ inbox(departmentId: \"340101-PO\", first: 0) { totalCount } }")).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL("{ events { sequence } }")).Code.ShouldBe("UNAUTHENTICATED");
        // A LETTER without a token: letters are registered by staff.
        (await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(channel: "LETTER"))).Code.ShouldBe("UNAUTHENTICATED");

        // VALIDATION: empty text, bad ids, bad dates, first out of range, both or neither of version/at, a reused commandId.
        var empty = await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(name: " "), api.Citizen());
        empty.Code.ShouldBe("VALIDATION");
        empty.Message.ShouldNotContain("张");
        (await api.GraphQL("{ petition(id: \"not-a-uuid\") { id } }", token: api.Admin())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(channel: "LETTER", receivedAt: "2025-03-01T09:00:00"), po)).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(region: "999999"), api.Citizen())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL("{ inbox(departmentId: \"340101-PO\", first: 101) { totalCount } }", token: po)).Code.ShouldBe("VALIDATION");
        (await api.GraphQL("{ events(first: 0) { sequence } }", token: api.Auditor())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL("query($id: ID!) { petitionAsOf(id: $id) { id } }", new { id }, api.Auditor())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL("query($id: ID!) { petitionAsOf(id: $id, version: 1, at: \"2025-03-03T09:00:00+08:00\") { id } }", new { id }, api.Auditor())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL("{ statistics(departmentId: \"340101-PO\", from: \"2025-13-01\", to: \"2025-03-01\") { from } }", token: po)).Code.ShouldBe("VALIDATION");
        var commandId = Guid.NewGuid();
        await api.Act("reclassifyPetition", "ReclassifyPetitionInput", new { commandId, petitionId = id, category = "SUGGESTION", reason = "属于建议" }, po);
        var reused = await api.TryAct("withdrawPetition", "WithdrawPetitionInput", new { commandId, petitionId = id }, api.Citizen());
        reused.Code.ShouldBe("VALIDATION");
        reused.Message.ShouldContain("commandId");

        // NOT_FOUND: missing, or not readable by the caller.
        (await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = Guid.NewGuid() }, po)).Code.ShouldBe("NOT_FOUND");
        (await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id }, api.Officer("340102-PO"))).Code.ShouldBe("NOT_FOUND");
        (await api.GraphQL("query($id: ID!) { history(petitionId: $id) { type } }", new { id }, api.Officer("340102-PO"))).Code.ShouldBe("NOT_FOUND");
        (await api.TryAct("evaluatePetition", "EvaluatePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = id, satisfaction = "SATISFIED", accessCode = "WRONGWRONGWR" }, null)).Code.ShouldBe("NOT_FOUND");

        // FORBIDDEN: readable, but no right to the act.
        (await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id }, api.Auditor())).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL("{ inbox(departmentId: \"340102-PO\") { totalCount } }", token: po)).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL("{ events { sequence } }", token: api.Citizen())).Code.ShouldBe("FORBIDDEN");

        // CONCURRENCY_CONFLICT: the client decided on another version.
        (await api.TryAct("forwardPetition", "ForwardPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = id, expectedVersion = 7, toDepartmentId = "340101-EDU", mode = "TRANSFER" }, po)).Code.ShouldBe("CONCURRENCY_CONFLICT");

        // INVALID_TRANSITION: the petition office holding a REGISTERED petition cannot accept it.
        (await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id }, po)).Code.ShouldBe("INVALID_TRANSITION");

        // DEADLINE_PASSED: the agency's 5 working days to return the petition are over.
        await api.Forward(id);
        api.Clock.Advance(TimeSpan.FromDays(10));
        var late = await api.TryAct("returnPetition", "ReturnPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id, reason = "不属于本单位" }, api.Officer("340101-EDU"));
        late.Code.ShouldBe("DEADLINE_PASSED");
        late.Message.ShouldContain("5-working-day");

        // A repeated command returns its first result and appends nothing.
        var acceptId = Guid.NewGuid();
        var first = await api.Act("acceptPetition", "AcceptPetitionInput", new { commandId = acceptId, petitionId = id }, api.Officer("340101-EDU"));
        var again = await api.Act("acceptPetition", "AcceptPetitionInput", new { commandId = acceptId, petitionId = id, expectedVersion = 99 }, api.Officer("340101-EDU"));
        again.GetProperty("acceptPetition").GetProperty("events").ToString().ShouldBe(first.GetProperty("acceptPetition").GetProperty("events").ToString());
        again.GetProperty("acceptPetition").GetProperty("petition").GetProperty("version").GetInt32().ShouldBe(4);
        _ = code;
    }
}
