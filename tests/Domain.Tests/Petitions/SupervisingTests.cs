using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Supervising;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_petition_is_supervised
{
    private static readonly Guid Id = Story.PetitionId;

    private static SupervisePetition Supervise(Story s, int days = 10) => new(Id, "请于期限内书面报告办理情况", s.Now.AddDays(days));

    private static Story InHandling() => Story.Submitted().Forwarded().Accepted();

    [Fact]
    public void the_county_office_supervises_the_agency_handling_it_and_the_petition_is_unchanged()
    {
        var story = InHandling().AfterDays(3);
        var outcome = story.When(Supervise(story), Callers.Supervisor(CountyOffice));
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        p.Clock.ShouldBe(story.Petition.Clock);
        var e = outcome.Single<SupervisionIssued>();
        e.SupervisedDepartmentId.ShouldBe(CountyEducation);
        e.ByDepartmentId.ShouldBe(CountyOffice);
        e.Automatic.ShouldBeFalse();
        e.MissedStage.ShouldBeNull();
        // Issued Saturday 8 March, due ten days later at the same moment: what the supervisor set is kept as given.
        e.Response.Stage.ShouldBe(Stage.SupervisionResponse);
        e.Response.DueAt.ShouldBe(Moments.At(3, 18));
        var v = p.Supervisions.ShouldHaveSingleItem();
        v.SupervisedDepartmentId.ShouldBe(CountyEducation);
        v.IsOpen.ShouldBeTrue();
        v.Id.ShouldBe(e.SupervisionId);
    }

    [Theory]
    [InlineData(CityOffice)]
    [InlineData(ProvinceOffice)]
    public void an_office_higher_up_whose_region_holds_the_agency_supervises_it(string office)
    {
        var story = InHandling();
        story.When(Supervise(story), Callers.Supervisor(office)).Single<SupervisionIssued>().ByDepartmentId.ShouldBe(office);
    }

    [Theory]
    [InlineData(nameof(PetitionStatus.Registered))]
    [InlineData(nameof(PetitionStatus.Forwarded))]
    [InlineData(nameof(PetitionStatus.Replied))]
    [InlineData(nameof(PetitionStatus.UnderReview))]
    [InlineData(nameof(PetitionStatus.Reviewed))]
    [InlineData(nameof(PetitionStatus.UnderReReview))]
    public void every_non_final_status_may_be_supervised(string status)
    {
        var story = when_an_officer_is_assigned.InStatus(status);
        var outcome = story.When(Supervise(story), Callers.Supervisor(ProvinceOffice));
        outcome.Leaves(story.Petition.Status, story.Petition.Stage);
        outcome.Single<SupervisionIssued>().SupervisedDepartmentId.ShouldBe(story.Petition.CurrentDepartmentId);
    }

    [Fact]
    public void a_final_petition_is_not_supervised()
    {
        var story = InHandling().Withdrawn();
        story.When(Supervise(story), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);
    }

    [Fact]
    public void an_officer_of_the_office_may_read_it_but_only_a_supervisor_supervises()
    {
        var story = InHandling();
        story.When(Supervise(story), Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void a_supervisor_of_another_city_does_not_see_the_petition()
    {
        var story = InHandling();
        story.When(Supervise(story), Callers.Supervisor(OtherCityOffice)).Fails(RuleCode.NotFound);
    }

    [Fact]
    public void the_county_office_may_not_supervise_the_city_bureau_reviewing_it()
    {
        // The county office still reads the petition (it held it), but the city is outside its region.
        var story = InHandling().Replied().ReviewRequested();
        story.When(Supervise(story), Callers.Supervisor(CountyOffice)).Fails(RuleCode.Forbidden);
        story.When(Supervise(story), Callers.Supervisor(CityOffice)).Single<SupervisionIssued>().SupervisedDepartmentId.ShouldBe(CityEducation);
    }

    [Fact]
    public void an_auditor_supervises_nothing()
    {
        var story = InHandling();
        story.When(Supervise(story), Callers.Auditor).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void a_due_moment_in_the_past_is_a_validation_error()
    {
        var story = InHandling();
        story.When(Supervise(story, days: -1), Callers.Supervisor(CountyOffice)).Fails(RuleCode.Validation);
    }

    [Fact]
    public void a_second_supervision_gets_its_own_id()
    {
        var p = InHandling().Supervised().AfterDays(1).Supervised(CityOffice).Petition;
        p.Supervisions.Count.ShouldBe(2);
        p.Supervisions.Select(v => v.Id).Distinct().Count().ShouldBe(2);
    }
}

public class when_a_supervision_is_answered
{
    private static readonly Guid Id = Story.PetitionId;

    private static Story Supervised() => Story.Submitted().Forwarded().Accepted().Supervised(CountyOffice, days: 10);

    private static RespondToSupervision Answer(Story s) => new(Id, s.Petition.Supervisions[0].Id, "已成立专班，正在办理");

    [Fact]
    public void the_supervised_department_answers_in_writing_and_the_petition_is_unchanged()
    {
        var story = Supervised();
        var outcome = story.AfterDays(2).When(Answer(story), Callers.Officer(CountyEducation));
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        var v = p.Supervisions.ShouldHaveSingleItem();
        v.IsOpen.ShouldBeFalse();
        v.Response.ShouldBe("已成立专班，正在办理");
        var e = outcome.Single<SupervisionAnswered>();
        e.SupervisedDepartmentId.ShouldBe(CountyEducation);
        e.OnTime.ShouldBeTrue();
    }

    [Fact]
    public void it_answers_even_after_the_petition_moved_on_to_the_reviewer()
    {
        var story = Supervised().Replied().ReviewRequested();
        story.Petition.CurrentDepartmentId.ShouldBe(CityEducation);
        var outcome = story.When(Answer(story), Callers.Officer(CountyEducation));
        outcome.Leaves(PetitionStatus.UnderReview, Stage.Review);
        outcome.Single<SupervisionAnswered>().SupervisedDepartmentId.ShouldBe(CountyEducation);
    }

    [Fact]
    public void a_late_answer_still_succeeds_and_is_not_on_time()
    {
        var story = Supervised();
        story.AfterDays(11).When(Answer(story), Callers.Officer(CountyEducation)).Single<SupervisionAnswered>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void it_is_answered_once()
    {
        var story = Supervised();
        story.Then(Answer(story), Callers.Officer(CountyEducation)).AfterDays(1).When(Answer(story), Callers.Officer(CountyEducation))
            .Fails(RuleCode.InvalidTransition);
    }

    [Fact]
    public void the_supervising_office_does_not_answer_its_own_notice()
    {
        var story = Supervised();
        story.When(Answer(story), Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void the_new_current_department_does_not_answer_for_the_supervised_one()
    {
        var story = Supervised().Replied().ReviewRequested();
        story.When(Answer(story), Callers.Officer(CityEducation)).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void an_unknown_supervision_is_not_found() =>
        Supervised().When(new RespondToSupervision(Id, "no-such-notice", "答复"), Callers.Officer(CountyEducation)).Fails(RuleCode.NotFound);
}
