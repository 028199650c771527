using System.Globalization;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Testing;

namespace CaseEngine.Bench.Faults;

/// <summary>
/// One client of the fault run: it submits petitions (letters registered late, so their routing
/// deadline has already passed and the nodes' deadline sweep fires it; a petitioner who repeats the
/// same matter, so duplicate detection flags it) and drives its own petitions through every command
/// of the contract, reading each petition's state from a node before choosing the next act. Every
/// command whose answer is unknown is resent with the same command id, to any node, until it has one.
/// </summary>
public sealed class FaultClient(int index, int seed, GraphQLCaller api, Func<Random, NodeProcess> pickNode, Ledger ledger,
    IReadOnlyList<FaultRegions> provinces, Action<string>? trace = null)
{
    /// <summary>Names of every mutation of the contract; the run reports how often each was acknowledged.</summary>
    public static readonly string[] CommandKinds =
    [
        "submitPetition", "forwardPetition", "transferLevel", "acceptPetition", "declinePetition", "returnPetition",
        "assignOfficer", "extendDeadline", "issueReply", "supervisePetition", "respondToSupervision", "requestReview",
        "decideReview", "requestReReview", "decideReReview", "evaluatePetition", "linkDuplicate", "dismissSuspectedDuplicate",
        "reclassifyPetition", "startHearing", "concludeHearing", "withdrawPetition",
    ];

    /// <summary>A command left unanswered this long is a failure of the run (a node or the database never came back).</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(3);

    private const string StateQuery = """
        query($id: ID!) { petition(id: $id) { id status version currentDepartment { id kind } linkedPetition { id relation }
          deadline { paused extended } reply { decision } evaluation { satisfaction }
          suspectedDuplicates { candidateId } supervisions { id respondedAt supervisedDepartment { id } } } }
        """;

    private const string PetitionSelection = "petition { id status version } events { sequence }";

    private readonly Random _rng = new(seed);
    private readonly List<Own> _active = [];
    // In every province alike: four in five submissions enter at the county, one in five at the city.
    // With several provinces, the national office too: one submission in ten or so (issue 20).
    private readonly SubmissionMix.Client _submissions = new SubmissionMix(seed,
        [.. provinces.SelectMany(p => new[] { p.County, p.County, p.County, p.County, p.City }),
            .. provinces.Count > 1 ? [National] : Array.Empty<string>()]).For(index);

    private const string National = "000000";

    /// <summary>Each entry region's province, for the offices above and below it.</summary>
    private readonly Dictionary<string, FaultRegions> _provinceOf = provinces
        .SelectMany(p => new[] { (p.County, p), (p.City, p), (p.Province, p) }).ToDictionary(e => e.Item1, e => e.p);

    /// <summary>A petition this client submitted, with what its petitioner needs to act on it.</summary>
    private sealed record Own(Guid Id, string? PetitionerToken, string? AccessCode);

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_active.Count < 4 || _rng.NextDouble() < 0.2)
            {
                await SubmitAsync();
                continue;
            }
            var own = _active[_rng.Next(_active.Count)];
            var read = DateTime.UtcNow;
            var state = await ReadAsync(own.Id);
            trace?.Invoke($"client {index}: read {(state is null ? "failed" : "ok")} in {(DateTime.UtcNow - read).TotalSeconds:0.0} s");
            if (state is not { } s)
            {
                // The node did not answer (killed, or the database is down): try again shortly.
                await Task.Delay(_rng.Next(50, 250), CancellationToken.None);
                continue;
            }
            if (s.ValueKind != JsonValueKind.Null && s.GetProperty("linkedPetition") is { ValueKind: JsonValueKind.Object } link
                && link.GetProperty("relation").GetString() == "HANDED_OVER_TO")
            {
                // Handed over to another province (issue 20): its copy decides from now on, with the same petitioner.
                _active.Remove(own);
                _active.Add(own with { Id = Guid.Parse(link.GetProperty("id").GetString()!) });
                continue;
            }
            if (s.ValueKind == JsonValueKind.Null || Choose(own, s) is not { } act)
            {
                _active.Remove(own);
                continue;
            }
            await CommandAsync(act.Kind, act.InputType, act.Input, act.Token, own.Id);
        }
    }

    private async Task<JsonElement?> ReadAsync(Guid id)
    {
        var reply = await api.SendAsync(pickNode(_rng).GraphQLUri, StateQuery, new { id }, api.Token(Role.Admin, "fault-run-reader"));
        return reply.Answer == Answer.Acknowledged ? reply.Data.GetProperty("petition") : null;
    }

    private async Task SubmitAsync()
    {
        // Issue 17's realistic mix (SubmissionMix): a petitioner of their own per submission, about 3 %
        // resubmissions reworded by the same person. One person filing a quarter of all petitions made
        // detection quadratic and flags most of the log in the first full run.
        var submission = _submissions.Next();
        var letter = _rng.NextDouble() < 0.3;
        var region = submission.EntryRegion;
        var office = $"{region}-PO";
        var citizen = $"citizen-{submission.IdNumber}";
        var input = new Dictionary<string, object?>
        {
            ["channel"] = letter ? "LETTER" : "WEBSITE",
            ["entryRegionCode"] = region,
            ["category"] = submission.Category,
            ["subject"] = submission.Subject,
            ["content"] = submission.Content,
            ["petitioner"] = new { name = submission.Name, phone = submission.Phone, idNumber = submission.IdNumber, address = submission.Address },
            // A letter received weeks ago: its routing time limit has passed, so the deadline sweep fires it.
            ["receivedAt"] = letter ? DateTimeOffset.UtcNow.AddDays(-_rng.Next(20, 60)).ToString("O", CultureInfo.InvariantCulture) : null,
        };
        var token = letter ? api.Token(Role.Officer, $"officer-{office}", office) : api.Token(Role.Petitioner, citizen);
        var data = await CommandAsync("submitPetition", "SubmitPetitionInput", input, token, null);
        if (data is { } d)
        {
            var payload = d.GetProperty("submitPetition");
            var id = Guid.Parse(payload.GetProperty("petition").GetProperty("id").GetString()!);
            _active.Add(new Own(id, letter ? null : token, payload.GetProperty("accessCode").GetString()));
        }
    }

    /// <summary>Sends one command until it has an answer; records it in the ledger; returns the data when acknowledged.</summary>
    private async Task<JsonElement?> CommandAsync(string kind, string inputType, Dictionary<string, object?> input, string? token, Guid? petitionId)
    {
        var commandId = Guid.NewGuid();
        input["commandId"] = commandId;
        var selection = kind == "submitPetition" ? "caseNumber accessCode petition { id }" : PetitionSelection;
        var query = $"mutation($input: {inputType}!) {{ {kind}(input: $input) {{ {selection} }} }}";
        var started = DateTime.UtcNow;
        var unknowns = 0;
        for (var attempt = 1; ; attempt++)
        {
            var sent = DateTime.UtcNow;
            var reply = await api.SendAsync(pickNode(_rng).GraphQLUri, query, new { input }, token);
            trace?.Invoke($"client {index}: {kind} attempt {attempt}: {reply.Answer} {reply.Code} {reply.Detail} in {(DateTime.UtcNow - sent).TotalSeconds:0.0} s");
            switch (reply.Answer)
            {
                case Answer.Acknowledged:
                    var payload = reply.Data.GetProperty(kind);
                    var id = Guid.Parse(payload.GetProperty("petition").GetProperty("id").GetString()!);
                    var events = payload.TryGetProperty("events", out var e) ? e.GetArrayLength() : 1;
                    ledger.Record(new LedgerEntry(commandId, kind, id, Answer.Acknowledged, null, events, attempt, unknowns));
                    return reply.Data;
                case Answer.Refused:
                    ledger.Record(new LedgerEntry(commandId, kind, petitionId, Answer.Refused, reply.Code, 0, attempt, unknowns));
                    return null;
                default:
                    if (reply.Code == "RATE_LIMITED")
                        ledger.CountRateLimited();
                    else
                    {
                        unknowns++;
                        ledger.CountUnknown(reply.Detail);
                    }
                    if (DateTime.UtcNow - started > GiveUpAfter)
                    {
                        ledger.Record(new LedgerEntry(commandId, kind, petitionId, Answer.Unknown, reply.Detail, 0, attempt, unknowns));
                        return null;
                    }
                    await Task.Delay(Math.Min(2000, 50 * attempt) + _rng.Next(50), CancellationToken.None);
                    break;
            }
        }
    }

    private (string Kind, string InputType, Dictionary<string, object?> Input, string? Token)? Choose(Own own, JsonElement s)
    {
        var options = new List<(double Weight, string Kind, string InputType, Func<Dictionary<string, object?>> Input, string? Token)>();
        void Add(double weight, string kind, string inputType, Func<Dictionary<string, object?>> input, string? token) =>
            options.Add((weight, kind, inputType, input, token));
        var id = own.Id;
        var status = s.GetProperty("status").GetString();
        var department = s.GetProperty("currentDepartment").GetProperty("id").GetString()!;
        var region = department[..department.IndexOf('-', StringComparison.Ordinal)];
        var staff = api.Token(Role.Officer, $"officer-{department}", department);
        if (region == National)
            return ChooseAtTheNation(own, s, id: own.Id, staff);
        // The petition office one level up supervises (its subtree holds the petition's departments).
        var regions = _provinceOf[region];
        var superiorOffice = regions.SuperiorOfficeOf(region);
        var supervisor = api.Token(Role.Supervisor, $"supervisor-{superiorOffice}", superiorOffice);
        var paused = s.TryGetProperty("deadline", out var deadline) && deadline.ValueKind == JsonValueKind.Object && deadline.GetProperty("paused").GetBoolean();
        var extended = deadline.ValueKind == JsonValueKind.Object && deadline.GetProperty("extended").GetBoolean();
        var hasReply = s.GetProperty("reply").ValueKind == JsonValueKind.Object;
        var evaluated = s.GetProperty("evaluation").ValueKind == JsonValueKind.Object;
        Dictionary<string, object?> Petitioner(Dictionary<string, object?> input)
        {
            if (own.PetitionerToken is null)
                input["accessCode"] = own.AccessCode;
            return input;
        }
        Dictionary<string, object?> On(params (string Key, object? Value)[] fields)
        {
            var input = new Dictionary<string, object?> { ["petitionId"] = id };
            foreach (var (key, value) in fields)
                input[key] = value;
            return input;
        }
        void Evaluate()
        {
            if (hasReply && !evaluated)
                Add(2, "evaluatePetition", "EvaluatePetitionInput",
                    () => Petitioner(On(("satisfaction", new[] { "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED" }[_rng.Next(3)]), ("comment", "评价"))), own.PetitionerToken);
        }
        void Withdraw(double weight) =>
            Add(weight, "withdrawPetition", "WithdrawPetitionInput", () => Petitioner(On(("reason", "已解决"))), own.PetitionerToken);

        switch (status)
        {
            case "REGISTERED":
                Add(5, "forwardPetition", "ForwardPetitionInput",
                    () => On(("toDepartmentId", $"{region}-EDU"), ("mode", _rng.Next(2) == 0 ? "TRANSFER" : "ASSIGN"), ("note", "请依法处理")), staff);
                Add(0.7, "transferLevel", "TransferLevelInput",
                    () => On(("toDepartmentId", regions.TransferTargetOf(region)), ("reason", "属地管理")),
                    api.Token(Role.Supervisor, $"supervisor-{department}", department));
                // 移交 to another province's county office (issue 20): a hand-over between databases, which the
                // kills and crashes hit too. A copy is not handed over again (refused), so only originals are.
                if (provinces.Count > 1 && s.GetProperty("linkedPetition").ValueKind == JsonValueKind.Null)
                {
                    var other = provinces.Where(p => p != regions).ElementAt(_rng.Next(provinces.Count - 1));
                    Add(0.5, "transferLevel", "TransferLevelInput",
                        () => On(("toDepartmentId", $"{other.County}-PO"), ("reason", "事发地在外省")),
                        api.Token(Role.Supervisor, $"supervisor-{department}", department));
                }
                Add(0.7, "declinePetition", "DeclinePetitionInput", () => On(("reason", "不属于信访事项"), ("legalRoute", "LITIGATION")), staff);
                Add(0.7, "reclassifyPetition", "ReclassifyPetitionInput", () => On(("category", "SUGGESTION"), ("reason", "更正分类")), staff);
                foreach (var flag in s.GetProperty("suspectedDuplicates").EnumerateArray().Take(1))
                {
                    var candidate = flag.GetProperty("candidateId").GetString();
                    Add(3, "linkDuplicate", "LinkDuplicateInput", () => On(("duplicateOfPetitionId", candidate), ("reason", "同一事项")), staff);
                    Add(2, "dismissSuspectedDuplicate", "DismissSuspectedDuplicateInput", () => On(("candidatePetitionId", candidate), ("reason", "不同事项")), staff);
                }
                Withdraw(0.3);
                break;
            case "FORWARDED":
                Add(5, "acceptPetition", "AcceptPetitionInput", () => On(), staff);
                Add(0.8, "returnPetition", "ReturnPetitionInput", () => On(("reason", "不属于本机关职权")), staff);
                Add(0.5, "declinePetition", "DeclinePetitionInput", () => On(("reason", "不予受理")), staff);
                Add(0.8, "assignOfficer", "AssignOfficerInput", () => On(("officerId", $"handler-{_rng.Next(5)}")), staff);
                Withdraw(0.2);
                break;
            case "IN_HANDLING":
                if (paused)
                    Add(4, "concludeHearing", "ConcludeHearingInput", () => On(("summary", "听证结束")), staff);
                else
                {
                    Add(4, "issueReply", "IssueReplyInput",
                        () => On(("decision", new[] { "SUPPORTED", "PARTIALLY_SUPPORTED", "NOT_SUPPORTED" }[_rng.Next(3)]), ("text", "经调查，答复如下。")), staff);
                    Add(1, "startHearing", "StartHearingInput", () => On(("reason", "需要听证")), staff);
                    if (!extended)
                        Add(1, "extendDeadline", "ExtendDeadlineInput", () => On(("days", _rng.Next(1, 30)), ("reason", "情况复杂")), staff);
                }
                Add(1, "assignOfficer", "AssignOfficerInput", () => On(("officerId", $"handler-{_rng.Next(5)}")), staff);
                Withdraw(0.2);
                break;
            case "REPLIED":
                Evaluate();
                Add(2, "requestReview", "RequestReviewInput", () => Petitioner(On(("reason", "对答复不服"))), own.PetitionerToken);
                Withdraw(0.1);
                break;
            case "UNDER_REVIEW":
                Add(4, "decideReview", "DecideReviewInput",
                    () => On(("outcome", new[] { "UPHELD", "AMENDED", "REVOKED" }[_rng.Next(3)]), ("text", "复查意见")), staff);
                Add(1, "assignOfficer", "AssignOfficerInput", () => On(("officerId", $"reviewer-{_rng.Next(3)}")), staff);
                break;
            case "REVIEWED":
                Evaluate();
                Add(2, "requestReReview", "RequestReviewInput", () => Petitioner(On(("reason", "对复查不服"))), own.PetitionerToken);
                break;
            case "UNDER_RE_REVIEW":
                if (paused)
                    Add(3, "concludeHearing", "ConcludeHearingInput", () => On(("summary", "听证结束")), staff);
                else
                {
                    Add(3, "decideReReview", "DecideReviewInput",
                        () => On(("outcome", new[] { "UPHELD", "AMENDED", "REVOKED" }[_rng.Next(3)]), ("text", "复核意见")), staff);
                    Add(1, "startHearing", "StartHearingInput", () => On(("reason", "复核听证")), staff);
                }
                break;
            default:
                // Final: only an evaluation may still be due.
                Evaluate();
                break;
        }
        if (status is "REGISTERED" or "FORWARDED" or "IN_HANDLING" or "UNDER_REVIEW" or "UNDER_RE_REVIEW")
        {
            Add(0.4, "supervisePetition", "SupervisePetitionInput",
                () => On(("instruction", "请加快办理"), ("dueAt", DateTimeOffset.UtcNow.AddDays(_rng.Next(3, 20)).ToString("O", CultureInfo.InvariantCulture))), supervisor);
            foreach (var v in s.GetProperty("supervisions").EnumerateArray().Where(v => v.GetProperty("respondedAt").ValueKind == JsonValueKind.Null))
            {
                if (v.GetProperty("supervisedDepartment") is { ValueKind: JsonValueKind.Object } supervised)
                {
                    var to = supervised.GetProperty("id").GetString()!;
                    var supervisionId = v.GetProperty("id").GetString();
                    Add(2, "respondToSupervision", "RespondToSupervisionInput",
                        () => On(("supervisionId", supervisionId), ("response", "已落实")), api.Token(Role.Officer, $"officer-{to}", to));
                }
            }
        }
        if (options.Count == 0)
            return null;
        var chosen = _rng.PickWeighted(options, o => o.Weight);
        return (chosen.Kind, chosen.InputType, chosen.Input(), chosen.Token);
    }

    /// <summary>
    /// A petition at the national office (issue 20): mostly handed down (交办 / 转送) to a province's county agency
    /// or transferred to its county office, sometimes declined, supervised or withdrawn. Once handed down, the
    /// client goes on with the copy (<see cref="RunAsync"/>).
    /// </summary>
    private (string Kind, string InputType, Dictionary<string, object?> Input, string? Token)? ChooseAtTheNation(Own own, JsonElement s, Guid id, string staff)
    {
        if (s.GetProperty("status").GetString() != "REGISTERED")
            return null;
        var province = provinces[_rng.Next(provinces.Count)];
        var supervisor = api.Token(Role.Supervisor, $"supervisor-{National}-PO", $"{National}-PO");
        var options = new List<(double Weight, string Kind, string InputType, Dictionary<string, object?> Input, string? Token)>
        {
            (5, "forwardPetition", "ForwardPetitionInput",
                new() { ["petitionId"] = id, ["toDepartmentId"] = $"{province.County}-EDU", ["mode"] = _rng.Next(2) == 0 ? "TRANSFER" : "ASSIGN", ["note"] = "请依法处理" }, staff),
            (1.5, "transferLevel", "TransferLevelInput",
                new() { ["petitionId"] = id, ["toDepartmentId"] = $"{province.County}-PO", ["reason"] = "属地管理" }, supervisor),
            (0.5, "declinePetition", "DeclinePetitionInput",
                new() { ["petitionId"] = id, ["reason"] = "不属于信访事项", ["legalRoute"] = "LITIGATION" }, staff),
            (0.3, "withdrawPetition", "WithdrawPetitionInput",
                own.PetitionerToken is null ? new() { ["petitionId"] = id, ["reason"] = "已解决", ["accessCode"] = own.AccessCode } : new() { ["petitionId"] = id, ["reason"] = "已解决" },
                own.PetitionerToken),
        };
        var chosen = _rng.PickWeighted(options, o => o.Weight);
        return (chosen.Kind, chosen.InputType, chosen.Input, chosen.Token);
    }
}
