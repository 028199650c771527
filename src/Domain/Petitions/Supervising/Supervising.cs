namespace CaseEngine.Domain.Petitions.Supervising;

/// <summary>督办: a SUPERVISOR of an office whose region subtree holds the current department.</summary>
public sealed record SupervisePetition(Guid PetitionId, string Instruction, DateTimeOffset DueAt) : ConfidentialRecord, IPetitionCommand;

/// <summary>The supervised department answers in writing, even if the petition moved on.</summary>
public sealed record RespondToSupervision(Guid PetitionId, string SupervisionId, string Response) : ConfidentialRecord, IPetitionCommand;

public static class SupervisionDecisions
{
    /// <summary>Supervision ids are per petition and deterministic, so a replayed decision gives the same id.</summary>
    public static string NextSupervisionId(Petition s) => $"{s.Id:N}-S{s.Supervisions.Count + 1}";

    public static IPetitionEvent[] Decide(SupervisePetition c, Petition s, DecisionContext ctx)
    {
        var instruction = Input.Text(c.Instruction, "instruction", Input.ReasonMax);
        if (c.DueAt <= ctx.Now)
            throw RuleViolation.Validation("the supervision's due moment must be in the future");
        Jurisdiction.EnsureSupervisorOver(s, ctx, "supervise this petition", mustBeCurrentOffice: false);
        if (s.IsFinal)
            throw RuleViolation.InvalidTransition("a petition in a final status is not supervised");
        var by = ctx.Actor.Role == Role.Admin
            ? ctx.Directory.PetitionOfficeOf(ctx.RequireDepartment(s.CurrentDepartmentId).RegionCode)?.Id ?? s.CurrentDepartmentId
            : ctx.Actor.DepartmentId!;
        return
        [
            new SupervisionIssued(s.Id, NextSupervisionId(s), s.CurrentDepartmentId, s.CurrentRegionPath, by, instruction,
                Automatic: false, MissedStage: null, ctx.Clock.Fixed(Stage.SupervisionResponse, ctx.Now, c.DueAt),
                s.Category, s.Channel, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(RespondToSupervision c, Petition s, DecisionContext ctx)
    {
        var response = Input.Text(c.Response, "response", Input.ContentMax);
        Jurisdiction.EnsureReadable(s, ctx);
        var supervision = s.Supervisions.FirstOrDefault(v => v.Id == c.SupervisionId)
            ?? throw RuleViolation.NotFound("no supervision with that id on this petition");
        Jurisdiction.EnsureStaffOf(s, ctx, supervision.SupervisedDepartmentId, "respond to this supervision");
        if (!supervision.IsOpen)
            throw RuleViolation.InvalidTransition("the supervision has already been answered");
        return
        [
            new SupervisionAnswered(s.Id, supervision.Id, supervision.SupervisedDepartmentId, response,
                supervision.Due.IsInTime(ctx.Now), s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }
}
