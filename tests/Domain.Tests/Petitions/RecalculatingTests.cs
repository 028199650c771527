using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_deadlines_are_recalculated
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly RecalculateDeadlines Recalculate = new(Id);

    private static readonly StatutoryClock WeekendsOnly = new(ClockPolicy.Default, BusinessCalendar.WeekendsOnly);
    private static readonly StatutoryClock China = Story.Clock;

    // The real 2027 arrangement is not published yet: the test's year has only New Year's Day.
    private static readonly StatutoryClock ChinaWith2027 = new(ClockPolicy.Default, BusinessCalendar.China.WithYear(
        new CalendarYear(2027, "test", [new CalendarDay(new DateOnly(2027, 1, 1), "元旦")], [])));

    [Fact]
    public void a_deadline_counted_without_holidays_is_provisional_and_recounted_when_the_real_calendar_is_loaded()
    {
        // Received Saturday 20 September 2025: day 15 is Sunday 5 October. Weekends only: Monday 6 October;
        // on the real calendar National Day runs to 8 October: Thursday 9 October.
        var story = Story.SubmittedOn(WeekendsOnly, Moments.At(9, 20));
        var provisional = story.Petition.Clock!.Due;
        provisional.Provisional.ShouldBeTrue();
        provisional.LastDay.ShouldBe(Moments.Day(10, 6));

        var outcome = story.AfterDays(1).WhenTheSystem(Recalculate, China);
        var e = outcome.Single<DeadlineRecalculated>();
        e.Stage.ShouldBe(Stage.Routing);
        e.Previous.ShouldBe(provisional);
        e.Recalculated.LastDay.ShouldBe(Moments.Day(10, 9));
        e.Recalculated.DueAt.ShouldBe(Moments.At(10, 10, 0));
        e.Recalculated.Provisional.ShouldBeFalse();
        e.Recalculated.CalendarVersion.ShouldBe(BusinessCalendar.China.Version);
        e.By.ShouldBe(Actor.System());
        var p = outcome.Leaves(PetitionStatus.Registered, Stage.Routing);
        p.Clock!.Due.ShouldBe(e.Recalculated);
        p.Clock.Instance.ShouldBe(story.Petition.Clock.Instance);
        // History is not rewritten: the submission still records what it counted.
        outcome.Succeeds().Events.OfType<PetitionSubmitted>().Single().Routing.ShouldBe(provisional);
    }

    [Fact]
    public void a_period_reaching_into_an_unpublished_year_is_recounted_when_that_year_is_loaded()
    {
        // Received Thursday 17 December 2026: day 15 is Friday 1 January 2027, a working day until 2027 is published.
        var story = Story.SubmittedOn(China, Moments.At(12, 17, year: 2026));
        story.Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(1, 1, 2027));
        story.Petition.Clock.Due.Provisional.ShouldBeTrue();

        story.AfterDays(1).WhenTheSystem(Recalculate, China).Events.ShouldBeEmpty();
        var e = story.AfterDays(1).WhenTheSystem(Recalculate, ChinaWith2027).Single<DeadlineRecalculated>();
        // New Year's Day, then the weekend: Monday 4 January 2027.
        e.Recalculated.LastDay.ShouldBe(Moments.Day(1, 4, 2027));
        e.Recalculated.Provisional.ShouldBeFalse();
    }

    [Fact]
    public void both_the_acceptance_period_and_the_return_window_are_recounted()
    {
        // Forwarded Wednesday 24 September 2025 on a weekends-only calendar: the return window misses the make-up
        // Sunday 28 September and ends Wednesday 1 October; on the real calendar it ends Tuesday 30 September.
        var story = Story.SubmittedOn(WeekendsOnly, Moments.At(9, 23)).AfterDays(1)
            .ThenOn(WeekendsOnly, new CaseEngine.Domain.Petitions.Routing.ForwardPetition(Id, Places.CountyEducation, ForwardMode.Transfer));
        story.Petition.ReturnWindow!.LastDay.ShouldBe(Moments.Day(10, 1));
        var outcome = story.AfterDays(1).WhenTheSystem(Recalculate, China);
        outcome.Events.Length.ShouldBe(2);
        var p = outcome.Succeeds().Petition;
        p.ReturnWindow!.LastDay.ShouldBe(Moments.Day(9, 30));
        p.ReturnWindow.Provisional.ShouldBeFalse();
        // 24 September + 15 = Thursday 9 October, a working day on both calendars, now no longer provisional.
        p.Clock!.Due.LastDay.ShouldBe(Moments.Day(10, 9));
        p.Clock.Due.Provisional.ShouldBeFalse();
    }

    [Fact]
    public void recounting_on_the_same_calendar_changes_nothing_and_appends_nothing() =>
        Story.SubmittedOn(WeekendsOnly, Moments.At(9, 20)).AfterDays(1).WhenTheSystem(Recalculate, WeekendsOnly).Events.ShouldBeEmpty();

    [Fact]
    public void a_deadline_counted_on_published_data_is_not_recounted() =>
        Story.Submitted().Forwarded().Accepted().AfterDays(1).WhenTheSystem(Recalculate, ChinaWith2027).Events.ShouldBeEmpty();

    [Fact]
    public void a_recount_is_appended_once()
    {
        var story = Story.SubmittedOn(WeekendsOnly, Moments.At(9, 20)).AfterDays(1);
        story.WhenTheSystem(Recalculate, China).Succeeds().WhenTheSystem(Recalculate, China).Events.ShouldBeEmpty();
    }

    [Fact]
    public void the_review_window_and_the_evaluation_window_opened_by_a_reply_are_both_recounted()
    {
        // Replied Tuesday 1 April 2025 on a weekends-only calendar: day 30 is Thursday 1 May, a working day there;
        // on the real calendar Labour Day runs 1–5 May: Tuesday 6 May.
        var story = Story.Submitted(at: Moments.At(3, 28)).Forwarded().Accepted().At(Moments.At(4, 1))
            .ThenOn(WeekendsOnly, new CaseEngine.Domain.Petitions.Handling.IssueReply(Id, ReplyDecision.Supported, "已解决"));
        story.Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 1));
        story.Petition.EvaluationWindow!.LastDay.ShouldBe(Moments.Day(5, 1));
        var outcome = story.AfterDays(1).WhenTheSystem(Recalculate, China);
        outcome.Events.OfType<DeadlineRecalculated>().Select(e => e.Stage).ShouldBe([Stage.ReviewWindow, Stage.Evaluation], ignoreOrder: true);
        var p = outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        p.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 6));
        p.EvaluationWindow!.LastDay.ShouldBe(Moments.Day(5, 6));
    }
}
