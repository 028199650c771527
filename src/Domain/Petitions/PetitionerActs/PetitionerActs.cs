namespace CaseEngine.Domain.Petitions.PetitionerActs;

/// <summary>满意 / 基本满意 / 不满意: once, within the evaluation window. Dissatisfaction reopens nothing; review is the remedy.</summary>
public sealed record EvaluatePetition(Guid PetitionId, Satisfaction Satisfaction, string? Comment = null) : ConfidentialRecord, IPetitionCommand;

/// <summary>The petitioner withdraws: every clock stops.</summary>
public sealed record WithdrawPetition(Guid PetitionId, string? Reason = null) : ConfidentialRecord, IPetitionCommand;

public static class PetitionerDecisions
{
    public static IPetitionEvent[] Decide(EvaluatePetition c, Petition s, DecisionContext ctx)
    {
        var comment = Input.OptionalText(c.Comment, "comment", Input.ReasonMax);
        Jurisdiction.EnsurePetitioner(s, ctx, "evaluate the result");
        var afterReply = s.Reply is not null
            && s.Status is PetitionStatus.Replied or PetitionStatus.Reviewed or PetitionStatus.Closed;
        if (!afterReply)
            throw RuleViolation.InvalidTransition("a petition is evaluated after its reply");
        if (s.Evaluation is not null)
            throw RuleViolation.InvalidTransition("the petition has already been evaluated");
        if (s.EvaluationWindow is null || !s.EvaluationWindow.IsInTime(ctx.Now))
            throw RuleViolation.DeadlinePassed("the evaluation window has passed");
        return
        [
            new PetitionEvaluated(s.Id, c.Satisfaction, comment, s.Reply!.DepartmentId, s.Reply.RegionPath,
                s.Category, s.Channel, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(WithdrawPetition c, Petition s, DecisionContext ctx)
    {
        var reason = Input.OptionalText(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsurePetitioner(s, ctx, "withdraw the petition");
        if (s.IsFinal)
            throw RuleViolation.InvalidTransition("a petition in a final status cannot be withdrawn");
        return [new PetitionWithdrawn(s.Id, reason, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
    }
}
