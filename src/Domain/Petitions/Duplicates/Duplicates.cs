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

/// <summary>An earlier petition the engine found likely repeated, with its similarity in [0, 1].</summary>
public sealed record SuspectedCandidate(Guid PetitionId, double Score);

/// <summary>
/// The system flags a petition's likely duplicates, every candidate detection found for it in one
/// command (one transaction, one pass of the read side per petition, however many candidates); only
/// the office links.
/// </summary>
public sealed record FlagSuspectedDuplicates(Guid PetitionId, IReadOnlyList<SuspectedCandidate> Candidates) : ConfidentialRecord, IEngineCommand
{
    /// <summary>The most candidates one flag carries (detection returns its best ones only).</summary>
    public const int MaxCandidates = 5;

    // Equal by content, the list included (a record compares lists by reference): a command read back
    // from the durable queue is the command that was sent.
    public bool Equals(FlagSuspectedDuplicates? other) =>
        other is not null && PetitionId == other.PetitionId && Candidates.SequenceEqual(other.Candidates);

    public override int GetHashCode() => HashCode.Combine(PetitionId, Candidates.Count);
}

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

    public static IPetitionEvent[] Decide(FlagSuspectedDuplicates c, Petition s, DecisionContext ctx)
    {
        if (ctx.Actor.Role != Role.System)
            throw RuleViolation.Forbidden("only the engine flags suspected duplicates");
        if (c.Candidates is not { Count: > 0 and <= FlagSuspectedDuplicates.MaxCandidates } candidates)
            throw RuleViolation.Validation($"a flag carries 1 to {FlagSuspectedDuplicates.MaxCandidates} candidates");
        if (candidates.Any(d => d.PetitionId == s.Id || !(d.Score is >= 0 and <= 1)))
            throw RuleViolation.Validation("a candidate is another petition with a score from 0 to 1");
        if (s.IsFinal)
            return [];
        // A candidate already flagged, or dismissed by the office, is not flagged again; the others
        // each get their event, in the order detection ranked them (best first).
        return [.. candidates
            .DistinctBy(d => d.PetitionId)
            .Where(d => !s.SuspectedDuplicates.Any(f => f.CandidatePetitionId == d.PetitionId) && !s.DismissedDuplicates.Contains(d.PetitionId))
            .Select(d => new DuplicateSuspected(s.Id, d.PetitionId, d.Score, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now))];
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
