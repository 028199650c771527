using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Reviewing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_hearing_is_held
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly StartHearing Start = new(Id, "事实争议较大");
    private static readonly ConcludeHearing Conclude = new(Id, "听证结束");

    // Accepted Wednesday 5 March: handling last day Tuesday 6 May.
    private static Story InHandling() => Story.Submitted().Forwarded().Accepted();

    [Fact]
    public void starting_a_hearing_stops_the_handling_clock_and_nothing_else_changes()
    {
        var outcome = InHandling().AfterDays(2).When(Start);
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        p.HearingOpen.ShouldBeTrue();
        p.Clock!.PausedAt.ShouldBe(Moments.At(3, 7));
        p.Clock.Due.LastDay.ShouldBe(Moments.Day(5, 6));
        outcome.Single<HearingStarted>().Stage.ShouldBe(Stage.Handling);
        DeadlineDecisions.RunningClocks(p).ShouldBeEmpty();
    }

    [Fact]
    public void a_hearing_of_36_hours_moves_the_last_day_by_2_days()
    {
        var outcome = InHandling().HearingStarted().After(TimeSpan.FromHours(36)).When(Conclude);
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        p.HearingOpen.ShouldBeFalse();
        var e = outcome.Single<HearingConcluded>();
        e.Length.ShouldBe(TimeSpan.FromHours(36));
        // 6 May + 2 = Thursday 8 May.
        e.Resumed.LastDay.ShouldBe(Moments.Day(5, 8));
        p.Clock!.Due.ShouldBe(e.Resumed);
        p.HandlingHearingTime.ShouldBe(TimeSpan.FromHours(36));
    }

    [Fact]
    public void an_hour_long_hearing_still_moves_the_last_day_by_a_whole_day() =>
        InHandling().HearingStarted().HearingConcluded(TimeSpan.FromHours(1)).Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 7));

    [Fact]
    public void a_hearing_moving_the_last_day_onto_a_weekend_ends_on_the_next_working_day() =>
        // 3 days and 1 hour round up to 4: 6 May + 4 = Saturday 10 May, so Monday 12 May.
        InHandling().HearingStarted().HearingConcluded(TimeSpan.FromDays(3) + TimeSpan.FromHours(1))
            .Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 12));

    [Fact]
    public void two_hearings_add_up()
    {
        var p = InHandling().HearingStarted().HearingConcluded(TimeSpan.FromHours(36))
            .HearingStarted().HearingConcluded(TimeSpan.FromHours(20)).Petition;
        // 6 May + 2 = 8 May, + 1 = Friday 9 May.
        p.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 9));
        p.HandlingHearingTime.ShouldBe(TimeSpan.FromHours(56));
    }

    [Fact]
    public void while_the_hearing_is_open_the_handling_deadline_is_not_missed()
    {
        var story = InHandling().HearingStarted();
        var clock = story.Petition.Clock!;
        story.At(Moments.At(5, 8)).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.Handling, clock.Instance)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_second_hearing_cannot_start_while_one_is_open() =>
        InHandling().HearingStarted().AfterDays(1).When(Start).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void no_hearing_is_concluded_when_none_is_open() =>
        InHandling().When(Conclude).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_forwarded_petition_has_no_hearing() =>
        Story.Submitted().Forwarded().When(Start).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_review_has_no_hearing_only_a_re_review_does() =>
        InHandling().Replied().ReviewRequested().When(Start).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_hearing_during_re_review_stops_and_moves_the_re_review_clock()
    {
        // Re-review requested Wednesday 26 March: decided by Friday 25 April; 72 hours of hearing: Monday 28 April.
        var story = InHandling().Replied().ReviewRequested().Reviewed().ReReviewRequested();
        story.Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(4, 25));
        var heard = story.HearingStarted();
        heard.Petition.HearingOpen.ShouldBeTrue();
        var p = heard.After(TimeSpan.FromHours(72)).When(Conclude, Callers.Officer(ProvinceEducation))
            .Leaves(PetitionStatus.UnderReReview, Stage.ReReview);
        p.HearingOpen.ShouldBeFalse();
        p.Clock!.Due.LastDay.ShouldBe(Moments.Day(4, 28));
        // Hearing time during a re-review is not handling time.
        p.HandlingHearingTime.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void the_re_review_is_not_decided_while_its_hearing_is_open() =>
        InHandling().Replied().ReviewRequested().Reviewed().ReReviewRequested().HearingStarted()
            .When(new DecideReReview(Id, ReviewOutcome.Upheld, "维持")).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void only_the_current_department_holds_the_hearing() =>
        InHandling().When(Start, Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);
}
