using System.Text.Json;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>The usual acts through the API, by the department's own staff.</summary>
public static class Petitions
{
    public const string Fields = """
        id caseNumber subject content category channel status stage version assignedOfficerId submittedAt
        entryRegion { code name } currentDepartment { id kind }
        petitioner { name phone idNumber address }
        deadline { stage lastDay dueAt overdue extended paused }
        openDeadlines { stage dueAt }
        reply { decision text issuedAt byDepartment { id } }
        review { outcome byDepartment { id } } reReview { outcome }
        evaluation { satisfaction comment evaluatedAt }
        supervisions { id byDepartment { id } instruction dueAt respondedAt response }
        duplicateOf { id } duplicates { id }
        """;

    public const string EventFields = "sequence petitionId version type occurredAt departmentId actor { id role departmentId } correlationId causationId data";

    public const string SubmitMutation = """
        mutation($input: SubmitPetitionInput!) {
          submitPetition(input: $input) { caseNumber accessCode petition { id version status petitioner { name phone idNumber address } } }
        }
        """;

    public static object SubmitInput(string channel = "WEBSITE", string region = "340101", string category = "COMPLAINT_REQUEST",
        Guid? commandId = null, string name = "张三丰", string? receivedAt = null) => new
    {
        input = new
        {
            commandId = (commandId ?? Guid.NewGuid()).ToString(),
            channel,
            entryRegionCode = region,
            category,
            subject = "村道损坏无人维修",
            content = "村里的道路损坏已有半年，请求尽快维修。",
            petitioner = new { name, phone = "13812345678", idNumber = "340101199001011234", address = "示范市1县1镇1" },
            receivedAt,
        },
    };

    /// <summary>Submits as citizen-1 (or anonymously) and returns (id, caseNumber, accessCode).</summary>
    public static async Task<(Guid Id, string CaseNumber, string AccessCode)> SubmitAsync(this ApiHost api, string? token = null,
        string category = "COMPLAINT_REQUEST", string region = "340101")
    {
        var data = await api.Data(SubmitMutation, SubmitInput(category: category, region: region), token ?? api.Citizen());
        var payload = data.GetProperty("submitPetition");
        return (Guid.Parse(payload.GetProperty("petition").GetProperty("id").GetString()!),
            payload.GetProperty("caseNumber").GetString()!, payload.GetProperty("accessCode").GetString()!);
    }

    public static Task<JsonElement> Act(this ApiHost api, string mutation, string inputType, object input, string? token) =>
        api.Data($"mutation($input: {inputType}!) {{ {mutation}(input: $input) {{ petition {{ id status stage version }} events {{ type version }} }} }}",
            new { input }, token);

    public static Task<GqlResult> TryAct(this ApiHost api, string mutation, string inputType, object input, string? token) =>
        api.GraphQL($"mutation($input: {inputType}!) {{ {mutation}(input: $input) {{ petition {{ id status stage version }} events {{ type version }} }} }}",
            new { input }, token);

    public static Task<JsonElement> Forward(this ApiHost api, Guid id, string to = "340101-EDU", string by = "340101-PO") =>
        api.Act("forwardPetition", "ForwardPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = id, toDepartmentId = to, mode = "TRANSFER", note = "请依法处理" }, api.Officer(by));

    public static Task<JsonElement> Accept(this ApiHost api, Guid id, string by = "340101-EDU") =>
        api.Act("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = id }, api.Officer(by));

    public static Task<JsonElement> Reply(this ApiHost api, Guid id, string by = "340101-EDU") =>
        api.Act("issueReply", "IssueReplyInput",
            new { commandId = Guid.NewGuid(), petitionId = id, decision = "PARTIALLY_SUPPORTED", text = "已安排维修，部分诉求不予支持。" }, api.Officer(by));

    public static async Task<JsonElement> Petition(this ApiHost api, Guid id, string? token, string fields = Fields)
    {
        var data = await api.Data($"query($id: ID!) {{ petition(id: $id) {{ {fields} }} }}", new { id }, token);
        return data.GetProperty("petition");
    }
}
