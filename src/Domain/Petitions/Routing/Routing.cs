using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions.Linking;

namespace CaseEngine.Domain.Petitions.Routing;

/// <summary>转送 / 交办: forward to a handling agency in the office's region subtree.</summary>
public sealed record ForwardPetition(Guid PetitionId, string ToDepartmentId, ForwardMode Mode, string? Note = null) : ConfidentialRecord, IPetitionCommand;

/// <summary>Move the petition to the petition office of an ancestor or descendant region.</summary>
public sealed record TransferLevel(Guid PetitionId, string ToDepartmentId, string Reason) : ConfidentialRecord, IPetitionCommand;

/// <summary>不予受理, by the office (REGISTERED) or the agency (FORWARDED), with the legal route where it applies (诉访分离).</summary>
public sealed record DeclinePetition(Guid PetitionId, string Reason, LegalRoute? LegalRoute = null) : ConfidentialRecord, IPetitionCommand;

/// <summary>退回: the agency objects that the matter is not within its authority.</summary>
public sealed record ReturnPetition(Guid PetitionId, string Reason) : ConfidentialRecord, IPetitionCommand;

/// <summary>The office corrects the category the petitioner chose.</summary>
public sealed record ReclassifyPetition(Guid PetitionId, PetitionCategory Category, string Reason) : ConfidentialRecord, IPetitionCommand;

public static class RoutingDecisions
{
    public static IPetitionEvent[] Decide(ForwardPetition c, Petition s, DecisionContext ctx)
    {
        var note = Input.OptionalText(c.Note, "note", Input.ReasonMax);
        var target = ctx.RequireDepartment(c.ToDepartmentId);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "forward this petition");
        if (s.Status != PetitionStatus.Registered)
            throw RuleViolation.InvalidTransition("only a registered petition can be forwarded");
        var office = ctx.RequireDepartment(s.CurrentDepartmentId);
        if (target.Kind != DepartmentKind.HandlingAgency)
            throw RuleViolation.InvalidTransition("a petition is forwarded to a handling agency");
        if (!ctx.Directory.IsInSubtree(target.RegionCode, office.RegionCode))
            throw RuleViolation.InvalidTransition("the handling agency is outside the office's region");
        var forwarded = new PetitionForwarded(
            s.Id, office.Id, s.CurrentRegionPath, c.Mode, note, s.Clock!.Due.IsInTime(ctx.Now), s.Category, s.Channel,
            ctx.Clock.Start(Stage.Acceptance, ctx.Now), ctx.Clock.ReturnWindow(ctx.Now),
            target.Id, ctx.RegionPathOf(target.Id), ctx.Actor, ctx.Now);
        // 交办 to a province from the national office: the agency's database holds the petition from here.
        return LinkingDecisions.HandOverIfElsewhere(s, target, forwarded, office.Id, c.Mode, ctx);
    }

    public static IPetitionEvent[] Decide(TransferLevel c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        var target = ctx.RequireDepartment(c.ToDepartmentId);
        Jurisdiction.EnsureSupervisorOver(s, ctx, "transfer a petition to another level", mustBeCurrentOffice: true);
        if (s.Status != PetitionStatus.Registered)
            throw RuleViolation.InvalidTransition("only a registered petition can be transferred to another level");
        var office = ctx.RequireDepartment(s.CurrentDepartmentId);
        var related = target.RegionCode != office.RegionCode
            && (ctx.Directory.IsInSubtree(target.RegionCode, office.RegionCode)
                || ctx.Directory.IsInSubtree(office.RegionCode, target.RegionCode));
        // 移交: a matter filed in the wrong province goes to the petition office of the province where it lies,
        // at any level, when that province has a database of its own (issue 20).
        var otherProvince = Provinces.Of(target.RegionCode) != Provinces.Of(office.RegionCode) && ctx.HeldElsewhere(target.RegionCode);
        if (target.Kind != DepartmentKind.PetitionOffice || !(related || otherProvince))
            throw RuleViolation.InvalidTransition("the target must be the petition office of an ancestor or descendant region, or of another province");
        var transferred = new PetitionTransferredLevel(
            s.Id, office.Id, s.CurrentRegionPath, reason, s.Clock!.Due.IsInTime(ctx.Now), s.Category, s.Channel,
            ctx.Clock.Start(Stage.Routing, ctx.Now), target.Id, ctx.RegionPathOf(target.Id), ctx.Actor, ctx.Now);
        return LinkingDecisions.HandOverIfElsewhere(s, target, transferred, office.Id, mode: null, ctx);
    }

    public static IPetitionEvent[] Decide(DeclinePetition c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "decline this petition");
        if (s.Status is not (PetitionStatus.Registered or PetitionStatus.Forwarded))
            throw RuleViolation.InvalidTransition("only a registered or forwarded petition can be declined");
        if (s.Category == PetitionCategory.LegalProcedure && c.LegalRoute is null)
            throw RuleViolation.Validation("declining a legal-procedure matter names the legal route the petitioner is to take");
        return
        [
            new PetitionDeclined(s.Id, reason, c.LegalRoute, s.Clock!.Due.IsInTime(ctx.Now), s.Category, s.Channel,
                s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(ReturnPetition c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "return this petition");
        if (s.Status != PetitionStatus.Forwarded || s.ForwardingOfficeId is null)
            throw RuleViolation.InvalidTransition("only a forwarded petition can be returned");
        // The objection is a right of 5 working days: late, it lapses (Art. 23).
        if (!s.ReturnWindow!.IsInTime(ctx.Now))
            throw RuleViolation.DeadlinePassed("the 5-working-day window to return the petition has passed");
        // The forwarding office is in another database (issue 20): the copy's part ends and the origin takes it back.
        // A copy forwarded again at home (by the office it was transferred to) is returned at home, as any petition.
        if (s.Link?.Role == LinkRole.Copy && Provinces.Of(ctx.RequireDepartment(s.ForwardingOfficeId).RegionCode) != PetitionIds.ProvinceOf(s.Id))
            return [new HandedOverPetitionReturned(s.Id, reason, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
        return
        [
            new PetitionReturned(s.Id, s.CurrentDepartmentId, s.CurrentRegionPath, reason,
                ctx.Clock.Start(Stage.Routing, ctx.Now),
                s.ForwardingOfficeId, ctx.RegionPathOf(s.ForwardingOfficeId), ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(ReclassifyPetition c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "reclassify this petition");
        if (s.Status != PetitionStatus.Registered)
            throw RuleViolation.InvalidTransition("only a registered petition can be reclassified");
        if (c.Category == s.Category)
            throw RuleViolation.Validation("the petition already has that category");
        return
        [
            new PetitionReclassified(s.Id, s.Category, c.Category, reason, s.CurrentDepartmentId, s.CurrentRegionPath,
                ctx.Actor, ctx.Now),
        ];
    }
}
