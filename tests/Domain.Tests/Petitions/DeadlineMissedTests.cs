using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_deadline_is_missed
{
    private static readonly Guid Id = Story.PetitionId;

    private static StatutoryClock AutoSupervising(params Stage[] stages) =>
        new(ClockPolicy.Default with { AutoSupervisedStages = new HashSet<Stage>(stages) }, BusinessCalendar.China);

    /// <summary>The sweep's command for the main line's clock as it stands in the story.</summary>
    private static MarkDeadlineMissed ForTheOpenClock(Story s) => new(Id, s.Petition.Clock!.Stage, s.Petition.Clock.Instance);

    // Forwarded Tuesday 4 March: acceptance ends with Wednesday 19 March, due 20 March 00:00.
    private static Story Forwarded() => Story.Submitted().Forwarded();

    [Fact]
    public void a_missed_acceptance_is_recorded_against_the_agency_and_its_regions_office_supervises_it()
    {
        var story = Forwarded();
        var outcome = story.At(Moments.At(3, 20, 0)).WhenTheSystem(ForTheOpenClock(story));
        var p = outcome.Leaves(PetitionStatus.Forwarded, Stage.Acceptance);
        p.Clock!.Missed.ShouldBeTrue();

        var missed = outcome.Single<DeadlineMissed>();
        missed.Stage.ShouldBe(Stage.Acceptance);
        missed.StageInstance.ShouldBe(story.Petition.Clock!.Instance);
        missed.DueAt.ShouldBe(Moments.At(3, 20, 0));
        missed.LateDepartmentId.ShouldBe(CountyEducation);
        missed.LateRegionPath.ShouldBe("000000.340000.340100.340101");
        missed.SupervisionId.ShouldBeNull();
        missed.By.ShouldBe(Actor.System());

        var notice = outcome.Single<SupervisionIssued>();
        notice.Automatic.ShouldBeTrue();
        notice.MissedStage.ShouldBe(Stage.Acceptance);
        notice.ByDepartmentId.ShouldBe(CountyOffice);
        notice.SupervisedDepartmentId.ShouldBe(CountyEducation);
        notice.By.ShouldBe(Actor.System(CountyOffice));
        // 20 March + 30 = Saturday 19 April: the answer is due by Monday 21 April.
        notice.Response.LastDay.ShouldBe(Moments.Day(4, 21));
        p.Supervisions.ShouldHaveSingleItem().Automatic.ShouldBeTrue();
    }

    [Fact]
    public void a_second_identical_command_appends_nothing()
    {
        var story = Forwarded();
        var command = ForTheOpenClock(story);
        var marked = story.At(Moments.At(3, 20, 0)).WhenTheSystem(command).Succeeds();
        marked.AfterDays(1).WhenTheSystem(command).Events.ShouldBeEmpty();
    }

    [Fact]
    public void before_the_due_moment_nothing_is_missed()
    {
        var story = Forwarded();
        story.At(Moments.At(3, 19, 23, 59)).WhenTheSystem(ForTheOpenClock(story)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_stage_that_moved_on_is_never_marked_late()
    {
        var story = Forwarded();
        story.Accepted().At(Moments.At(3, 20, 0)).WhenTheSystem(ForTheOpenClock(story)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void only_the_same_stage_instance_counts_after_a_return_and_a_new_forward()
    {
        var first = Forwarded();
        var again = first.AfterDays(1).Then(new ReturnPetition(Id, "不属于本机关")).Forwarded();
        again.Petition.Clock!.Stage.ShouldBe(Stage.Acceptance);
        again.Petition.Clock.Instance.ShouldNotBe(first.Petition.Clock!.Instance);
        // Forwarded again Thursday 6 March: due 22 March 00:00 (last day Friday 21 March).
        var at = again.At(Moments.At(3, 22, 0));
        at.WhenTheSystem(ForTheOpenClock(first)).Events.ShouldBeEmpty();
        at.WhenTheSystem(ForTheOpenClock(again)).Single<DeadlineMissed>().StageInstance.ShouldBe(again.Petition.Clock.Instance);
    }

    [Fact]
    public void a_missed_handling_period_is_supervised_by_the_agencys_regions_office()
    {
        var story = Forwarded().Accepted();
        var outcome = story.At(Moments.At(5, 7, 0)).WhenTheSystem(ForTheOpenClock(story));
        outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        outcome.Single<DeadlineMissed>().Stage.ShouldBe(Stage.Handling);
        outcome.Single<SupervisionIssued>().ByDepartmentId.ShouldBe(CountyOffice);
    }

    [Fact]
    public void a_township_agency_is_supervised_by_the_township_office()
    {
        var story = Story.Submitted().Forwarded("340101001-GOV");
        story.At(Moments.At(3, 20, 0)).WhenTheSystem(ForTheOpenClock(story)).Single<SupervisionIssued>()
            .ByDepartmentId.ShouldBe(TownshipOffice);
    }

    [Fact]
    public void a_missed_routing_period_is_not_supervised_automatically_by_default()
    {
        // Received Monday 3 March: routing ends with Tuesday 18 March.
        var story = Story.Submitted();
        var outcome = story.At(Moments.At(3, 19, 0)).WhenTheSystem(ForTheOpenClock(story));
        outcome.Leaves(PetitionStatus.Registered, Stage.Routing);
        outcome.Single<DeadlineMissed>().LateDepartmentId.ShouldBe(CountyOffice);
        outcome.Events.OfType<SupervisionIssued>().ShouldBeEmpty();
    }

    [Fact]
    public void when_routing_is_configured_a_late_county_office_is_supervised_by_the_next_higher_office()
    {
        var story = Story.Submitted();
        var notice = story.At(Moments.At(3, 19, 0)).WhenTheSystem(ForTheOpenClock(story), AutoSupervising(Stage.Routing))
            .Single<SupervisionIssued>();
        notice.ByDepartmentId.ShouldBe(CityOffice);
        notice.SupervisedDepartmentId.ShouldBe(CountyOffice);
        notice.MissedStage.ShouldBe(Stage.Routing);
    }

    [Fact]
    public void when_routing_is_configured_a_late_city_office_is_supervised_by_the_province_office()
    {
        var story = Story.Submitted(entryRegion: City);
        story.At(Moments.At(3, 19, 0)).WhenTheSystem(ForTheOpenClock(story), AutoSupervising(Stage.Routing))
            .Single<SupervisionIssued>().ByDepartmentId.ShouldBe(ProvinceOffice);
    }

    [Fact]
    public void a_missed_review_is_overdue_for_the_reviewer_but_not_supervised_by_default()
    {
        // Review requested Tuesday 18 March: due by Thursday 17 April.
        var story = Forwarded().Accepted().Replied().ReviewRequested();
        var outcome = story.At(Moments.At(4, 18, 0)).WhenTheSystem(ForTheOpenClock(story));
        outcome.Leaves(PetitionStatus.UnderReview, Stage.Review);
        outcome.Single<DeadlineMissed>().LateDepartmentId.ShouldBe(CityEducation);
        outcome.Events.OfType<SupervisionIssued>().ShouldBeEmpty();
    }

    [Fact]
    public void a_missed_supervision_response_is_overdue_for_the_supervised_department_and_triggers_no_further_supervision()
    {
        var story = Forwarded();
        var supervised = story.At(Moments.At(3, 20, 0)).WhenTheSystem(ForTheOpenClock(story)).Succeeds();
        var v = supervised.Petition.Supervisions.ShouldHaveSingleItem();
        var command = new MarkDeadlineMissed(Id, Stage.SupervisionResponse, v.Instance, v.Id);
        // Even a policy that lists every stage does not supervise a missed answer.
        var everything = AutoSupervising(Enum.GetValues<Stage>());

        supervised.At(Moments.At(4, 21, 23, 59)).WhenTheSystem(command, everything).Events.ShouldBeEmpty();
        var outcome = supervised.At(Moments.At(4, 22, 0)).WhenTheSystem(command, everything);
        var missed = outcome.Single<DeadlineMissed>();
        missed.Stage.ShouldBe(Stage.SupervisionResponse);
        missed.SupervisionId.ShouldBe(v.Id);
        missed.LateDepartmentId.ShouldBe(CountyEducation);
        outcome.Events.OfType<SupervisionIssued>().ShouldBeEmpty();
        var after = outcome.Succeeds();
        after.Petition.Supervisions.ShouldHaveSingleItem().Missed.ShouldBeTrue();
        after.AfterDays(1).WhenTheSystem(command, everything).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_supervision_answer_missed_after_the_petition_moved_on_is_still_the_supervised_departments()
    {
        var story = Forwarded().Accepted().Supervised(CountyOffice, days: 5).Replied().ReviewRequested();
        var v = story.Petition.Supervisions.ShouldHaveSingleItem();
        story.Petition.CurrentDepartmentId.ShouldBe(CityEducation);
        story.At(Moments.At(3, 30)).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.SupervisionResponse, v.Instance, v.Id))
            .Single<DeadlineMissed>().LateDepartmentId.ShouldBe(CountyEducation);
    }

    [Fact]
    public void an_answered_supervision_is_never_missed()
    {
        var story = Forwarded().Accepted().Supervised(CountyOffice, days: 5);
        var v = story.Petition.Supervisions[0];
        story.Then(new CaseEngine.Domain.Petitions.Supervising.RespondToSupervision(Id, v.Id, "已办理"), Callers.Officer(CountyEducation))
            .AfterDays(10).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.SupervisionResponse, v.Instance, v.Id)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_petitioners_window_is_a_right_not_an_obligation_and_is_never_missed()
    {
        var story = Forwarded().Accepted().Replied();
        story.Petition.Clock!.Stage.ShouldBe(Stage.ReviewWindow);
        story.At(Moments.At(4, 16)).WhenTheSystem(ForTheOpenClock(story)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_command_naming_another_stage_than_the_open_one_appends_nothing()
    {
        var story = Forwarded();
        story.At(Moments.At(3, 20, 0)).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.Handling, story.Petition.Clock!.Instance))
            .Events.ShouldBeEmpty();
    }
}

public class when_a_caller_sends_an_engine_command
{
    [Theory]
    [InlineData(Role.Admin)]
    [InlineData(Role.Supervisor)]
    public void only_the_engine_marks_deadlines_closes_windows_and_recounts(Role role)
    {
        var caller = new Actor("someone", role, role == Role.Supervisor ? Places.CountyOffice : null);
        var story = Story.Submitted().AfterDays(20);
        var clock = story.Petition.Clock!;
        story.When(new CaseEngine.Domain.Petitions.Deadlines.MarkDeadlineMissed(Story.PetitionId, clock.Stage, clock.Instance), caller)
            .Fails(RuleCode.Forbidden);
        story.When(new CaseEngine.Domain.Petitions.Deadlines.CloseLapsedWindow(Story.PetitionId, clock.Stage, clock.Instance), caller)
            .Fails(RuleCode.Forbidden);
        story.When(new CaseEngine.Domain.Petitions.Deadlines.RecalculateDeadlines(Story.PetitionId), caller).Fails(RuleCode.Forbidden);
    }
}
