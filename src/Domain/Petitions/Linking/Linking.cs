using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;

namespace CaseEngine.Domain.Petitions.Linking;

/// <summary>
/// The linked copy of a handed-over petition arrives in its database (sent by the engine, exactly once, from
/// the origin's transaction). <see cref="PetitionId"/> is the copy's id, chosen by the hand-over.
/// </summary>
public sealed record ReceiveHandedOverPetition(
    Guid PetitionId, Guid OriginPetitionId, string OriginCaseNumber, string OriginProvince,
    Channel Channel, PetitionCategory Category, string EntryRegionCode, string EntryDepartmentId, string EntryRegionPath,
    string Subject, string Content, PetitionerDetails Petitioner, string? SubmitterId, DateTimeOffset ReceivedAt,
    string FromDepartmentId, ForwardMode? Mode, string ToDepartmentId, string[] FormerDepartments) : ConfidentialRecord, IEngineCommand;

/// <summary>The copy's events <see cref="FromVersion"/> … <see cref="ToVersion"/>, reported back onto the origin (<see cref="PetitionId"/>).</summary>
public sealed record ReportLinkedProgress(
    Guid PetitionId, Guid LinkedPetitionId, string LinkedCaseNumber, int FromVersion, int ToVersion, string[] Acts,
    PetitionStatus Status, Stage Stage, ReplyRecord? Reply, DecisionRecord? Review, DecisionRecord? ReReview,
    EvaluationRecord? Evaluation, OpenClock? Clock, string DepartmentId, string RegionPath, string? ReturnReason = null) : ConfidentialRecord, IEngineCommand;

/// <summary>
/// Petitions linked across databases (issue 20; docs/national.md): the national office handing a petition down
/// to a province, a province transferring one to another, a province office sending one up. The petition that
/// was handed over (the origin) keeps its case number, its counters and its history, and from then on mirrors
/// its linked copy; the copy decides every act, staff's and petitioner's. Received is counted once, at the
/// origin; every other counter where the act is decided.
/// </summary>
public static class LinkingDecisions
{
    /// <summary>
    /// The hand-over that completes a forward or transfer to <paramref name="target"/> when another database
    /// holds its province; nothing otherwise. <paramref name="moved"/> is the forward or transfer event.
    /// </summary>
    public static IPetitionEvent[] HandOverIfElsewhere(Petition s, Department target, IPetitionEvent moved, string fromDepartmentId,
        ForwardMode? mode, DecisionContext ctx)
    {
        if (!ctx.HeldElsewhere(target.RegionCode))
            return [moved];
        // A copy reports to one origin; handing it on again would need a chain of reports, not built yet.
        if (s.Link is not null)
            throw RuleViolation.InvalidTransition("a petition handed over from another province is not handed over again");
        var province = Provinces.Of(target.RegionCode)!;
        // The copy's id is derived from the origin's and the hand-over's version: deciding it again names the same copy.
        var copy = PetitionIds.Linked(s.Id, s.Version + 2, target.RegionCode, ctx.Now);
        return [moved, new PetitionHandedOver(s.Id, copy, province, fromDepartmentId, mode, moved.DepartmentId, moved.RegionPath, ctx.Actor, ctx.Now)];
    }

    /// <summary>The copy's first event: handled like a forward (or a level transfer), its clocks starting on arrival.</summary>
    public static IPetitionEvent[] Decide(ReceiveHandedOverPetition c, string caseNumber, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        var target = ctx.RequireDepartment(c.ToDepartmentId);
        var from = ctx.RequireDepartment(c.FromDepartmentId);
        if (c.Mode is not null && target.Kind != DepartmentKind.HandlingAgency)
            throw RuleViolation.InvalidTransition("a petition is forwarded to a handling agency");
        if (c.Mode is null && target.Kind != DepartmentKind.PetitionOffice)
            throw RuleViolation.InvalidTransition("a petition is transferred to a petition office");
        var clock = ctx.Clock.Start(c.Mode is null ? Stage.Routing : Stage.Acceptance, ctx.Now);
        return
        [
            new HandedOverPetitionReceived(
                c.PetitionId, caseNumber, c.OriginPetitionId, c.OriginCaseNumber, c.OriginProvince,
                c.Channel, c.Category, c.EntryRegionCode, c.EntryDepartmentId, c.EntryRegionPath,
                c.Subject, c.Content, c.Petitioner, c.SubmitterId, c.ReceivedAt,
                from.Id, ctx.RegionPathOf(from.Id), c.Mode, clock, c.Mode is null ? null : ctx.Clock.ReturnWindow(ctx.Now),
                [.. c.FormerDepartments.Where(d => ctx.Directory.FindDepartment(d) is not null)],
                target.Id, ctx.RegionPathOf(target.Id), ctx.Actor, ctx.Now),
        ];
    }

    /// <summary>The copy exists already: this hand-over was received (under another command id); nothing more.</summary>
    public static IPetitionEvent[] Decide(ReceiveHandedOverPetition c, Petition s, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        return s.Link?.PetitionId == c.OriginPetitionId
            ? []
            : throw RuleViolation.InvalidTransition("a petition with that id exists and is not this hand-over's copy");
    }

    /// <summary>
    /// The copy's progress onto the origin, in the copy's order: a report already applied yields nothing (a
    /// repeat); one that arrives before the report it follows is a conflict, tried again until that one is in.
    /// </summary>
    public static IPetitionEvent[] Decide(ReportLinkedProgress c, Petition s, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        if (s.Link is not { Role: LinkRole.Origin } link || link.PetitionId != c.LinkedPetitionId)
            throw RuleViolation.InvalidTransition("the petition was not handed over to that petition");
        if (c.ToVersion <= link.ReportedVersion)
            return [];
        if (c.FromVersion != link.ReportedVersion + 1)
            throw RuleViolation.Concurrency($"the report of versions {c.FromVersion}–{c.ToVersion} follows version {link.ReportedVersion}: tried again after the reports before it");
        // The copy's agency returned it (退回): the office that handed it over has it again, with a new routing clock.
        if (c.ReturnReason is { } reason)
        {
            var office = s.ForwardingOfficeId ?? throw RuleViolation.InvalidTransition("only a forwarded petition can be returned");
            return
            [
                new HandOverReturned(s.Id, c.LinkedPetitionId, reason, c.DepartmentId, c.RegionPath, ctx.Clock.Start(Stage.Routing, ctx.Now),
                    office, ctx.RegionPathOf(office), ctx.Actor, ctx.Now),
            ];
        }
        return
        [
            new LinkedProgressReported(s.Id, c.LinkedPetitionId, c.LinkedCaseNumber, c.FromVersion, c.ToVersion, c.Acts,
                c.Status, c.Stage, c.Reply, c.Review, c.ReReview, c.Evaluation, c.Clock, c.DepartmentId, c.RegionPath, ctx.Actor, ctx.Now),
        ];
    }

    /// <summary>
    /// On a handed-over origin every act belongs to the copy: a petitioner's act is carried there
    /// (<see cref="RuleViolation.DecidedElsewhere"/>), a staff act is refused, naming where the petition is handled.
    /// The engine's own acts are decided as ever (the origin has no clock left to miss).
    /// </summary>
    public static void EnsureDecidedHere(IPetitionCommand command, Petition s)
    {
        if (!s.HandedOver || command is IEngineCommand)
            return;
        if (Jurisdiction.IsPetitionerAct(command))
            throw RuleViolation.DecidedElsewhere(s.Link!.PetitionId);
        throw RuleViolation.InvalidTransition(
            $"this petition was handed over and is handled in province {s.Link!.Province}" + (s.Link.CaseNumber is { } n ? $" as {n}" : ""));
    }

    /// <summary>A petitioner's act on the origin, addressed to the copy that decides it.</summary>
    public static IPetitionCommand Retarget(IPetitionCommand command, Guid copy) => command switch
    {
        EvaluatePetition c => c with { PetitionId = copy },
        WithdrawPetition c => c with { PetitionId = copy },
        RequestReview c => c with { PetitionId = copy },
        RequestReReview c => c with { PetitionId = copy },
        _ => throw new ArgumentException($"{command.GetType().Name} is not carried to a linked petition", nameof(command)),
    };

    /// <summary>
    /// The report of a command's events on a copy (<paramref name="before"/> null for its first), for the origin;
    /// null when the petition is not a copy or nothing was appended.
    /// </summary>
    public static ReportLinkedProgress? ReportOf(Petition? before, Petition after, IReadOnlyCollection<IPetitionEvent> events)
    {
        if (after.Link is not { Role: LinkRole.Copy } link || events.Count == 0)
            return null;
        return new ReportLinkedProgress(link.PetitionId, after.Id, after.CaseNumber, (before?.Version ?? 0) + 1, after.Version,
            [.. events.Select(e => e.GetType().Name)], after.Status, after.Stage, after.Reply, after.Review, after.ReReview,
            after.Evaluation, after.Clock, after.CurrentDepartmentId, after.CurrentRegionPath,
            events.OfType<HandedOverPetitionReturned>().FirstOrDefault()?.Reason);
    }

    /// <summary>The copy a hand-over asks for, from the origin as the hand-over left it (null when it handed nothing over).</summary>
    public static ReceiveHandedOverPetition? CopyOf(Petition origin, IReadOnlyCollection<IPetitionEvent> events)
    {
        if (events.OfType<PetitionHandedOver>().SingleOrDefault() is not { } h)
            return null;
        return new ReceiveHandedOverPetition(h.LinkedPetitionId, origin.Id, origin.CaseNumber,
            PetitionIds.ProvinceOf(origin.Id) ?? Provinces.Of(origin.EntryRegionCode)!,
            origin.Channel, origin.Category, origin.EntryRegionCode, origin.EntryDepartmentId, origin.EntryRegionPath,
            origin.Subject, origin.Content, origin.Petitioner, origin.SubmitterId, origin.ReceivedAt,
            h.FromDepartmentId, h.Mode, h.DepartmentId, [.. origin.Departments.Where(d => d != h.DepartmentId)]);
    }

    private static void EnsureEngine(DecisionContext ctx)
    {
        if (ctx.Actor.Role != Role.System)
            throw RuleViolation.Forbidden("only the engine itself links petitions across databases");
    }
}
