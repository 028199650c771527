namespace CaseEngine.Domain.Petitions.Handling;

/// <summary>受理: the agency takes the petition on.</summary>
public sealed record AcceptPetition(Guid PetitionId) : ConfidentialRecord, IPetitionCommand;

/// <summary>承办人: any officer id (there is no officer registry).</summary>
public sealed record AssignOfficer(Guid PetitionId, string OfficerId) : ConfidentialRecord, IPetitionCommand;

/// <summary>延期: once, before the due moment, by 1–30 days (Art. 34).</summary>
public sealed record ExtendDeadline(Guid PetitionId, int Days, string Reason) : ConfidentialRecord, IPetitionCommand;

/// <summary>听证: stops the stage's clock.</summary>
public sealed record StartHearing(Guid PetitionId, string Reason) : ConfidentialRecord, IPetitionCommand;

/// <summary>Ends the hearing: the clock restarts, moved by the hearing's whole days.</summary>
public sealed record ConcludeHearing(Guid PetitionId, string Summary) : ConfidentialRecord, IPetitionCommand;

/// <summary>信访处理意见书: the written handling opinion.</summary>
public sealed record IssueReply(Guid PetitionId, ReplyDecision Decision, string Text) : ConfidentialRecord, IPetitionCommand;

public static class HandlingDecisions
{
    public static IPetitionEvent[] Decide(AcceptPetition c, Petition s, DecisionContext ctx)
    {
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "accept this petition");
        if (s.Status != PetitionStatus.Forwarded)
            throw RuleViolation.InvalidTransition("only a forwarded petition can be accepted by its handling agency");
        return
        [
            new PetitionAccepted(s.Id, s.Clock!.Due.IsInTime(ctx.Now), s.Category, s.Channel,
                ctx.Clock.Start(Stage.Handling, ctx.Now), s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(AssignOfficer c, Petition s, DecisionContext ctx)
    {
        var officer = Input.Text(c.OfficerId, "officerId", Input.OfficerIdMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "assign an officer");
        if (s.Status is not (PetitionStatus.Forwarded or PetitionStatus.InHandling or PetitionStatus.UnderReview
            or PetitionStatus.UnderReReview))
            throw RuleViolation.InvalidTransition("an officer is assigned while the petition is being accepted, handled or reviewed");
        return [new OfficerAssigned(s.Id, officer, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
    }

    public static IPetitionEvent[] Decide(ExtendDeadline c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        var max = ctx.Clock.Policy.MaxExtensionDays;
        if (c.Days < 1 || c.Days > max)
            throw RuleViolation.Validation($"an extension is 1 to {max} days");
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "extend the deadline");
        if (s.Status != PetitionStatus.InHandling)
            throw RuleViolation.InvalidTransition("only the handling period can be extended");
        if (s.Extended)
            throw RuleViolation.InvalidTransition("the handling period can be extended only once");
        // A hearing stops the clock (Art. 34): while one is open, time is measured where the clock stopped.
        if (!s.Clock!.Due.IsInTime(s.Clock.PausedAt ?? ctx.Now))
            throw RuleViolation.DeadlinePassed("an extension must be approved before the handling period ends");
        return
        [
            new DeadlineExtended(s.Id, c.Days, reason, ctx.Clock.Extend(s.Clock.Due, c.Days),
                s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(StartHearing c, Petition s, DecisionContext ctx)
    {
        var reason = Input.Text(c.Reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "start a hearing");
        if (s.Status is not (PetitionStatus.InHandling or PetitionStatus.UnderReReview))
            throw RuleViolation.InvalidTransition("a hearing is held while handling or during a re-review");
        if (s.HearingOpen)
            throw RuleViolation.InvalidTransition("a hearing is already open");
        return [new HearingStarted(s.Id, s.Stage, reason, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)];
    }

    public static IPetitionEvent[] Decide(ConcludeHearing c, Petition s, DecisionContext ctx)
    {
        var summary = Input.Text(c.Summary, "summary", Input.ReasonMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "conclude a hearing");
        if (s.Status is not (PetitionStatus.InHandling or PetitionStatus.UnderReReview) || !s.HearingOpen)
            throw RuleViolation.InvalidTransition("no hearing is open");
        var length = ctx.Now - s.Clock!.PausedAt!.Value;
        return
        [
            new HearingConcluded(s.Id, s.Stage, summary, length, ctx.Clock.ResumeAfterHearing(s.Clock.Due, length),
                s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(IssueReply c, Petition s, DecisionContext ctx)
    {
        var text = Input.Text(c.Text, "text", Input.ContentMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "issue the reply");
        if (s.Status != PetitionStatus.InHandling)
            throw RuleViolation.InvalidTransition("only a petition in handling can be replied to");
        if (s.HearingOpen)
            throw RuleViolation.InvalidTransition("conclude the hearing before replying");
        var handlingDays = (ctx.Now - s.AcceptedAt!.Value - s.HandlingHearingTime).TotalDays;
        var reply = new ReplyIssued(
            s.Id, c.Decision, text, s.Clock!.Due.IsInTime(ctx.Now), s.Category, s.Channel, handlingDays,
            ctx.Clock.Start(Stage.ReviewWindow, ctx.Now), ctx.Clock.Start(Stage.Evaluation, ctx.Now),
            s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now);
        // 交办 obliges the agency to report the result back to the assigning office (Art. 22).
        return s.ForwardMode == ForwardMode.Assign && s.ForwardingOfficeId is { } office
            ? [reply, new ResultReported(s.Id, office, c.Decision, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now)]
            : [reply];
    }
}
