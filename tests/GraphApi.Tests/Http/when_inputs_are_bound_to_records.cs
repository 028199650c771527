using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// Inputs are read as records (InputObjectGraphType&lt;T&gt;), whether written in the document or sent as
/// variables: the same answers either way, and a malformed id is VALIDATION naming the field, never INTERNAL.
/// </summary>
public class when_inputs_are_bound_to_records(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task literals_and_variables_reach_the_command_alike_and_bad_ids_name_their_field()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (id, _, _) = await api.SubmitAsync();
        var po = api.Officer("340101-PO");

        // An input written as a literal: an enum, text, the expected version and the petition's own id.
        var literal = await api.GraphQL($$"""
            mutation { reclassifyPetition(input: { commandId: "{{Guid.NewGuid()}}", petitionId: "{{id}}", expectedVersion: 1,
              category: SUGGESTION, reason: "属于建议" }) { petition { id category version } } }
            """, token: po);
        literal.HasErrors.ShouldBeFalse(literal.Body);
        var reclassified = literal.Data.GetProperty("reclassifyPetition").GetProperty("petition");
        reclassified.GetProperty("id").GetString().ShouldBe(id.ToString());
        reclassified.GetProperty("category").GetString().ShouldBe("SUGGESTION");
        // The expected version reached the command: the same version again is a conflict.
        (await api.TryAct("reclassifyPetition", "ReclassifyPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = id, expectedVersion = 1, category = "REPORT_ACCUSATION", reason = "再改" }, po))
            .Code.ShouldBe("CONCURRENCY_CONFLICT");

        // Malformed ids, as variables and as literals (a number is an ID literal too): VALIDATION naming the field.
        var badCommand = await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = "nope", petitionId = id }, po);
        badCommand.Code.ShouldBe("VALIDATION");
        badCommand.Message.ShouldContain("commandId");
        var badPetition = await api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = "nope" }, po);
        badPetition.Code.ShouldBe("VALIDATION");
        badPetition.Message.ShouldContain("petitionId");
        var badOriginal = await api.TryAct("linkDuplicate", "LinkDuplicateInput",
            new { commandId = Guid.NewGuid(), petitionId = id, duplicateOfPetitionId = "nope" }, po);
        badOriginal.Code.ShouldBe("VALIDATION");
        badOriginal.Message.ShouldContain("duplicateOfPetitionId");
        var number = await api.GraphQL($$"""
            mutation { acceptPetition(input: { commandId: "{{Guid.NewGuid()}}", petitionId: 12345 }) { petition { id } } }
            """, token: po);
        number.Code.ShouldBe("VALIDATION");
        number.Message.ShouldContain("petitionId");

        // A filter input with a list of enums, as a literal and as a variable, on a settled read side
        // (the inbox is projected after the commit: unsettled, the two reads could straddle the petition's row).
        await api.Services.GetRequiredService<Marten.IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        var inbox = await api.GraphQL("""
            { inbox(departmentId: "340101-PO", filter: { stages: [ROUTING, ACCEPTANCE], overdueOnly: false, text: "村道" }) { totalCount } }
            """, token: po);
        inbox.HasErrors.ShouldBeFalse(inbox.Body);
        var inboxByVariable = await api.GraphQL("""
            query($f: InboxFilter) { inbox(departmentId: "340101-PO", filter: $f) { totalCount } }
            """, new { f = new { stages = new[] { "ROUTING", "ACCEPTANCE" }, overdueOnly = false, text = "村道" } }, po);
        inboxByVariable.HasErrors.ShouldBeFalse(inboxByVariable.Body);
        inboxByVariable.Data.GetProperty("inbox").GetProperty("totalCount").GetInt32()
            .ShouldBe(inbox.Data.GetProperty("inbox").GetProperty("totalCount").GetInt32());
    }
}
