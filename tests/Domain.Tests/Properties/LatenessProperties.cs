using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Tests.Petitions;
using CsCheck;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>
/// Official time limits are obligations: a late act still succeeds and counts as not on time.
/// Petitioner windows and the return right lapse: at or after the due moment the act fails.
/// </summary>
public class when_an_act_comes_late
{
    public const int Iterations = 300;

    private static readonly Guid Id = Story.PetitionId;

    /// <summary>When the petition was submitted, and how late the act is: 0 to 60 days past the due moment, to the tick, often exactly at it.</summary>
    private static readonly Gen<(DateTimeOffset Submitted, TimeSpan Lateness)> Late = Gen.Select(
        Walks.Moment, Gen.Frequency(
            (4, Gen.Long[0, TimeSpan.TicksPerDay * 60].Select(TimeSpan.FromTicks)),
            (1, Gen.Long[0, TimeSpan.TicksPerSecond].Select(TimeSpan.FromTicks)),
            (1, Gen.Const(TimeSpan.Zero))));

    private static Story Submitted(DateTimeOffset at) => Story.Submitted(at: at);

    /// <summary>Each official act: the story up to it, the act, and the on-time flag of the event it yields.</summary>
    private static readonly (string Name, Func<DateTimeOffset, Story> Before, Func<Story, Due> Limit, IPetitionCommand Act, Func<IPetitionEvent[], bool> OnTime)[] OfficialActs =
    [
        ("forward", Submitted, s => s.Petition.Clock!.Due, new ForwardPetition(Id, Places.CountyEducation, ForwardMode.Transfer),
            e => e.OfType<PetitionForwarded>().Single().OnTime),
        ("accept", at => Submitted(at).Forwarded(), s => s.Petition.Clock!.Due, new AcceptPetition(Id),
            e => e.OfType<PetitionAccepted>().Single().OnTime),
        ("reply", at => Submitted(at).Forwarded().Accepted(), s => s.Petition.Clock!.Due,
            new IssueReply(Id, ReplyDecision.Explained, "已作解释"), e => e.OfType<ReplyIssued>().Single().OnTime),
        ("decideReview", at => Submitted(at).Forwarded().Accepted().Replied().ReviewRequested(), s => s.Petition.Clock!.Due,
            new DecideReview(Id, ReviewOutcome.Upheld, "维持"), e => e.OfType<ReviewDecided>().Single().OnTime),
    ];

    /// <summary>Each petitioner right (and the agency's return right): the story up to it, its window, and the act.</summary>
    private static readonly (string Name, Func<DateTimeOffset, Story> Before, Func<Story, Due> Window, IPetitionCommand Act)[] Rights =
    [
        ("requestReview", at => Submitted(at).Forwarded().Accepted().Replied(), s => s.Petition.Clock!.Due,
            new RequestReview(Id, "不服")),
        ("requestReReview", at => Submitted(at).Forwarded().Accepted().Replied().ReviewRequested().Reviewed(),
            s => s.Petition.Clock!.Due, new RequestReReview(Id, "仍不服")),
        ("evaluate", at => Submitted(at).Forwarded().Accepted().Replied(), s => s.Petition.EvaluationWindow!,
            new EvaluatePetition(Id, Satisfaction.Dissatisfied)),
        ("return", at => Submitted(at).Forwarded(), s => s.Petition.ReturnWindow!, new ReturnPetition(Id, "不属于本机关职权")),
    ];

    [Fact]
    public void a_late_official_act_succeeds_and_is_not_on_time() =>
        Gen.Select(Late, Gen.Int[0, OfficialActs.Length - 1]).Sample((late, index) =>
        {
            var (name, before, limit, act, onTime) = OfficialActs[index];
            var story = before(late.Submitted);
            var outcome = story.At(limit(story).DueAt + late.Lateness).When(act);
            outcome.Failure.ShouldBeNull($"a late {name} must still succeed");
            onTime(outcome.Events).ShouldBeFalse($"a {name} at or after the due moment is not on time");
        }, iter: Iterations);

    [Fact]
    public void a_late_petitioner_act_fails_with_deadline_passed() =>
        Gen.Select(Late, Gen.Int[0, Rights.Length - 1], Gen.Bool).Sample((late, index, closedFirst) =>
        {
            var (name, before, window, act) = Rights[index];
            var story = before(late.Submitted);
            var at = story.At(window(story).DueAt + late.Lateness);
            // Whether or not the engine has already closed the petition for the lapsed window.
            if (closedFirst && at.Petition.Clock is { Stage: Stage.ReviewWindow or Stage.ReReviewWindow } clock)
                at = at.Then(new CloseLapsedWindow(Id, clock.Stage, clock.Instance), Actor.System());
            at.When(act).Fails(RuleCode.DeadlinePassed).Message.ShouldNotBeEmpty(name);
        }, iter: Iterations);

    [Fact]
    public void an_act_a_millisecond_before_the_due_moment_is_in_time() =>
        Gen.Select(Walks.Moment, Gen.Int[0, OfficialActs.Length + Rights.Length - 1]).Sample((submitted, index) =>
        {
            if (index < OfficialActs.Length)
            {
                var (name, before, limit, act, onTime) = OfficialActs[index];
                var story = before(submitted);
                var outcome = story.At(limit(story).DueAt.AddMilliseconds(-1)).When(act);
                outcome.Failure.ShouldBeNull(name);
                onTime(outcome.Events).ShouldBeTrue($"a {name} a millisecond before the due moment is on time");
            }
            else
            {
                var (name, before, window, act) = Rights[index - OfficialActs.Length];
                var story = before(submitted);
                var outcome = story.At(window(story).DueAt.AddMilliseconds(-1)).When(act);
                outcome.Failure.ShouldBeNull($"a {name} a millisecond before the due moment is in time");
            }
        }, iter: Iterations);
}
