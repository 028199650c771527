using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_the_handling_deadline_is_extended
{
    private static readonly Guid Id = Story.PetitionId;

    private static ExtendDeadline By(int days) => new(Id, days, "案情复杂，需进一步调查");

    // Accepted Wednesday 5 March: the handling period ends Tuesday 6 May (after Labour Day).
    private static Story InHandling() => Story.Submitted().Forwarded().Accepted();

    [Fact]
    public void the_last_day_moves_by_the_extension_and_the_petition_stays_in_handling()
    {
        // 6 May + 30 = Thursday 5 June.
        var outcome = InHandling().AfterDays(20).When(By(30));
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        p.Extended.ShouldBeTrue();
        var e = outcome.Single<DeadlineExtended>();
        e.Days.ShouldBe(30);
        e.Handling.LastDay.ShouldBe(Moments.Day(6, 5));
        e.Handling.DueAt.ShouldBe(Moments.At(6, 6, 0));
        e.Handling.ExtensionApplied.ShouldBeTrue();
        p.Clock!.Due.ShouldBe(e.Handling);
        p.Clock.Instance.ShouldBe(InHandling().Petition.Clock!.Instance);
    }

    [Fact]
    public void an_extended_last_day_on_the_dragon_boat_holiday_moves_to_the_next_working_day() =>
        // 6 May + 25 = Saturday 31 May; 31 May – 2 June is Dragon Boat: last day Tuesday 3 June.
        InHandling().When(By(25)).Single<DeadlineExtended>().Handling.LastDay.ShouldBe(Moments.Day(6, 3));

    [Fact]
    public void the_extension_counts_from_the_current_last_day_not_from_the_raw_sixtieth_day() =>
        // Day 60 was Sunday 4 May, moved to 6 May; +1 is Wednesday 7 May, not 5 May (a holiday) or 6 May.
        InHandling().When(By(1)).Single<DeadlineExtended>().Handling.LastDay.ShouldBe(Moments.Day(5, 7));

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(31)]
    public void an_extension_outside_1_to_30_days_is_a_validation_error(int days) =>
        InHandling().When(By(days)).Fails(RuleCode.Validation);

    [Fact]
    public void it_is_extended_only_once() =>
        InHandling().Then(By(10)).AfterDays(1).When(By(5)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void on_the_last_day_it_may_still_be_extended() =>
        InHandling().At(Moments.At(5, 6, 23, 59)).When(By(10)).Leaves(PetitionStatus.InHandling, Stage.Handling);

    [Fact]
    public void at_the_due_moment_it_is_too_late_to_extend() =>
        InHandling().At(Moments.At(5, 7, 0)).When(By(10)).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void a_forwarded_petition_has_no_handling_period_to_extend() =>
        Story.Submitted().Forwarded().When(By(10)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_review_period_is_not_extended() =>
        InHandling().Replied().ReviewRequested().When(By(10)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_forwarding_office_may_not_extend_the_agencys_period() =>
        InHandling().When(By(10), Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void after_an_extension_a_reply_before_the_new_due_moment_is_on_time() =>
        InHandling().Then(By(30)).At(Moments.At(6, 5, 17)).When(new IssueReply(Id, ReplyDecision.Supported, "已解决"))
            .Single<ReplyIssued>().OnTime.ShouldBeTrue();

    [Fact]
    public void while_a_hearing_stops_the_clock_the_due_moment_does_not_pass_and_it_may_still_be_extended()
    {
        // Hearing opened Monday 5 May, before the due moment (7 May 00:00); on 8 May the clock is still stopped.
        var heard = InHandling().At(Moments.At(5, 5)).Then(new StartHearing(Id, "事实争议较大"));
        var extended = heard.At(Moments.At(5, 8)).When(By(10)).Succeeds();
        // 6 May + 10 = Friday 16 May; the hearing (5 May 09:00 – 9 May 09:00, 4 days) then adds 4: Tuesday 20 May.
        extended.Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 16));
        extended.At(Moments.At(5, 9)).Then(new ConcludeHearing(Id, "听证结束")).Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(5, 20));
    }

    [Fact]
    public void a_hearing_opened_after_the_due_moment_does_not_revive_the_right_to_extend() =>
        InHandling().At(Moments.At(5, 8)).Then(new StartHearing(Id, "补充听证")).AfterDays(1).When(By(10)).Fails(RuleCode.DeadlinePassed);
}
