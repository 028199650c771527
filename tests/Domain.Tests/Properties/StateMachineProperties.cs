using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Domain.Tests.Petitions;
using CsCheck;
using static CaseEngine.Domain.PetitionStatus;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>Random command sequences never lead where domain.md's state machine does not go.</summary>
public class when_random_commands_are_sent_to_a_petition
{
    /// <summary>
    /// Enough walks that the rarest status is certain to be reached: Merged (a registered petition linked to an original
    /// its office may read) comes up in about 0.6 % of walks, so 1,000 walks missed it about once in 500 runs (a red CI);
    /// 4,000 expect about 25 and miss it with a probability near e^-25.
    /// </summary>
    public const int Iterations = 4000;

    /// <summary>The (status, stage) pairs of the table.</summary>
    private static readonly Dictionary<PetitionStatus, Stage> StageOf = new()
    {
        [Registered] = Stage.Routing,
        [Forwarded] = Stage.Acceptance,
        [InHandling] = Stage.Handling,
        [Replied] = Stage.ReviewWindow,
        [UnderReview] = Stage.Review,
        [Reviewed] = Stage.ReReviewWindow,
        [UnderReReview] = Stage.ReReview,
        [Declined] = Stage.None,
        [Closed] = Stage.None,
        [Terminated] = Stage.None,
        [Withdrawn] = Stage.None,
        [Merged] = Stage.None,
    };

    private static readonly PetitionStatus[] NonFinal = [Registered, Forwarded, InHandling, Replied, UnderReview, Reviewed, UnderReReview];
    private static readonly PetitionStatus[] Any = [.. Enum.GetValues<PetitionStatus>()];

    /// <summary>For each command: the statuses it may be sent in and the status it leaves (null: unchanged).</summary>
    private static (PetitionStatus[] From, PetitionStatus? To) Row(IPetitionCommand command) => command switch
    {
        ForwardPetition => ([Registered], Forwarded),
        TransferLevel => ([Registered], Registered),
        DeclinePetition => ([Registered, Forwarded], Declined),
        ReturnPetition => ([Forwarded], Registered),
        ReclassifyPetition => ([Registered], null),
        AcceptPetition => ([Forwarded], InHandling),
        AssignOfficer => ([Forwarded, InHandling, UnderReview, UnderReReview], null),
        ExtendDeadline => ([InHandling], null),
        StartHearing or ConcludeHearing => ([InHandling, UnderReReview], null),
        IssueReply => ([InHandling], Replied),
        EvaluatePetition => ([Replied, Reviewed, Closed], null),
        RequestReview => ([Replied], UnderReview),
        DecideReview => ([UnderReview], Reviewed),
        RequestReReview => ([Reviewed], UnderReReview),
        DecideReReview => ([UnderReReview], Terminated),
        CloseLapsedWindow => ([Replied, Reviewed], Closed),
        SupervisePetition => (NonFinal, null),
        RespondToSupervision => (Any, null),
        LinkDuplicate => ([Registered], Merged),
        DismissSuspectedDuplicate => (NonFinal, null),
        WithdrawPetition => (NonFinal, Withdrawn),
        // The engine's own acts: a missed supervision response may still be marked after the end.
        MarkDeadlineMissed or FlagSuspectedDuplicates or RecalculateDeadlines => (Any, null),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "a command the table does not list"),
    };

    /// <summary>Events that move the petition to another department; every other event stays where the petition is.</summary>
    private static bool Moves(IPetitionEvent e) =>
        e is PetitionForwarded or PetitionTransferredLevel or PetitionReturned or ReviewRequested or ReReviewRequested;

    [Fact]
    public void no_sequence_reaches_a_state_the_table_forbids()
    {
        var statuses = new HashSet<PetitionStatus>();
        var commands = new HashSet<Type>();
        var eventTypes = new HashSet<Type>();
        Walks.WalkGen.Sample(walk =>
        {
            var (final, events, states) = Walks.Run(walk, t =>
            {
                CheckTransition(t);
                lock (commands) commands.Add(t.Command.GetType());
            });
            CheckState(final, events);
            lock (statuses) statuses.UnionWith(states.Select(s => s.Status));
            lock (eventTypes) eventTypes.UnionWith(events.Select(e => e.GetType()));
        }, iter: Iterations);

        // A property that never reaches a state or never gets an act through proves nothing about it.
        statuses.ShouldBe(Enum.GetValues<PetitionStatus>(), ignoreOrder: true);
        // A hand-over's events span two streams in two databases: when_a_petition_is_handed_over_to_another_database covers them.
        eventTypes.ShouldBe(EventJson.EventTypes.Except(when_a_petition_is_handed_over_to_another_database.LinkingEventTypes), ignoreOrder: true);
        commands.Count.ShouldBe(Enum.GetValues<Act>().Length, string.Join(", ", commands.Select(c => c.Name).Order()));
    }

    private static void CheckTransition(Transition t)
    {
        var (from, to) = Row(t.Command);
        var name = t.Command.GetType().Name;
        if (t.Events.Length > 0)
            t.Before.Status.ShouldBeOneOf(from, $"{name} succeeded in {t.Before.Status}");
        t.After.Status.ShouldBe(t.Events.Length > 0 && to is { } target ? target : t.Before.Status, $"{name} from {t.Before.Status}");
        if (t.Before.IsFinal)
            t.After.Status.ShouldBe(t.Before.Status, "a final status never changes");

        var department = t.Before.CurrentDepartmentId;
        foreach (var e in t.Events)
        {
            e.PetitionId.ShouldBe(t.Before.Id);
            if (!Moves(e))
                e.DepartmentId.ShouldBe(department, $"{e.GetType().Name} moved the petition");
            department = e.DepartmentId;
            e.RegionPath.ShouldBe(string.Join('.', Story.Directory.RegionPath(Story.Directory.FindDepartment(e.DepartmentId)!.RegionCode)));
        }
        t.After.CurrentDepartmentId.ShouldBe(department);
        CheckTimes(t);
        CheckStateShape(t.After);
    }

    /// <summary>Official limits only set the on-time flag; petitioner rights are used before they lapse; the engine acts only when due.</summary>
    private static void CheckTimes(Transition t)
    {
        var before = t.Before;
        var due = before.Clock?.Due.DueAt;
        foreach (var e in t.Events)
        {
            e.At.ShouldBe(t.Now);
            switch (e)
            {
                case PetitionForwarded x: x.OnTime.ShouldBe(x.At < due); break;
                case PetitionTransferredLevel x: x.OnTime.ShouldBe(x.At < due); break;
                case PetitionDeclined x: x.OnTime.ShouldBe(x.At < due); break;
                case PetitionAccepted x: x.OnTime.ShouldBe(x.At < due); break;
                case ReviewDecided x: x.OnTime.ShouldBe(x.At < due); break;
                case ReReviewDecided x: x.OnTime.ShouldBe(x.At < due); break;
                case ReplyIssued x:
                    x.OnTime.ShouldBe(x.At < due);
                    x.HandlingDays.ShouldBeGreaterThanOrEqualTo(0);
                    break;
                case ReviewRequested x:
                    x.At.ShouldBeLessThan(due!.Value, "the review window is a right that lapses");
                    x.ChallengedDepartmentId.ShouldBe(before.Reply!.DepartmentId);
                    x.DepartmentId.ShouldBe(Story.Directory.SuperiorOf(x.ChallengedDepartmentId)!.Id);
                    break;
                case ReReviewRequested x:
                    x.At.ShouldBeLessThan(due!.Value, "the re-review window is a right that lapses");
                    x.ChallengedDepartmentId.ShouldBe(before.Review!.DepartmentId);
                    x.DepartmentId.ShouldBe(Story.Directory.SuperiorOf(x.ChallengedDepartmentId)!.Id);
                    break;
                case PetitionReturned x:
                    x.At.ShouldBeLessThan(before.ReturnWindow!.DueAt, "the return is a right of 5 working days");
                    x.DepartmentId.ShouldBe(before.ForwardingOfficeId);
                    break;
                case PetitionEvaluated x: x.At.ShouldBeLessThan(before.EvaluationWindow!.DueAt); break;
                case PetitionClosed x: x.At.ShouldBeGreaterThanOrEqualTo(due!.Value); break;
                case DeadlineMissed x:
                    x.At.ShouldBeGreaterThanOrEqualTo(x.DueAt);
                    DeadlineDecisions.IsObligation(x.Stage).ShouldBeTrue();
                    break;
            }
        }
    }

    private static void CheckState(Petition p, IReadOnlyList<IPetitionEvent> events)
    {
        p.Version.ShouldBe(events.Count);
        events.Count(e => e is DeadlineExtended).ShouldBeLessThanOrEqualTo(1, "at most one extension");
        events.Count(e => e is PetitionEvaluated).ShouldBeLessThanOrEqualTo(1, "evaluated once");
        events.OfType<SupervisionIssued>().Select(e => e.SupervisionId).ShouldBeUnique();
        events.OfType<DeadlineMissed>().Select(e => (e.Stage, e.StageInstance, e.SupervisionId)).ShouldBeUnique("a deadline is missed once");
        var after = (Petition?)null;
        foreach (var e in events)
        {
            after = Petition.Evolve(after, e);
            after.CurrentDepartmentId.ShouldBe(e.DepartmentId);
        }
        CheckStateShape(p);
    }

    private static void CheckStateShape(Petition p)
    {
        p.Stage.ShouldBe(StageOf[p.Status], $"{p.Status}");
        if (p.IsFinal)
        {
            p.Clock.ShouldBeNull($"a {p.Status} petition has no main clock");
            p.ReturnWindow.ShouldBeNull();
            DeadlineDecisions.RunningClocks(p).ShouldAllBe(c => c.Stage == Stage.SupervisionResponse);
        }
        else
        {
            p.Clock.ShouldNotBeNull($"a {p.Status} petition has a main clock");
            p.Clock.Stage.ShouldBe(p.Stage);
        }
        if (p.Status is Withdrawn)
        {
            DeadlineDecisions.RunningClocks(p).ShouldBeEmpty("withdrawal stops every clock");
            p.EvaluationWindow.ShouldBeNull();
        }
        if (p.Status is InHandling)
            p.Extended.ShouldBe(p.Clock!.Due.ExtensionApplied, "the handling clock shows the one extension");

        var kind = Story.Directory.FindDepartment(p.CurrentDepartmentId)!.Kind;
        if (p.Status is Forwarded or InHandling)
            kind.ShouldBe(DepartmentKind.HandlingAgency, $"{p.Status} at {p.CurrentDepartmentId}");
        if (p.Status is Registered)
            kind.ShouldBe(DepartmentKind.PetitionOffice, $"{p.Status} at {p.CurrentDepartmentId}");
        if (p.Status is Forwarded)
            p.ReturnWindow.ShouldNotBeNull();

        if (p.Status is Replied or UnderReview or Reviewed or UnderReReview or Terminated or Closed)
            p.Reply.ShouldNotBeNull($"a {p.Status} petition has its reply");
        if (p.Status is Reviewed or UnderReReview or Terminated)
            p.Review.ShouldNotBeNull($"a {p.Status} petition has its review decision");
        if (p.Status is Terminated)
            p.ReReview.ShouldNotBeNull();
        if (p.Status is InHandling)
            p.AcceptedAt.ShouldNotBeNull();
        if (p.Status is Merged)
            p.DuplicateOf.ShouldNotBeNull();
    }
}
