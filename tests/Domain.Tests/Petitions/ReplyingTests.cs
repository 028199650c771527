using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_reply_is_issued
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly IssueReply Reply = new(Id, ReplyDecision.PartiallySupported, "经调查，部分支持。");

    // Accepted Wednesday 5 March 09:00: handling last day Tuesday 6 May.
    private static Story InHandling(ForwardMode mode = ForwardMode.Transfer) => Story.Submitted().Forwarded(mode: mode).Accepted();

    [Fact]
    public void the_reply_ends_handling_and_opens_the_review_and_evaluation_windows()
    {
        // Replied Saturday 15 March: both windows run 30 days, to Monday 14 April.
        var outcome = InHandling().AfterDays(10).When(Reply);
        var p = outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        var e = outcome.Single<ReplyIssued>();
        e.Decision.ShouldBe(ReplyDecision.PartiallySupported);
        e.DepartmentId.ShouldBe(CountyEducation);
        e.OnTime.ShouldBeTrue();
        e.HandlingDays.ShouldBe(10);
        e.ReviewWindow.Stage.ShouldBe(Stage.ReviewWindow);
        e.ReviewWindow.LastDay.ShouldBe(Moments.Day(4, 14));
        e.Evaluation.Stage.ShouldBe(Stage.Evaluation);
        e.Evaluation.LastDay.ShouldBe(Moments.Day(4, 14));
        p.Reply!.DepartmentId.ShouldBe(CountyEducation);
        p.EvaluationWindow.ShouldBe(e.Evaluation);
        p.Clock!.Due.ShouldBe(e.ReviewWindow);
        outcome.Events.OfType<ResultReported>().ShouldBeEmpty();
    }

    [Fact]
    public void a_review_window_ending_in_qingming_ends_on_the_next_working_day() =>
        // Replied Thursday 6 March: day 30 is Saturday 5 April (Qingming 4–6 April): Monday 7 April.
        InHandling().AfterDays(1).When(Reply).Single<ReplyIssued>().ReviewWindow.LastDay.ShouldBe(Moments.Day(4, 7));

    [Fact]
    public void under_assign_the_result_is_also_reported_to_the_assigning_office()
    {
        var outcome = InHandling(ForwardMode.Assign).AfterDays(10).When(Reply);
        outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        var report = outcome.Single<ResultReported>();
        report.ToDepartmentId.ShouldBe(CountyOffice);
        report.Decision.ShouldBe(ReplyDecision.PartiallySupported);
        report.By.ShouldBe(Callers.Officer(CountyEducation));
    }

    [Fact]
    public void on_the_last_day_the_reply_is_on_time() =>
        InHandling().At(Moments.At(5, 6, 23, 59)).When(Reply).Single<ReplyIssued>().OnTime.ShouldBeTrue();

    [Fact]
    public void a_reply_after_the_handling_limit_still_succeeds_and_is_not_on_time()
    {
        var outcome = InHandling().At(Moments.At(5, 7, 0)).When(Reply);
        outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        outcome.Single<ReplyIssued>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void handling_days_exclude_hearing_time()
    {
        // Accepted 5 March 09:00, hearing 7 March 09:00 for 36 hours, replied 15 March 09:00: 10 days − 1.5.
        var story = InHandling().HearingStarted().HearingConcluded(TimeSpan.FromHours(36)).At(Moments.At(3, 15));
        story.When(Reply).Single<ReplyIssued>().HandlingDays.ShouldBe(8.5);
    }

    [Fact]
    public void a_reply_after_a_hearing_is_on_time_against_the_moved_last_day() =>
        // The hearing moved the last day from 6 to 8 May.
        InHandling().HearingStarted().HearingConcluded(TimeSpan.FromHours(36)).At(Moments.At(5, 8, 12)).When(Reply)
            .Single<ReplyIssued>().OnTime.ShouldBeTrue();

    [Fact]
    public void no_reply_while_a_hearing_is_open() =>
        InHandling().HearingStarted().AfterDays(1).When(Reply).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_forwarded_petition_is_accepted_before_it_is_replied_to() =>
        Story.Submitted().Forwarded().When(Reply).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_replied_petition_is_not_replied_to_again() =>
        InHandling().Replied().When(Reply).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_assigning_office_does_not_reply_for_the_agency() =>
        InHandling(ForwardMode.Assign).When(Reply, Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_empty_reply_is_a_validation_error() =>
        InHandling().When(new IssueReply(Id, ReplyDecision.Explained, "")).Fails(RuleCode.Validation);
}
