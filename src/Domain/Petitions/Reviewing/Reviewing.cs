namespace CaseEngine.Domain.Petitions.Reviewing;

/// <summary>复查 requested by the petitioner; the replying department's superior decides (Art. 35).</summary>
public sealed record RequestReview(Guid PetitionId, string Reason) : ConfidentialRecord, IPetitionCommand;

public sealed record DecideReview(Guid PetitionId, ReviewOutcome Outcome, string Text) : ConfidentialRecord, IPetitionCommand;

/// <summary>复核 requested by the petitioner; the reviewer's superior decides (Art. 36).</summary>
public sealed record RequestReReview(Guid PetitionId, string Reason) : ConfidentialRecord, IPetitionCommand;

/// <summary>After it the matter is final: the same matter on the same facts is not accepted again.</summary>
public sealed record DecideReReview(Guid PetitionId, ReviewOutcome Outcome, string Text) : ConfidentialRecord, IPetitionCommand;

public static class ReviewDecisions
{
    public static IPetitionEvent[] Decide(RequestReview c, Petition s, DecisionContext ctx)
    {
        var (reason, superior) = Challenge(c.Reason, s, ctx, PetitionStatus.Replied, ClosureReason.ReviewWindowLapsed, "review",
            s.Reply?.DepartmentId);
        return
        [
            new ReviewRequested(s.Id, reason, s.Reply!.DepartmentId, s.Reply.RegionPath, s.Category, s.Channel,
                ctx.Clock.Start(Stage.Review, ctx.Now), superior.Id, ctx.RegionPathOf(superior.Id), ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(DecideReview c, Petition s, DecisionContext ctx)
    {
        var text = Input.Text(c.Text, "text", Input.ContentMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "decide the review");
        if (s.Status != PetitionStatus.UnderReview)
            throw RuleViolation.InvalidTransition("only a petition under review can have its review decided");
        return
        [
            new ReviewDecided(s.Id, c.Outcome, text, s.Clock!.Due.IsInTime(ctx.Now),
                ctx.Clock.Start(Stage.ReReviewWindow, ctx.Now), s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(RequestReReview c, Petition s, DecisionContext ctx)
    {
        var (reason, superior) = Challenge(c.Reason, s, ctx, PetitionStatus.Reviewed, ClosureReason.ReReviewWindowLapsed, "re-review",
            s.Review?.DepartmentId);
        return
        [
            new ReReviewRequested(s.Id, reason, s.Review!.DepartmentId, s.Review.RegionPath, s.Category, s.Channel,
                ctx.Clock.Start(Stage.ReReview, ctx.Now), superior.Id, ctx.RegionPathOf(superior.Id), ctx.Actor, ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(DecideReReview c, Petition s, DecisionContext ctx)
    {
        var text = Input.Text(c.Text, "text", Input.ContentMax);
        Jurisdiction.EnsureCurrentDepartmentStaff(s, ctx, "decide the re-review");
        if (s.Status != PetitionStatus.UnderReReview)
            throw RuleViolation.InvalidTransition("only a petition under re-review can have its re-review decided");
        if (s.HearingOpen)
            throw RuleViolation.InvalidTransition("conclude the hearing before deciding the re-review");
        return
        [
            new ReReviewDecided(s.Id, c.Outcome, text, s.Clock!.Due.IsInTime(ctx.Now),
                s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
            new PetitionTerminated(s.Id, s.CurrentDepartmentId, s.CurrentRegionPath, ctx.Actor, ctx.Now),
        ];
    }

    /// <summary>
    /// The petitioner challenges the last decision: by the petitioner, while its window is open,
    /// before the superior of the department that decided (复查 Art. 35, 复核 Art. 36).
    /// </summary>
    private static (string Reason, Directory.Department Superior) Challenge(string reason, Petition s, DecisionContext ctx,
        PetitionStatus windowStatus, ClosureReason lapse, string what, string? challengedDepartmentId)
    {
        var text = Input.Text(reason, "reason", Input.ReasonMax);
        Jurisdiction.EnsurePetitioner(s, ctx, $"request a {what}");
        EnsureWindowOpen(s, ctx, windowStatus, lapse, what);
        var superior = ctx.Directory.SuperiorOf(challengedDepartmentId!)
            ?? throw RuleViolation.InvalidTransition("no superior body in the directory");
        return (text, superior);
    }

    /// <summary>
    /// A request window is a right that lapses: at or after its due moment the request fails with
    /// DEADLINE_PASSED, also once the lapse has closed the petition.
    /// </summary>
    private static void EnsureWindowOpen(Petition s, DecisionContext ctx, PetitionStatus windowStatus, ClosureReason lapse, string what)
    {
        var lapsedIntoClosed = s.Status == PetitionStatus.Closed && s.Stage == Stage.None
            && ClosedBy(s) == lapse;
        if (lapsedIntoClosed)
            throw RuleViolation.DeadlinePassed($"the {what} window has passed");
        if (s.Status != windowStatus)
            throw RuleViolation.InvalidTransition($"a {what} can be requested only while its window is open");
        if (!s.Clock!.Due.IsInTime(ctx.Now))
            throw RuleViolation.DeadlinePassed($"the {what} window has passed");
    }

    // A closed petition was closed by the window of the last decision it had.
    private static ClosureReason ClosedBy(Petition s) =>
        s.Review is not null ? ClosureReason.ReReviewWindowLapsed : ClosureReason.ReviewWindowLapsed;
}
