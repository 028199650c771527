using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using GraphQL.Types;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Access;

/// <summary>
/// The access matrix (issue 15): every root field the host serves (Query, Mutation, Subscription) ×
/// every caller × four situations, each cell with the answer access.md gives it, driven over HTTP
/// (and WebSocket for the subscription) against the real host. A served root field without a row
/// here, or a row for a field no longer served, fails the test: a new field must state its rule.
/// </summary>
[RunsLong]
public class when_the_access_matrix_is_walked(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    /// <summary>The answer classes: whatever is not an access refusal (ok, VALIDATION, INVALID_TRANSITION…) is Allow.</summary>
    public enum Expect { Allow, Hide, Forbid, Unauth }

    /// <summary>
    /// Own: the caller's own petition or department (a petition of citizen-1 at 340101-PO, 340101-PO, region 340101).
    /// Other: readable but elsewhere (citizen-1's petition forwarded to 340101-EDU; 340101-EDU; region 340100 above).
    /// Unreadable: a petition the caller may not read (citizen-3's at 340102-PO; anonymous with a wrong access code; 340102-PO; 340102).
    /// Missing: nothing of that id; its answer must equal Unreadable's for petitions.
    /// </summary>
    public enum Sit { Own, Other, Unreadable, Missing }

    public enum Caller { Anonymous, Petitioner, Officer, Supervisor, Auditor, Integrator, Admin }

    private static readonly Sit[] Situations = Enum.GetValues<Sit>();
    private static readonly Caller[] Callers = Enum.GetValues<Caller>();

    /// <summary>One petition of each situation (Missing: a fresh id), with its case number and access code.</summary>
    private sealed record Set(Dictionary<Sit, Guid> Id, Dictionary<Sit, string> CaseNumber, Dictionary<Sit, string> Code, Dictionary<Sit, long> Sequence,
        Dictionary<Sit, string> Supervision);

    private sealed record Ctx(ApiHost Api, Set Set, Caller Caller, Sit Sit, string? Token, string Field, Guid CommandId);

    private sealed record Row(string Kind, Func<Caller, Sit, Expect> Rule, Func<Ctx, Task<Observed>> Drive);

    private sealed record Observed(Expect Class, string Detail);

    // --- rules from access.md -------------------------------------------------------------------

    private static Expect ReadPetition(Caller c, Sit s) => s switch
    {
        Sit.Missing => Expect.Hide,
        _ => c switch
        {
            Caller.Auditor or Caller.Admin => Expect.Allow,
            Caller.Petitioner or Caller.Officer or Caller.Supervisor => s == Sit.Unreadable ? Expect.Hide : Expect.Allow,
            _ => Expect.Hide,
        },
    };

    /// <summary>inbox, overdue, statistics: the caller's department (SUPERVISOR: its region subtree), AUDITOR, ADMIN.</summary>
    private static Expect WorkQueue(Caller c, Sit s) => c switch
    {
        Caller.Anonymous => Expect.Unauth,
        _ when s == Sit.Missing => Expect.Allow, // an unknown department is VALIDATION, not an access question
        Caller.Auditor or Caller.Admin => Expect.Allow,
        Caller.Officer => s == Sit.Own ? Expect.Allow : Expect.Forbid,
        Caller.Supervisor => s is Sit.Own or Sit.Other ? Expect.Allow : Expect.Forbid,
        _ => Expect.Forbid,
    };

    /// <summary>The event feed: AUDITOR, ADMIN, INTEGRATOR (its scope; this one has none), staff for the petitions they may read.</summary>
    private static Expect Feed(Caller c, Sit s) => c switch
    {
        Caller.Anonymous => Expect.Unauth,
        Caller.Petitioner => Expect.Forbid,
        Caller.Integrator => s == Sit.Missing ? Expect.Hide : Expect.Allow,
        _ => ReadPetition(c, s),
    };

    private static Expect Directory(Caller c, Sit s) => s == Sit.Missing ? Expect.Hide : Expect.Allow;

    /// <summary>形势研判: SUPERVISOR for its office's region subtree, AUDITOR, ADMIN; an unknown region is VALIDATION.</summary>
    private static Expect Analysis(Caller c, Sit s) => c switch
    {
        Caller.Anonymous => Expect.Unauth,
        _ when s == Sit.Missing => Expect.Allow,
        Caller.Auditor or Caller.Admin => Expect.Allow,
        Caller.Supervisor => s == Sit.Own ? Expect.Allow : Expect.Forbid,
        _ => Expect.Forbid,
    };

    private static Expect AuditorOnly(Caller c, Sit s, bool hideMissing) => c switch
    {
        Caller.Anonymous => Expect.Unauth,
        Caller.Auditor or Caller.Admin => hideMissing && s == Sit.Missing ? Expect.Hide : Expect.Allow,
        _ => Expect.Forbid,
    };

    private static Expect AdminOnly(Caller c, Sit s) => c switch
    {
        Caller.Anonymous => Expect.Unauth,
        Caller.Admin => Expect.Allow,
        _ => Expect.Forbid,
    };

    private static Expect Integrity(Caller c, Sit s, bool hideMissing) => c switch
    {
        Caller.Integrator => hideMissing && s == Sit.Missing ? Expect.Hide : Expect.Allow,
        _ => AuditorOnly(c, s, hideMissing),
    };

    /// <summary>A command on a petition: UNAUTHENTICATED without a token, NOT_FOUND where the caller may not read, then the role's right.</summary>
    private static Expect Command(Caller c, Sit s, Func<Caller, Sit, bool> may)
    {
        if (c == Caller.Anonymous)
            return Expect.Unauth;
        if (ReadPetition(c, s) == Expect.Hide)
            return Expect.Hide;
        return may(c, s) ? Expect.Allow : Expect.Forbid;
    }

    /// <summary>OFFICER/SUPERVISOR of the current department (Own only), ADMIN.</summary>
    private static Expect StaffAct(Caller c, Sit s) =>
        Command(c, s, (c, s) => c == Caller.Admin || (c is Caller.Officer or Caller.Supervisor && s == Sit.Own));

    /// <summary>SUPERVISOR of an office whose subtree holds the current department (340101-EDU lies in 340101), ADMIN.</summary>
    private static Expect SupervisorAct(Caller c, Sit s) =>
        Command(c, s, (c, s) => c == Caller.Admin || c == Caller.Supervisor);

    /// <summary>transferLevel: the SUPERVISOR of the current petition office only, ADMIN.</summary>
    private static Expect TransferAct(Caller c, Sit s) =>
        Command(c, s, (c, s) => c == Caller.Admin || (c == Caller.Supervisor && s == Sit.Own));

    /// <summary>The petitioner (token, or anonymous with the access code; Unreadable carries a wrong code), ADMIN.</summary>
    private static Expect PetitionerAct(Caller c, Sit s) => c switch
    {
        Caller.Anonymous => s is Sit.Own or Sit.Other ? Expect.Allow : Expect.Hide,
        _ => Command(c, s, (c, s) => c is Caller.Petitioner or Caller.Admin),
    };

    /// <summary>submitPetition. Own: WEBSITE in 340101; Other: LETTER in 340101 (staff of the entry region's office); Unreadable: LETTER in 340102; Missing: an unknown region.</summary>
    private static Expect Submit(Caller c, Sit s) => s switch
    {
        // Online channels: anonymous callers and petitioners (staff register LETTER and VISIT; AUDITOR and INTEGRATOR do nothing).
        Sit.Own => c is Caller.Anonymous or Caller.Petitioner or Caller.Admin ? Expect.Allow : Expect.Forbid,
        Sit.Missing => Expect.Allow, // an unknown entry region is VALIDATION for everyone: the directory is public
        _ when c == Caller.Anonymous => Expect.Unauth,
        _ when c == Caller.Admin => Expect.Allow,
        Sit.Other when c is Caller.Officer or Caller.Supervisor => Expect.Allow,
        _ => Expect.Forbid,
    };

    // --- the table ------------------------------------------------------------------------------

    /// <summary>The root fields the matrix states a rule for (when_a_command_is_added checks every command has one).</summary>
    internal static IReadOnlyCollection<string> RuledFields => Table().Keys;

    private static Dictionary<string, Row> Table() => new()
    {
        ["Query.petition"] = Q(ReadPetition, x => ("petition(id: $id) { id }", new { id = x.Set.Id[x.Sit] }, "$id: ID!")),
        ["Query.trackPetition"] = Q((c, s) => s is Sit.Own or Sit.Other ? Expect.Allow : Expect.Hide,
            x => ("trackPetition(caseNumber: $n, accessCode: $a) { id }",
                new { n = x.Sit == Sit.Missing ? "X-0000-000000" : x.Set.CaseNumber[x.Sit], a = x.Sit is Sit.Own or Sit.Other ? x.Set.Code[x.Sit] : x.Set.Code[Sit.Own] },
                "$n: String!, $a: String!")),
        ["Query.petitionAsOf"] = Q(ReadPetition, x => ("petitionAsOf(id: $id, version: 1) { id }", new { id = x.Set.Id[x.Sit] }, "$id: ID!")),
        ["Query.history"] = Q(ReadPetition, x => ("history(petitionId: $id) { version }", new { id = x.Set.Id[x.Sit] }, "$id: ID!")),
        ["Query.inbox"] = Q(WorkQueue, x => ("inbox(departmentId: $d) { totalCount }", new { d = Dept(x.Sit) }, "$d: ID!")),
        ["Query.overdue"] = Q(WorkQueue, x => ("overdue(departmentId: $d) { totalCount }", new { d = Dept(x.Sit) }, "$d: ID!")),
        ["Query.statistics"] = Q(WorkQueue, x => ("statistics(departmentId: $d, from: \"2025-01-01\", to: \"2025-12-31\") { totals { received } }",
            new { d = Dept(x.Sit) }, "$d: ID!")),
        ["Query.events"] = Q(Feed, x => ("events(petitionId: $id, first: 5) { sequence }", new { id = x.Set.Id[x.Sit] }, "$id: ID!")),
        ["Query.department"] = Q(Directory, x => ("department(id: $d) { id }", new { d = Dept(x.Sit) }, "$d: ID!")),
        // An unknown region is VALIDATION: the directory is public.
        ["Query.departments"] = Q((c, s) => Expect.Allow, x => ("departments(regionCode: $r) { id }", new { r = Region(x.Sit) }, "$r: ID")),
        ["Query.region"] = Q(Directory, x => ("region(code: $r) { code }", new { r = Region(x.Sit) }, "$r: ID!")),
        ["Query.situationAnalysis"] = Q(Analysis, x => ("situationAnalysis(regionCode: $r, period: MONTH, date: \"2025-03-01\") { __typename }",
            new { r = Region(x.Sit) }, "$r: ID!")),
        ["Query.personalDataAccessLog"] = Q((c, s) => AuditorOnly(c, s, false),
            x => ("personalDataAccessLog(petitionId: $id) { totalCount }", new { id = x.Set.Id[x.Sit] }, "$id: ID")),
        ["Query.deadLetters"] = Q(AdminOnly, x => ("deadLetters(first: $n) { totalCount }", new { n = 10 }, "$n: Int")),
        ["Mutation.replayDeadLetter"] = new Row("Mutation", AdminOnly, async x =>
            Classify(await x.Api.GraphQL("mutation($id: ID!) { r: replayDeadLetter(id: $id) }", new { id = Guid.NewGuid() }, x.Token), "r")),
        // 我的信访 (issue 21): a PETITIONER's own list; its sub is the key, so there is nothing of others' to hide.
        ["Query.myPetitions"] = Q((c, s) => c switch
        {
            Caller.Anonymous => Expect.Unauth,
            Caller.Petitioner => Expect.Allow,
            _ => Expect.Forbid,
        }, x => ("myPetitions(province: $p) { id }", new { p = "340000" }, "$p: ID!")),
        // Publications (issue 21): anyone reads; ADMIN writes (when_publications_are_written_and_read covers the texts themselves).
        ["Query.publications"] = Q((c, s) => Expect.Allow, x => ("publications(province: $p) { totalCount }", new { p = "340000" }, "$p: ID")),
        // An id of no publication: null for every caller, as for a withdrawn text to all but ADMIN.
        ["Query.publication"] = Q((c, s) => Expect.Hide, x => ("publication(id: $id) { id }", new { id = Guid.NewGuid() }, "$id: ID!")),
        ["Mutation.publishPublication"] = new Row("Mutation", AdminOnly, async x =>
            Classify(await x.Api.GraphQL("mutation($i: PublicationInput!) { r: publishPublication(input: $i) { id } }",
                new { i = new { scope = "340000", kind = "NEWS", title = "标题", body = "正文" } }, x.Token), "r")),
        // The right first (UNAUTHENTICATED, FORBIDDEN), then the id: ADMIN finds no publication of that id.
        ["Mutation.withdrawPublication"] = new Row("Mutation", (c, s) => c == Caller.Admin ? Expect.Hide : AdminOnly(c, s), async x =>
            Classify(await x.Api.GraphQL("mutation($id: ID!) { r: withdrawPublication(id: $id) { id } }", new { id = Guid.NewGuid() }, x.Token), "r")),
        ["Query.verifyPetitionChain"] = Q((c, s) => AuditorOnly(c, s, true),
            x => ("verifyPetitionChain(id: $id) { __typename }", new { id = x.Set.Id[x.Sit] }, "$id: ID!")),
        ["Query.eventDayRoot"] = Q((c, s) => Integrity(c, s, false),
            x => ("eventDayRoot(date: $d) { __typename }", new { d = x.Api.Clock.GetUtcNow().ToString("yyyy-MM-dd") }, "$d: Date!")),
        ["Query.eventInclusionProof"] = Q((c, s) => Integrity(c, s, true),
            x => ("eventInclusionProof(sequence: $q) { __typename }", new { q = x.Set.Sequence[x.Sit] }, "$q: Long!")),

        ["Mutation.submitPetition"] = new Row("Mutation", Submit, SubmitDrive),
        ["Mutation.forwardPetition"] = M(StaffAct, "ForwardPetitionInput", x => new { toDepartmentId = "340101-EDU", mode = "TRANSFER", note = "请依法处理" }),
        ["Mutation.transferLevel"] = M(TransferAct, "TransferLevelInput", x => new { toDepartmentId = "340100-PO", reason = "重大事项" }),
        ["Mutation.acceptPetition"] = M(StaffAct, "AcceptPetitionInput", x => new { }),
        ["Mutation.declinePetition"] = M(StaffAct, "DeclinePetitionInput", x => new { reason = "不属于受理范围" }),
        ["Mutation.returnPetition"] = M(StaffAct, "ReturnPetitionInput", x => new { reason = "退回" }),
        ["Mutation.assignOfficer"] = M(StaffAct, "AssignOfficerInput", x => new { officerId = "officer-li" }),
        ["Mutation.extendDeadline"] = M(StaffAct, "ExtendDeadlineInput", x => new { days = 10, reason = "情况复杂" }),
        ["Mutation.issueReply"] = M(StaffAct, "IssueReplyInput", x => new { decision = "SUPPORTED", text = "已处理" }),
        ["Mutation.supervisePetition"] = M(SupervisorAct, "SupervisePetitionInput",
            x => new { instruction = "请加快办理", dueAt = x.Api.Clock.GetUtcNow().AddDays(10) }),
        ["Mutation.respondToSupervision"] = M(StaffAct, "RespondToSupervisionInput", x => new { supervisionId = x.Set.Supervision[x.Sit], response = "已办理" }),
        ["Mutation.requestReview"] = M(PetitionerAct, "RequestReviewInput", x => new { reason = "不满意", accessCode = AnonCode(x) }),
        ["Mutation.decideReview"] = M(StaffAct, "DecideReviewInput", x => new { outcome = "UPHELD", text = "维持" }),
        ["Mutation.requestReReview"] = M(PetitionerAct, "RequestReviewInput", x => new { reason = "仍不满意", accessCode = AnonCode(x) }),
        ["Mutation.decideReReview"] = M(StaffAct, "DecideReviewInput", x => new { outcome = "UPHELD", text = "维持" }),
        ["Mutation.evaluatePetition"] = M(PetitionerAct, "EvaluatePetitionInput", x => new { satisfaction = "SATISFIED", accessCode = AnonCode(x) }),
        ["Mutation.linkDuplicate"] = M(StaffAct, "LinkDuplicateInput", x => new { duplicateOfPetitionId = Base, reason = "重复" }),
        ["Mutation.dismissSuspectedDuplicate"] = M(StaffAct, "DismissSuspectedDuplicateInput", x => new { candidatePetitionId = Guid.NewGuid(), reason = "不同事项" }),
        ["Mutation.reclassifyPetition"] = M(StaffAct, "ReclassifyPetitionInput", x => new { category = "SUGGESTION", reason = "属于意见建议" }),
        ["Mutation.startHearing"] = M(StaffAct, "StartHearingInput", x => new { reason = "需要听证" }),
        ["Mutation.concludeHearing"] = M(StaffAct, "ConcludeHearingInput", x => new { summary = "听证结束" }),
        ["Mutation.withdrawPetition"] = M(PetitionerAct, "WithdrawPetitionInput", x => new { reason = "已解决", accessCode = AnonCode(x) }),

        // The subscription mirrors the feed: its role rule is driven over a WebSocket, its situations through the feed.
        ["Subscription.petitionEvents"] = new Row("Subscription", Feed, SubscriptionDrive),
    };

    /// <summary>The petition linkDuplicate points at: readable by every caller allowed to act (set in the test).</summary>
    private static Guid Base;

    private static string Dept(Sit s) => s switch { Sit.Own => "340101-PO", Sit.Other => "340101-EDU", Sit.Unreadable => "340102-PO", _ => "999999-XX" };

    private static string Region(Sit s) => s switch { Sit.Own => "340101", Sit.Other => "340100", Sit.Unreadable => "340102", _ => "999999" };

    /// <summary>Anonymous acts carry the petition's code (Unreadable: another petition's code); callers with a token none.</summary>
    private static string? AnonCode(Ctx x) => x.Caller != Caller.Anonymous ? null
        : x.Sit switch { Sit.Own or Sit.Other => x.Set.Code[x.Sit], _ => x.Set.Code[Sit.Own] };

    private static Row Q(Func<Caller, Sit, Expect> rule, Func<Ctx, (string Selection, object Variables, string Declarations)> build) =>
        new("Query", rule, async x =>
        {
            var (selection, variables, declarations) = build(x);
            var field = selection[..selection.IndexOf('(')];
            var result = await x.Api.GraphQL($"query({declarations}) {{ {selection} }}", variables, x.Token);
            return Classify(result, field);
        });

    private static Row M(Func<Caller, Sit, Expect> rule, string inputType, Func<Ctx, object> extra) =>
        new("Mutation", rule, async x =>
        {
            var input = new Dictionary<string, object?> { ["commandId"] = x.CommandId, ["petitionId"] = x.Set.Id[x.Sit] };
            var more = extra(x);
            foreach (var p in more.GetType().GetProperties())
                input[p.Name] = p.GetValue(more);
            var name = x.Field[(x.Field.IndexOf('.') + 1)..];
            var result = await x.Api.GraphQL($"mutation($input: {inputType}!) {{ r: {name}(input: $input) {{ petition {{ id }} }} }}", new { input }, x.Token);
            return Classify(result, "r");
        });

    private static async Task<Observed> SubmitDrive(Ctx x)
    {
        var (channel, region) = x.Sit switch
        {
            Sit.Own => ("WEBSITE", "340101"),
            Sit.Other => ("LETTER", "340101"),
            Sit.Unreadable => ("LETTER", "340102"),
            _ => ("WEBSITE", "999999"),
        };
        var result = await x.Api.GraphQL("mutation($input: SubmitPetitionInput!) { r: submitPetition(input: $input) { caseNumber } }",
            Petitions.SubmitInput(channel, region, receivedAt: channel == "LETTER" ? x.Api.Clock.GetUtcNow().ToString("O") : null), x.Token);
        return Classify(result, "r");
    }

    private static async Task<Observed> SubscriptionDrive(Ctx x)
    {
        if (x.Sit != Sit.Own)
        {
            // Situations beyond the role rule: the subscription filters with the feed's rule (Jurisdiction.MayFollow).
            var feed = await x.Api.GraphQL("query($id: ID!) { events(petitionId: $id, first: 5) { sequence } }", new { id = x.Set.Id[x.Sit] }, x.Token);
            return Classify(feed, "events");
        }
        await using var ws = await WsSession.ConnectAsync(x.Api);
        await ws.InitAsync(x.Token);
        await ws.SendAsync(new
        {
            id = "1",
            type = "subscribe",
            payload = new { query = "subscription($id: ID!) { petitionEvents(filter: { petitionId: $id }, after: 0) { sequence } }", variables = new { id = x.Set.Id[x.Sit] } },
        });
        var message = await ws.MessageAsync();
        var type = message.GetProperty("type").GetString();
        JsonElement? errors = type == "error" ? message.GetProperty("payload")
            : message.GetProperty("payload").TryGetProperty("errors", out var e) ? e : null;
        if (errors is { } list && list.GetArrayLength() > 0)
            return FromCode(list[0].TryGetProperty("extensions", out var ext) && ext.TryGetProperty("code", out var code) ? code.GetString()! : "?", $"ws {type}");
        return new Observed(Expect.Allow, $"ws {type}");
    }

    private static Observed Classify(GqlResult r, string field)
    {
        if (r.Root.ValueKind != JsonValueKind.Object)
            return new Observed(Expect.Allow, $"HTTP {r.Status} without a body");
        if (r.HasErrors)
            return FromCode(r.Codes[0], $"HTTP {r.Status}");
        var value = r.Data.GetProperty(field);
        return value.ValueKind switch
        {
            JsonValueKind.Null => new Observed(Expect.Hide, "null"),
            JsonValueKind.Array when value.GetArrayLength() == 0 => new Observed(Expect.Hide, "[]"),
            _ => new Observed(Expect.Allow, "ok"),
        };
    }

    private static Observed FromCode(string code, string where) => code switch
    {
        "NOT_FOUND" => new Observed(Expect.Hide, code),
        "FORBIDDEN" => new Observed(Expect.Forbid, code),
        "UNAUTHENTICATED" => new Observed(Expect.Unauth, code),
        _ => new Observed(Expect.Allow, $"{code} ({where})"),
    };

    [Fact]
    public async Task every_served_root_field_answers_every_caller_as_access_md_says()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?> { ["GraphQL:RateLimit:Enabled"] = "false" });
        var table = Table();

        // The served schema's root fields, from the host's own ISchema.
        var schema = api.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var served = new List<string>();
        foreach (var (kind, type) in new[] { ("Query", schema.Query), ("Mutation", schema.Mutation), ("Subscription", schema.Subscription) })
            served.AddRange(((IComplexGraphType?)type)?.Fields.Where(f => !f.Name.StartsWith("__", StringComparison.Ordinal)).Select(f => $"{kind}.{f.Name}") ?? []);
        var failures = new List<string>();
        failures.AddRange(served.Except(table.Keys).Select(f => $"{f}: served without a row in the access matrix"));
        failures.AddRange(table.Keys.Except(served).Select(f => $"{f}: a row for a field the host no longer serves"));

        var tokens = new Dictionary<Caller, string?>
        {
            [Caller.Anonymous] = null,
            [Caller.Petitioner] = api.Citizen("citizen-1"),
            [Caller.Officer] = SameSub(api, Caller.Officer, "officer"),
            [Caller.Supervisor] = SameSub(api, Caller.Supervisor, "supervisor"),
            [Caller.Auditor] = SameSub(api, Caller.Auditor, "auditor"),
            [Caller.Integrator] = SameSub(api, Caller.Integrator, "integrator"),
            [Caller.Admin] = SameSub(api, Caller.Admin, "admin"),
        };

        var shared = await NewSet(api);
        Base = shared.Id[Sit.Own];
        var cells = 0;
        var firstResults = 0;
        var seen = new Dictionary<(string, Caller, Sit), Observed>();
        var started = DateTime.UtcNow;
        foreach (var (field, row) in table.Where(r => served.Contains(r.Key)))
        {
            // Each command gets petitions of its own; the cells expected to be refused run first on one set,
            // then each allowed caller on a fresh set: an allowed act changes the state (a forward moves the
            // petition away), and no cell may depend on another's act.
            // replayDeadLetter is an ADMIN's act on the dead letters, and the publications' mutations an ADMIN's writing
            // of texts, not petition commands: no command id to replay.
            var command = row.Kind == "Mutation" && field is not ("Mutation.submitPetition" or "Mutation.replayDeadLetter"
                or "Mutation.publishPublication" or "Mutation.withdrawPublication");
            var supervised = field == "Mutation.respondToSupervision";
            var refusals = command ? await NewSet(api, supervised) : shared;
            var cellsOf = Callers.SelectMany(c => Situations.Select(s => (c, s))).ToList();
            foreach (var group in cellsOf.GroupBy(cell => row.Rule(cell.c, cell.s) == Expect.Allow ? cell.c.ToString() : "refused").OrderBy(g => g.Key == "refused" ? 0 : 1))
            {
                var set = command && group.Key != "refused" ? await NewSet(api, supervised) : refusals;
                foreach (var (caller, sit) in group)
                {
                    cells++;
                    var expected = row.Rule(caller, sit);
                    var cell = new Ctx(api, set, caller, sit, tokens[caller], field, Guid.NewGuid());
                    var observed = await row.Drive(cell);
                    seen[(field, caller, sit)] = observed;
                    if (observed.Class != expected)
                        failures.Add($"{field} × {caller} × {sit}: expected {expected}, got {observed.Class} ({observed.Detail})");
                    if (!command || observed.Detail != "ok" || caller == Caller.Anonymous)
                        continue;
                    // A repeated command id (visible as causationId) sent by the same sub in another role or
                    // department is answered as that caller's own cell (issue 15, item 16): a reader that may
                    // not act gets FORBIDDEN or the first result, which it may read; anyone else no more.
                    foreach (var other in Callers.Where(c => c != caller && c != Caller.Anonymous))
                    {
                        cells++;
                        var replayed = await row.Drive(cell with { Caller = other, Token = SameSub(api, other, SubOf(caller)) });
                        // A PETITIONER under another sub is not the submitter: it reads nothing here.
                        var owed = other == Caller.Petitioner && caller != Caller.Petitioner ? Expect.Hide : row.Rule(other, sit);
                        if (owed == Expect.Forbid && replayed.Detail == "ok")
                            firstResults++;
                        else if (replayed.Class != owed)
                            failures.Add($"{field} × {caller} × {sit} replayed by {other} (same sub): expected {owed}, got {replayed.Class} ({replayed.Detail})");
                    }
                }
            }
            if (field == "Mutation.linkDuplicate")
                cells += await OriginalsAsync(api, tokens, failures);
            // Not found and forbidden: a petition the caller may not read answers exactly as a missing one.
            foreach (var caller in Callers)
                if (row.Rule(caller, Sit.Unreadable) == Expect.Hide && row.Rule(caller, Sit.Missing) == Expect.Hide
                    && seen[(field, caller, Sit.Unreadable)].Detail != seen[(field, caller, Sit.Missing)].Detail)
                    failures.Add($"{field} × {caller}: Unreadable answers {seen[(field, caller, Sit.Unreadable)].Detail}, Missing {seen[(field, caller, Sit.Missing)].Detail}");
        }
        var elapsed = DateTime.UtcNow - started;
        output.WriteLine($"access matrix: {served.Count} root fields, {cells} cells in {elapsed.TotalSeconds:F1} s;"
            + $" {firstResults} same-sub replays by a reader without the right got the first result");
        foreach (var answer in seen.GroupBy(s => (s.Key.Item1.Split('.')[0], s.Value.Class, s.Value.Detail)).OrderBy(g => g.Key))
            output.WriteLine($"  {answer.Key.Item1} {answer.Key.Class} {answer.Key.Detail}: {answer.Count()}");
        failures.ShouldBeEmpty($"{failures.Count} of {cells} cells differ from access.md:\n" + string.Join('\n', failures));
    }

    /// <summary>
    /// linkDuplicate names a second petition (issue 15, item 15): each caller that may act on its own
    /// petition links it to an original in every situation; an original it may not read (not flagged on
    /// the petition) is NOT_FOUND whatever its state, exactly as a missing one.
    /// </summary>
    private static async Task<int> OriginalsAsync(ApiHost api, Dictionary<Caller, string?> tokens, List<string> failures)
    {
        var cells = 0;
        foreach (var caller in new[] { Caller.Officer, Caller.Supervisor, Caller.Admin })
        {
            var originals = await NewSet(api);
            var answers = new Dictionary<Sit, Observed>();
            foreach (var sit in Situations)
            {
                cells++;
                var (mine, _, _) = await api.SubmitAsync(api.Citizen("citizen-1"));
                var result = await api.GraphQL("mutation($input: LinkDuplicateInput!) { r: linkDuplicate(input: $input) { petition { id } } }",
                    new { input = new { commandId = Guid.NewGuid(), petitionId = mine, duplicateOfPetitionId = originals.Id[sit], reason = "重复" } }, tokens[caller]);
                answers[sit] = Classify(result, "r");
                var expected = ReadPetition(caller, sit) == Expect.Hide ? Expect.Hide : Expect.Allow;
                if (answers[sit].Class != expected)
                    failures.Add($"Mutation.linkDuplicate × {caller} × original {sit}: expected {expected}, got {answers[sit].Class} ({answers[sit].Detail})");
            }
            if (ReadPetition(caller, Sit.Unreadable) == Expect.Hide && answers[Sit.Unreadable].Detail != answers[Sit.Missing].Detail)
                failures.Add($"Mutation.linkDuplicate × {caller}: original Unreadable answers {answers[Sit.Unreadable].Detail}, Missing {answers[Sit.Missing].Detail}");
        }
        return cells;
    }

    private static string SubOf(Caller caller) => caller == Caller.Petitioner ? "citizen-1" : caller.ToString().ToLowerInvariant();

    /// <summary>The caller's role and department under another caller's sub.</summary>
    private static string SameSub(ApiHost api, Caller caller, string sub) => caller switch
    {
        Caller.Petitioner => api.Token(Role.Petitioner, sub: sub),
        Caller.Officer => api.Token(Role.Officer, "340101-PO", sub),
        Caller.Supervisor => api.Token(Role.Supervisor, "340101-PO", sub),
        Caller.Auditor => api.Token(Role.Auditor, sub: sub),
        Caller.Integrator => api.Token(Role.Integrator, sub: sub),
        _ => api.Token(Role.Admin, sub: sub),
    };

    /// <summary>Own at 340101-PO and Other forwarded to 340101-EDU, both citizen-1's; Unreadable citizen-3's at 340102-PO.</summary>
    private static async Task<Set> NewSet(ApiHost api, bool supervised = false)
    {
        var (own, ownCase, ownCode) = await api.SubmitAsync(api.Citizen("citizen-1"));
        var (other, otherCase, otherCode) = await api.SubmitAsync(api.Citizen("citizen-1"));
        await api.Forward(other);
        var (unreadable, unreadableCase, unreadableCode) = await api.SubmitAsync(api.Citizen("citizen-3"), region: "340102");
        var ids = new Dictionary<Sit, Guid> { [Sit.Own] = own, [Sit.Other] = other, [Sit.Unreadable] = unreadable, [Sit.Missing] = Guid.NewGuid() };
        var sequences = new Dictionary<Sit, long> { [Sit.Missing] = 1_000_000_000 };
        var supervisions = new Dictionary<Sit, string> { [Sit.Missing] = Guid.NewGuid().ToString() };
        foreach (var sit in new[] { Sit.Own, Sit.Other, Sit.Unreadable })
        {
            var events = await api.Data("query($id: ID!) { history(petitionId: $id) { sequence } }", new { id = ids[sit] }, api.Admin());
            sequences[sit] = events.GetProperty("history")[0].GetProperty("sequence").GetInt64();
            if (!supervised)
                continue;
            // ADMIN supervises each petition: the supervision is addressed to its current department.
            await api.Act("supervisePetition", "SupervisePetitionInput",
                new { commandId = Guid.NewGuid(), petitionId = ids[sit], instruction = "请加快办理", dueAt = api.Clock.GetUtcNow().AddDays(10) }, api.Admin());
            supervisions[sit] = (await api.Petition(ids[sit], api.Admin(), "supervisions { id }")).GetProperty("supervisions")[0].GetProperty("id").GetString()!;
        }
        return new Set(ids,
            new Dictionary<Sit, string> { [Sit.Own] = ownCase, [Sit.Other] = otherCase, [Sit.Unreadable] = unreadableCase },
            new Dictionary<Sit, string> { [Sit.Own] = ownCode, [Sit.Other] = otherCode, [Sit.Unreadable] = unreadableCode },
            sequences, supervisions);
    }
}
