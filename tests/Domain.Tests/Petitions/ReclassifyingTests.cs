using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_registered_petition_is_reclassified
{
    private static readonly Guid Id = Story.PetitionId;

    [Fact]
    public void the_office_corrects_the_category_and_the_petition_stays_registered_for_routing()
    {
        var outcome = Story.Submitted().AfterDays(1).When(new ReclassifyPetition(Id, PetitionCategory.ReportAccusation, "实为检举控告"));
        var p = outcome.Leaves(PetitionStatus.Registered, Stage.Routing);
        p.Category.ShouldBe(PetitionCategory.ReportAccusation);
        p.CurrentDepartmentId.ShouldBe(CountyOffice);
        var e = outcome.Single<PetitionReclassified>();
        e.From.ShouldBe(PetitionCategory.ComplaintRequest);
        e.To.ShouldBe(PetitionCategory.ReportAccusation);
    }

    [Fact]
    public void reclassifying_does_not_restart_the_routing_clock()
    {
        var story = Story.Submitted();
        var before = story.Petition.Clock!;
        var after = story.AfterDays(3).When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议")).Succeeds().Petition.Clock!;
        after.ShouldBe(before);
        after.Due.LastDay.ShouldBe(Moments.Day(3, 18));
    }

    [Fact]
    public void from_then_on_the_new_categorys_rules_apply_a_legal_procedure_matter_is_declined_only_with_its_legal_route()
    {
        var story = Story.Submitted().Then(new ReclassifyPetition(Id, PetitionCategory.LegalProcedure, "属于诉讼事项"));
        story.When(new DeclinePetition(Id, "请通过诉讼解决")).Fails(RuleCode.Validation);
        story.When(new DeclinePetition(Id, "请通过诉讼解决", LegalRoute.Litigation)).Leaves(PetitionStatus.Declined, Stage.None);
    }

    [Fact]
    public void the_same_category_again_is_a_validation_error() =>
        Story.Submitted().When(new ReclassifyPetition(Id, PetitionCategory.ComplaintRequest, "不变")).Fails(RuleCode.Validation);

    [Fact]
    public void a_forwarded_petition_is_no_longer_reclassified() =>
        Story.Submitted().Forwarded().When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"), Callers.Admin)
            .Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_agency_holding_a_forwarded_petition_cannot_reclassify_it() =>
        Story.Submitted().Forwarded().When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"), Callers.Officer(CountyEducation))
            .Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_office_that_forwarded_it_may_read_it_but_no_longer_reclassify_it() =>
        Story.Submitted().Forwarded().When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"), Callers.Officer(CountyOffice))
            .Fails(RuleCode.Forbidden);

    [Fact]
    public void an_office_of_another_region_does_not_see_the_petition() =>
        Story.Submitted().When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"), Callers.Officer(OtherCountyOffice))
            .Fails(RuleCode.NotFound);

    [Fact]
    public void the_city_office_above_may_read_it_but_only_the_current_office_reclassifies() =>
        Story.Submitted().When(new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"), Callers.Supervisor(CityOffice))
            .Fails(RuleCode.Forbidden);
}
