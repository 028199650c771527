using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_petition_is_transferred_to_another_level
{
    private static readonly Guid Id = Story.PetitionId;

    private static TransferLevel To(string office) => new(Id, office, "涉及跨县事项，由市级办理");

    [Fact]
    public void the_county_offices_supervisor_moves_it_up_to_the_city_office_with_a_new_routing_clock()
    {
        // Transferred Wednesday 5 March: the new routing period ends 15 days later, Thursday 20 March.
        var outcome = Story.Submitted().AfterDays(2).When(To(CityOffice), Callers.Supervisor(CountyOffice));
        var p = outcome.Leaves(PetitionStatus.Registered, Stage.Routing);
        p.CurrentDepartmentId.ShouldBe(CityOffice);
        p.CurrentRegionPath.ShouldBe("000000.340000.340100");
        var e = outcome.Single<PetitionTransferredLevel>();
        e.FromDepartmentId.ShouldBe(CountyOffice);
        e.OnTime.ShouldBeTrue();
        e.Routing.StartDate.ShouldBe(Moments.Day(3, 5));
        e.Routing.LastDay.ShouldBe(Moments.Day(3, 20));
        p.Clock!.Due.ShouldBe(e.Routing);
        p.Clock.Instance.ShouldBe(2);
    }

    [Fact]
    public void it_may_skip_a_level_up_to_the_province_office() =>
        Story.Submitted().When(To(ProvinceOffice), Callers.Supervisor(CountyOffice))
            .Leaves(PetitionStatus.Registered, Stage.Routing).CurrentDepartmentId.ShouldBe(ProvinceOffice);

    [Fact]
    public void the_city_offices_supervisor_moves_it_down_to_a_county_office() =>
        Story.Submitted(entryRegion: City).When(To(CountyOffice), Callers.Supervisor(CityOffice))
            .Leaves(PetitionStatus.Registered, Stage.Routing).CurrentDepartmentId.ShouldBe(CountyOffice);

    [Fact]
    public void the_county_office_moves_it_down_to_a_township_office() =>
        Story.Submitted().When(To(TownshipOffice), Callers.Supervisor(CountyOffice))
            .Leaves(PetitionStatus.Registered, Stage.Routing).CurrentDepartmentId.ShouldBe(TownshipOffice);

    [Fact]
    public void a_late_transfer_succeeds_but_is_not_on_time_and_the_new_office_gets_a_full_period()
    {
        var outcome = Story.Submitted().AfterDays(20).When(To(CityOffice), Callers.Supervisor(CountyOffice));
        var e = outcome.Single<PetitionTransferredLevel>();
        e.OnTime.ShouldBeFalse();
        // Transferred Sunday 23 March: 15 days later is Monday 7 April (Qingming 4–6 April is already over).
        e.Routing.LastDay.ShouldBe(Moments.Day(4, 7));
    }

    [Fact]
    public void a_sibling_countys_office_is_not_another_level() =>
        Story.Submitted().When(To(OtherCountyOffice), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void another_citys_office_is_neither_ancestor_nor_descendant() =>
        Story.Submitted().When(To(OtherCityOffice), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_township_office_of_another_county_is_not_a_descendant() =>
        Story.Submitted().When(To("340102001-PO"), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_current_office_itself_is_not_another_level() =>
        Story.Submitted().When(To(CountyOffice), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_handling_agency_is_not_a_transfer_target() =>
        Story.Submitted().When(To(CityEducation), Callers.Supervisor(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void an_officer_of_the_current_office_may_not_transfer() =>
        Story.Submitted().When(To(CityOffice), Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    // domain.md's table says "SUPERVISOR of the current office"; access.md's "for petitions in its subtree"
    // is read as the subtree the supervisor may see at all. A city supervisor asks the county office to move it.
    [Fact]
    public void a_supervisor_of_the_office_above_may_read_it_but_only_the_current_offices_supervisor_transfers() =>
        Story.Submitted().When(To(CityOffice), Callers.Supervisor(CityOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void a_supervisor_of_another_city_does_not_see_the_petition() =>
        Story.Submitted().When(To(CityOffice), Callers.Supervisor(OtherCityOffice)).Fails(RuleCode.NotFound);

    [Fact]
    public void a_forwarded_petition_is_not_transferred() =>
        Story.Submitted().Forwarded().When(To(CityOffice), Callers.Admin).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void an_unknown_target_is_a_validation_error() =>
        Story.Submitted().When(To("nowhere"), Callers.Supervisor(CountyOffice)).Fails(RuleCode.Validation);
}
