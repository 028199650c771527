namespace CaseEngine.Domain.Petitions.Duplicates;

/// <summary>重复件: the office confirms that this petition repeats another one; it is then counted once (Art. 19).</summary>
public sealed record LinkDuplicate(Guid PetitionId, Guid DuplicateOfPetitionId, string? Reason = null) : ConfidentialRecord, IPetitionCommand, IRefersToAnotherPetition
{
    public Guid OtherPetitionId => DuplicateOfPetitionId;
}

/// <summary>
/// The office judged a flag wrong: the candidate is not the same matter. The flag leaves the petition
/// (and its inbox item), and the engine does not flag the same candidate on it again.
/// </summary>
public sealed record DismissSuspectedDuplicate(Guid PetitionId, Guid CandidatePetitionId, string? Reason = null) : ConfidentialRecord, IPetitionCommand;

/// <summary>The system flags a likely duplicate; only the office links.</summary>
public sealed record FlagSuspectedDuplicate(Guid PetitionId, Guid CandidatePetitionId, double Score) : ConfidentialRecord, IEngineCommand;

public static class DuplicateDecisions
{
    public static IPetitionEvent[] Decide(LinkDuplicate c, Petition s, Petition? original, DecisionContext ctx)
    {
        var reason = Input.OptionalText(c.Reason, "reason", Input.ReasonMax);
        if (c.DuplicateOfPetitionId == c.PetitionId)
            throw RuleViolation.Validation("a petition cannot duplicate itself");
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "link duplicates");
        if (s.Status != PetitionStatus.Registered)
            throw RuleViolation.InvalidTransition("only a registered petition can be linked as a duplicate");
        // Before anything of the original is looked at: one the office may not read (and that the engine
        // did not flag here) must answer exactly like a missing one.
        original = Jurisdiction.EnsureMayReferTo(s, original, c.DuplicateOfPetitionId, ctx);
        if (original.Status is PetitionStatus.Declined or PetitionStatus.Withdrawn)
            throw RuleViolation.InvalidTransition("the original was declined or withdrawn: this petition is a new matter");
        if (original.Status == PetitionStatus.Merged)
            throw RuleViolation.InvalidTransition("the original is itself a duplicate: link to the petition it was merged into");
        return
        [
            // The entry bucket it leaves is the one it was counted in at receipt: the received category,
            // not a later reclassification.
            new DuplicateLinked(s.Id, original.Id, reason, s.EntryDepartmentId, s.EntryRegionPath, s.ReceivedAt,
                s.ReceivedCategory, s.Channel, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(FlagSuspectedDuplicate c, Petition s, DecisionContext ctx)
    {
        if (ctx.Actor.Role != Role.System)
            throw RuleViolation.Forbidden("only the engine flags suspected duplicates");
        if (s.IsFinal || s.SuspectedDuplicates.Any(d => d.CandidatePetitionId == c.CandidatePetitionId)
            || s.DismissedDuplicates.Contains(c.CandidatePetitionId))
            return [];
        return [new DuplicateSuspected(s.Id, c.CandidatePetitionId, c.Score, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
    }

    public static IPetitionEvent[] Decide(DismissSuspectedDuplicate c, Petition s, DecisionContext ctx)
    {
        var reason = Input.OptionalText(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "dismiss suspected duplicates");
        if (s.IsFinal)
            throw RuleViolation.InvalidTransition("a final petition keeps its flags");
        if (!s.SuspectedDuplicates.Any(d => d.CandidatePetitionId == c.CandidatePetitionId))
            throw RuleViolation.InvalidTransition("no such suspected duplicate is flagged on this petition");
        return [new SuspectedDuplicateDismissed(s.Id, c.CandidatePetitionId, reason, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
    }
}
