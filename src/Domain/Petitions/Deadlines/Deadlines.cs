using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions.Supervising;

namespace CaseEngine.Domain.Petitions.Deadlines;

/// <summary>
/// The engine's own acts, sent by the deadline sweep. Each names the clock instance it was
/// scheduled for; when that instance is no longer open the decision yields nothing, so a timer
/// never needs cancelling and firing twice appends once.
/// </summary>
public sealed record MarkDeadlineMissed(Guid PetitionId, Stage Stage, int StageInstance, string? SupervisionId = null) : ConfidentialRecord, IEngineCommand;

/// <summary>A petitioner's request window (review or re-review) ended unused: the petition closes.</summary>
public sealed record CloseLapsedWindow(Guid PetitionId, Stage Stage, int StageInstance) : ConfidentialRecord, IEngineCommand;

/// <summary>A newer business calendar is loaded: recount every open provisional deadline.</summary>
public sealed record RecalculateDeadlines(Guid PetitionId) : ConfidentialRecord, IEngineCommand;

/// <summary>Which clocks of a petition are running, for the sweep and for read models.</summary>
public sealed record RunningClock(Stage Stage, int Instance, Due Due, string? SupervisionId, string DepartmentId, bool Obligation);

public static class DeadlineDecisions
{
    /// <summary>Every clock that is running now: the main line (unless paused), open supervision responses, the evaluation window.</summary>
    public static IEnumerable<RunningClock> RunningClocks(Petition s)
    {
        if (s.Clock is { Paused: false, Missed: false } c)
            yield return new RunningClock(c.Stage, c.Instance, c.Due, null, s.CurrentDepartmentId, IsObligation(c.Stage));
        foreach (var v in s.Supervisions.Where(v => v.ClockRunning && !v.Missed))
            yield return new RunningClock(Stage.SupervisionResponse, v.Instance, v.Due, v.Id, v.SupervisedDepartmentId, true);
    }

    /// <summary>Official time limits are obligations (a late act still succeeds); petitioner windows are rights that lapse.</summary>
    public static bool IsObligation(Stage stage) =>
        stage is Stage.Routing or Stage.Acceptance or Stage.Handling or Stage.Review or Stage.ReReview or Stage.SupervisionResponse;

    /// <summary>Only the engine marks deadlines, closes windows and recounts: no caller may send these.</summary>
    private static void EnsureEngine(DecisionContext ctx)
    {
        if (ctx.Actor.Role != Role.System)
            throw RuleViolation.Forbidden("only the engine itself acts on its clocks");
    }

    public static IPetitionEvent[] Decide(MarkDeadlineMissed c, Petition s, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        if (c.SupervisionId is { } supervisionId)
        {
            var v = s.Supervisions.FirstOrDefault(x => x.Id == supervisionId);
            if (v is null || !v.ClockRunning || v.Missed || v.Due.IsInTime(ctx.Now))
                return [];
            // A missed supervision response never triggers another automatic supervision.
            return
            [
                new DeadlineMissed(s.Id, Stage.SupervisionResponse, v.Instance, v.Id, v.Due.DueAt, v.SupervisedDepartmentId,
                    v.SupervisedRegionPath, s.Category, s.Channel, s.CurrentDepartmentId, s.CurrentRegionPath,
                    Actor.System(), ctx.Now),
            ];
        }

        var clock = s.Clock;
        if (s.IsFinal || clock is null || clock.Stage != c.Stage || clock.Instance != c.StageInstance
            || clock.Paused || clock.Missed || !IsObligation(clock.Stage) || clock.Due.IsInTime(ctx.Now))
            return [];

        var missed = new DeadlineMissed(s.Id, clock.Stage, clock.Instance, null, clock.Due.DueAt, s.CurrentDepartmentId,
            s.CurrentRegionPath, s.Category, s.Channel, s.CurrentDepartmentId, s.CurrentRegionPath, Actor.System(), ctx.Now);
        if (!ctx.Clock.Policy.AutoSupervisedStages.Contains(clock.Stage))
            return [missed];

        // Automatic supervision: by the petition office of the late department's region, or the
        // next-higher office when the late department is itself a petition office.
        var late = ctx.RequireDepartment(s.CurrentDepartmentId);
        var office = late.Kind == DepartmentKind.PetitionOffice
            ? ctx.Directory.SuperiorOf(late.Id)
            : ctx.Directory.PetitionOfficeOf(late.RegionCode);
        if (office is null)
            return [missed];
        var afterMiss = Petition.Evolve(s, missed);
        return
        [
            missed,
            new SupervisionIssued(s.Id, SupervisionDecisions.NextSupervisionId(afterMiss), late.Id, s.CurrentRegionPath,
                office.Id, $"automatic supervision: the {StageName(clock.Stage)} time limit was missed", Automatic: true,
                MissedStage: clock.Stage, ctx.Clock.Start(Stage.SupervisionResponse, ctx.Now), s.Category, s.Channel,
                s.CurrentDepartmentId, s.CurrentRegionPath, Actor.System(office.Id), ctx.Now),
        ];
    }

    public static IPetitionEvent[] Decide(CloseLapsedWindow c, Petition s, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        var clock = s.Clock;
        var window = s.Status switch
        {
            PetitionStatus.Replied => (Stage.ReviewWindow, ClosureReason.ReviewWindowLapsed),
            PetitionStatus.Reviewed => (Stage.ReReviewWindow, ClosureReason.ReReviewWindowLapsed),
            _ => ((Stage, ClosureReason)?)null,
        };
        if (window is not { } w || clock is null || clock.Stage != w.Item1 || clock.Instance != c.StageInstance
            || clock.Due.IsInTime(ctx.Now))
            return [];
        return [new PetitionClosed(s.Id, w.Item2, s.CurrentDepartmentId, s.CurrentRegionPath, Actor.System(), ctx.Now)];
    }

    public static IPetitionEvent[] Decide(RecalculateDeadlines c, Petition s, DecisionContext ctx)
    {
        EnsureEngine(ctx);
        var events = new List<IPetitionEvent>();
        void Recount(Due? due, string? supervisionId)
        {
            if (due is null || !due.Provisional)
                return;
            var recounted = ctx.Clock.Recount(due);
            if (recounted.Equals(due))
                return;
            events.Add(new DeadlineRecalculated(s.Id, due.Stage, supervisionId, due, recounted,
                s.CurrentDepartmentId, s.CurrentRegionPath, Actor.System(), ctx.Now));
        }
        if (s.Clock is { Missed: false } clock)
            Recount(clock.Due, null);
        Recount(s.ReturnWindow, null);
        Recount(s.EvaluationWindow, null);
        foreach (var v in s.Supervisions.Where(v => v.ClockRunning && !v.Missed))
            Recount(v.Due, v.Id);
        return [.. events];
    }

    private static string StageName(Stage stage) => stage.ToString().ToLowerInvariant();
}
