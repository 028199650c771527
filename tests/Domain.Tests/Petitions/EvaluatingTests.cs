using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_the_result_is_evaluated
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly EvaluatePetition Dissatisfied = new(Id, Satisfaction.Dissatisfied, "维修不彻底");

    // Replied Saturday 15 March: the evaluation window ends with Monday 14 April.
    private static Story Replied() => Story.Submitted().Forwarded().Accepted().Replied();

    [Fact]
    public void the_petitioner_evaluates_a_replied_petition_and_it_stays_replied()
    {
        var outcome = Replied().AfterDays(2).When(Dissatisfied);
        var p = outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        p.Evaluation!.Satisfaction.ShouldBe(Satisfaction.Dissatisfied);
        p.EvaluationWindow.ShouldBeNull();
        var e = outcome.Single<PetitionEvaluated>();
        e.RepliedDepartmentId.ShouldBe(CountyEducation);
        e.By.ShouldBe(Callers.Citizen);
    }

    [Fact]
    public void dissatisfaction_reopens_nothing_the_review_window_still_runs() =>
        Replied().Then(Dissatisfied).Petition.Clock!.Due.ShouldBe(Replied().Petition.Clock!.Due);

    [Fact]
    public void a_reviewed_petition_may_still_be_evaluated_within_the_window()
    {
        var outcome = Replied().ReviewRequested().Reviewed().When(new EvaluatePetition(Id, Satisfaction.BasicallySatisfied));
        outcome.Leaves(PetitionStatus.Reviewed, Stage.ReReviewWindow);
        // Counted to the department that replied, not to the reviewer.
        outcome.Single<PetitionEvaluated>().RepliedDepartmentId.ShouldBe(CountyEducation);
    }

    [Fact]
    public void a_closed_petition_may_be_evaluated_while_a_longer_evaluation_window_is_still_open()
    {
        // Practice: the evaluation window is configurable; with 60 days it outlives the 30-day review window.
        var longEvaluation = new StatutoryClock(ClockPolicy.Default with { EvaluationWindowDays = 60 }, BusinessCalendar.China);
        var replied = Story.Submitted().Forwarded().Accepted().AfterDays(10)
            .ThenOn(longEvaluation, new IssueReply(Id, ReplyDecision.Supported, "已安排维修"));
        replied.Petition.EvaluationWindow!.LastDay.ShouldBe(Moments.Day(5, 14));
        var closed = replied.Closed();
        closed.Petition.Status.ShouldBe(PetitionStatus.Closed);
        closed.At(Moments.At(4, 20)).When(Dissatisfied).Leaves(PetitionStatus.Closed, Stage.None).Evaluation.ShouldNotBeNull();
    }

    [Fact]
    public void a_closed_petition_whose_evaluation_window_lapsed_with_the_review_window_is_too_late() =>
        Replied().Closed().AfterDays(1).When(Dissatisfied).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void on_the_last_day_of_the_window_it_is_in_time() =>
        Replied().At(Moments.At(4, 14, 23, 59)).When(Dissatisfied).Leaves(PetitionStatus.Replied, Stage.ReviewWindow);

    [Fact]
    public void at_the_due_moment_the_window_has_lapsed() =>
        Replied().At(Moments.At(4, 15, 0)).When(Dissatisfied).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void it_is_evaluated_only_once() =>
        Replied().Then(new EvaluatePetition(Id, Satisfaction.Satisfied)).AfterDays(1).When(Dissatisfied).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_petition_in_handling_has_nothing_to_evaluate_yet() =>
        Story.Submitted().Forwarded().Accepted().When(Dissatisfied).Fails(RuleCode.InvalidTransition);

    // The table lists REPLIED, REVIEWED and CLOSED: while the superior is deciding, the petitioner waits for the review.
    [Fact]
    public void a_petition_under_review_is_not_evaluated_until_the_review_is_decided() =>
        Replied().ReviewRequested().When(Dissatisfied).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_withdrawn_petition_is_not_evaluated() =>
        Replied().Withdrawn().When(Dissatisfied).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_replying_agency_may_not_evaluate_its_own_reply() =>
        Replied().When(Dissatisfied, Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void another_citizen_does_not_see_the_petition() =>
        Replied().When(Dissatisfied, Callers.OtherCitizen).Fails(RuleCode.NotFound);
}
