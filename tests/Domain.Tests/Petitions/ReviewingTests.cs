using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Reviewing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

// The usual path: replied Saturday 15 March by the county education bureau, review requested Tuesday 18 March,
// decided Sunday 23 March by the city education bureau, re-review requested Wednesday 26 March.

public class when_a_review_is_requested
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly RequestReview Request = new(Id, "对处理意见不服");

    private static Story Replied() => Story.Submitted().Forwarded().Accepted().Replied();

    [Fact]
    public void the_superior_of_the_replying_county_bureau_the_city_bureau_decides()
    {
        var outcome = Replied().AfterDays(3).When(Request);
        var p = outcome.Leaves(PetitionStatus.UnderReview, Stage.Review);
        p.CurrentDepartmentId.ShouldBe(CityEducation);
        p.CurrentRegionPath.ShouldBe("000000.340000.340100");
        var e = outcome.Single<ReviewRequested>();
        e.ChallengedDepartmentId.ShouldBe(CountyEducation);
        e.ChallengedRegionPath.ShouldBe("000000.340000.340100.340101");
        // Requested Tuesday 18 March: decided within 30 days, by Thursday 17 April.
        e.Review.LastDay.ShouldBe(Moments.Day(4, 17));
        p.Clock!.Due.ShouldBe(e.Review);
        p.Departments.ShouldContain(CityEducation);
    }

    [Fact]
    public void a_township_governments_reply_is_reviewed_by_the_county_government() =>
        Story.Submitted().Forwarded("340101001-GOV").Accepted().Replied().When(Request)
            .Leaves(PetitionStatus.UnderReview, Stage.Review).CurrentDepartmentId.ShouldBe(CountyGovernment);

    [Fact]
    public void a_reply_by_the_province_government_has_no_superior_in_the_directory()
    {
        var story = Story.Submitted(entryRegion: Province).Forwarded(ProvinceGovernment).Accepted().Replied();
        story.Petition.Reply!.DepartmentId.ShouldBe(ProvinceGovernment);
        Story.Directory.SuperiorOf(ProvinceGovernment).ShouldBeNull();
        story.When(Request).Fails(RuleCode.InvalidTransition).Message.ShouldContain("no superior body in the directory");
    }

    [Fact]
    public void on_the_last_day_of_the_window_the_request_is_in_time() =>
        Replied().At(Moments.At(4, 14, 23, 59)).When(Request).Leaves(PetitionStatus.UnderReview, Stage.Review);

    [Fact]
    public void at_the_due_moment_the_window_has_lapsed_even_before_the_engine_closes_it() =>
        Replied().At(Moments.At(4, 15, 0)).When(Request).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void a_petition_in_handling_has_no_reply_to_challenge() =>
        Story.Submitted().Forwarded().Accepted().When(Request).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_reviewed_petition_is_not_reviewed_twice_its_remedy_is_re_review() =>
        Replied().ReviewRequested().Reviewed().When(Request).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void only_the_petitioner_requests_a_review() =>
        Replied().When(Request, Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_admin_may_request_it() =>
        Replied().When(Request, Callers.Admin).Leaves(PetitionStatus.UnderReview, Stage.Review);
}

public class when_a_review_is_decided
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly DecideReview Decide = new(Id, ReviewOutcome.Amended, "变更原处理意见");

    private static Story UnderReview() => Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested();

    [Fact]
    public void the_superior_decides_and_the_re_review_window_opens()
    {
        var outcome = UnderReview().AfterDays(5).When(Decide, Callers.Officer(CityEducation));
        var p = outcome.Leaves(PetitionStatus.Reviewed, Stage.ReReviewWindow);
        p.CurrentDepartmentId.ShouldBe(CityEducation);
        p.Review!.Outcome.ShouldBe(ReviewOutcome.Amended);
        p.Review.DepartmentId.ShouldBe(CityEducation);
        var e = outcome.Single<ReviewDecided>();
        e.OnTime.ShouldBeTrue();
        // Decided Sunday 23 March: the re-review may be requested through Tuesday 22 April.
        e.ReReviewWindow.Stage.ShouldBe(Stage.ReReviewWindow);
        e.ReReviewWindow.LastDay.ShouldBe(Moments.Day(4, 22));
        p.Clock!.Due.ShouldBe(e.ReReviewWindow);
    }

    [Fact]
    public void the_last_reply_still_stands_beside_the_review() =>
        UnderReview().Reviewed().Petition.Reply!.DepartmentId.ShouldBe(CountyEducation);

    [Fact]
    public void a_late_decision_still_succeeds_and_is_not_on_time() =>
        // Due by Thursday 17 April.
        UnderReview().At(Moments.At(4, 18)).When(Decide).Single<ReviewDecided>().OnTime.ShouldBeFalse();

    [Fact]
    public void the_replying_agency_may_not_decide_the_review_of_its_own_reply() =>
        UnderReview().When(Decide, Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void the_county_office_may_read_it_but_does_not_decide_the_review() =>
        UnderReview().When(Decide, Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void a_bureau_that_never_held_it_does_not_see_it() =>
        UnderReview().When(Decide, Callers.Officer("340200-EDU")).Fails(RuleCode.NotFound);

    [Fact]
    public void a_replied_petition_has_no_review_to_decide() =>
        Story.Submitted().Forwarded().Accepted().Replied().When(Decide).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_review_is_decided_only_once() =>
        UnderReview().Reviewed().When(Decide).Fails(RuleCode.InvalidTransition);
}

public class when_a_re_review_is_requested
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly RequestReReview Request = new(Id, "对复查意见不服");

    private static Story Reviewed() => Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().Reviewed();

    [Fact]
    public void the_reviewers_superior_the_province_bureau_decides()
    {
        var outcome = Reviewed().AfterDays(3).When(Request);
        var p = outcome.Leaves(PetitionStatus.UnderReReview, Stage.ReReview);
        p.CurrentDepartmentId.ShouldBe(ProvinceEducation);
        var e = outcome.Single<ReReviewRequested>();
        e.ChallengedDepartmentId.ShouldBe(CityEducation);
        // Requested Wednesday 26 March: decided within 30 days, by Friday 25 April.
        e.ReReview.LastDay.ShouldBe(Moments.Day(4, 25));
        p.Clock!.Due.ShouldBe(e.ReReview);
    }

    [Fact]
    public void a_review_by_the_province_government_has_no_superior_for_the_re_review()
    {
        // The province education department's superior is the province government (no national line agency);
        // the province government has none.
        var story = Story.Submitted(entryRegion: Province).Forwarded(ProvinceEducation).Accepted().Replied().ReviewRequested();
        story.Petition.CurrentDepartmentId.ShouldBe(ProvinceGovernment);
        story.Reviewed().When(Request).Fails(RuleCode.InvalidTransition).Message.ShouldContain("no superior body in the directory");
    }

    [Fact]
    public void at_the_due_moment_the_window_has_lapsed() =>
        Reviewed().At(Moments.At(4, 23, 0)).When(Request).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void on_the_last_day_the_request_is_in_time() =>
        Reviewed().At(Moments.At(4, 22, 23, 59)).When(Request).Leaves(PetitionStatus.UnderReReview, Stage.ReReview);

    [Fact]
    public void a_replied_petition_is_reviewed_before_it_is_re_reviewed() =>
        Story.Submitted().Forwarded().Accepted().Replied().When(Request).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_petition_under_review_cannot_jump_to_re_review() =>
        Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().When(Request).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void only_the_petitioner_requests_a_re_review() =>
        Reviewed().When(Request, Callers.Officer(CityEducation)).Fails(RuleCode.Forbidden);
}

public class when_a_re_review_is_decided
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly DecideReReview Decide = new(Id, ReviewOutcome.Upheld, "维持复查意见");

    private static Story UnderReReview() =>
        Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().Reviewed().ReReviewRequested();

    [Fact]
    public void the_decision_terminates_the_matter_at_once()
    {
        var outcome = UnderReReview().AfterDays(5).When(Decide, Callers.Officer(ProvinceEducation));
        var p = outcome.Leaves(PetitionStatus.Terminated, Stage.None);
        p.IsFinal.ShouldBeTrue();
        p.Clock.ShouldBeNull();
        p.ReReview!.DepartmentId.ShouldBe(ProvinceEducation);
        outcome.Single<ReReviewDecided>().OnTime.ShouldBeTrue();
        outcome.Single<PetitionTerminated>().DepartmentId.ShouldBe(ProvinceEducation);
        outcome.Events.Select(e => e.GetType()).ShouldBe([typeof(ReReviewDecided), typeof(PetitionTerminated)]);
    }

    [Fact]
    public void a_late_decision_still_terminates_and_is_not_on_time() =>
        UnderReReview().At(Moments.At(4, 26)).When(Decide).Single<ReReviewDecided>().OnTime.ShouldBeFalse();

    [Fact]
    public void after_a_concluded_hearing_it_is_decided() =>
        UnderReReview().HearingStarted().HearingConcluded(TimeSpan.FromDays(1)).When(Decide).Leaves(PetitionStatus.Terminated, Stage.None);

    [Fact]
    public void not_while_a_hearing_is_open() =>
        UnderReReview().HearingStarted().AfterDays(1).When(Decide).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_reviewer_may_not_decide_the_re_review_of_its_own_review() =>
        UnderReReview().When(Decide, Callers.Officer(CityEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void a_petition_under_review_has_no_re_review_to_decide() =>
        Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().When(Decide).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_terminated_petition_is_not_decided_again() =>
        UnderReReview().ReReviewDecided().When(Decide).Fails(RuleCode.InvalidTransition);
}
