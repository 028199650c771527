using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_registered_petition_is_forwarded
{
    private static readonly Guid Id = Story.PetitionId;

    [Fact]
    public void a_registered_petition_is_forwarded_to_a_handling_agency_in_the_offices_region()
    {
        var outcome = Story.Submitted().AfterDays(2).When(new ForwardPetition(Id, CountyEducation, ForwardMode.Assign, "请依法处理"));
        var p = outcome.Leaves(PetitionStatus.Forwarded, Stage.Acceptance);
        p.CurrentDepartmentId.ShouldBe(CountyEducation);
        p.ForwardingOfficeId.ShouldBe(CountyOffice);
        p.ForwardMode.ShouldBe(ForwardMode.Assign);
        var e = outcome.Single<PetitionForwarded>();
        e.FromDepartmentId.ShouldBe(CountyOffice);
        e.OnTime.ShouldBeTrue();
        // Forwarded Wednesday 5 March: acceptance due after 20 March; the return right ends on the 5th working day, 12 March.
        e.Acceptance.LastDay.ShouldBe(new DateOnly(2025, 3, 20));
        e.ReturnWindow.LastDay.ShouldBe(new DateOnly(2025, 3, 12));
    }

    [Fact]
    public void a_township_agency_below_the_county_office_is_in_its_region() =>
        Story.Submitted().When(new ForwardPetition(Id, "340101001-GOV", ForwardMode.Transfer)).Leaves(PetitionStatus.Forwarded, Stage.Acceptance);

    [Fact]
    public void a_forward_after_the_routing_limit_succeeds_but_is_not_on_time() =>
        Story.Submitted().AfterDays(16).When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer))
            .Single<PetitionForwarded>().OnTime.ShouldBeFalse();

    [Fact]
    public void a_forwarded_petition_cannot_be_forwarded_again() =>
        Story.Submitted().Forwarded().When(new ForwardPetition(Id, CountyGovernment, ForwardMode.Transfer), Callers.Officer(CountyEducation))
            .Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_replied_petition_cannot_be_forwarded() =>
        Story.Submitted().Forwarded().Accepted().Replied()
            .When(new ForwardPetition(Id, CountyGovernment, ForwardMode.Transfer), Callers.Officer(CountyEducation))
            .Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_petition_office_is_not_a_forward_target() =>
        Story.Submitted().When(new ForwardPetition(Id, TownshipOffice, ForwardMode.Transfer)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void an_agency_outside_the_offices_region_is_not_a_forward_target() =>
        Story.Submitted().When(new ForwardPetition(Id, OtherCountyEducation, ForwardMode.Transfer)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void an_unknown_target_department_is_a_validation_error() =>
        Story.Submitted().When(new ForwardPetition(Id, "nowhere", ForwardMode.Transfer)).Fails(RuleCode.Validation);

    [Fact]
    public void an_officer_of_another_department_cannot_see_the_petition() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), Callers.Officer(OtherCountyOffice))
            .Fails(RuleCode.NotFound);

    [Fact]
    public void a_supervisor_above_may_read_but_only_the_current_office_forwards() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), Callers.Supervisor(CityOffice))
            .Fails(RuleCode.Forbidden);

    [Fact]
    public void an_auditor_may_read_but_not_act() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), Callers.Auditor).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_admin_may_always_forward() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), Callers.Admin)
            .Leaves(PetitionStatus.Forwarded, Stage.Acceptance);

    [Fact]
    public void a_stale_expected_version_is_a_concurrency_conflict() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), expectedVersion: 7)
            .Fails(RuleCode.ConcurrencyConflict);

    [Fact]
    public void a_matching_expected_version_is_accepted() =>
        Story.Submitted().When(new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer), expectedVersion: 1)
            .Leaves(PetitionStatus.Forwarded, Stage.Acceptance);
}
