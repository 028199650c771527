using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_petition_is_declined
{
    private static readonly Guid Id = Story.PetitionId;

    [Fact]
    public void the_office_declines_a_registered_petition_and_it_is_final()
    {
        var outcome = Story.Submitted().AfterDays(2).When(new DeclinePetition(Id, "不属于信访受理范围"));
        var p = outcome.Leaves(PetitionStatus.Declined, Stage.None);
        p.IsFinal.ShouldBeTrue();
        p.Clock.ShouldBeNull();
        var e = outcome.Single<PetitionDeclined>();
        e.DepartmentId.ShouldBe(CountyOffice);
        e.OnTime.ShouldBeTrue();
        e.LegalRoute.ShouldBeNull();
    }

    [Fact]
    public void the_agency_declines_a_forwarded_petition()
    {
        var outcome = Story.Submitted().Forwarded().AfterDays(3).When(new DeclinePetition(Id, "不属于本机关职责"));
        var p = outcome.Leaves(PetitionStatus.Declined, Stage.None);
        p.ReturnWindow.ShouldBeNull();
        outcome.Single<PetitionDeclined>().DepartmentId.ShouldBe(CountyEducation);
    }

    [Fact]
    public void a_decline_after_the_acceptance_limit_succeeds_but_is_not_on_time() =>
        // Forwarded Tuesday 4 March: acceptance ends with 19 March; declined Thursday 20 March.
        Story.Submitted().Forwarded().At(Moments.At(3, 20)).When(new DeclinePetition(Id, "不属于本机关职责"))
            .Single<PetitionDeclined>().OnTime.ShouldBeFalse();

    [Fact]
    public void a_legal_procedure_matter_is_declined_with_the_legal_route_the_petitioner_is_to_take()
    {
        var outcome = Story.Submitted(category: PetitionCategory.LegalProcedure)
            .When(new DeclinePetition(Id, "属于行政复议事项", LegalRoute.AdministrativeReconsideration));
        outcome.Leaves(PetitionStatus.Declined, Stage.None);
        outcome.Single<PetitionDeclined>().LegalRoute.ShouldBe(LegalRoute.AdministrativeReconsideration);
    }

    [Fact]
    public void a_legal_procedure_matter_without_a_legal_route_is_a_validation_error() =>
        Story.Submitted(category: PetitionCategory.LegalProcedure).When(new DeclinePetition(Id, "属于诉讼事项")).Fails(RuleCode.Validation);

    [Fact]
    public void a_petition_in_handling_is_no_longer_declined() =>
        Story.Submitted().Forwarded().Accepted().When(new DeclinePetition(Id, "不予受理")).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_replied_petition_is_not_declined() =>
        Story.Submitted().Forwarded().Accepted().Replied().When(new DeclinePetition(Id, "不予受理"), Callers.Admin)
            .Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_office_cannot_decline_what_it_already_forwarded() =>
        Story.Submitted().Forwarded().When(new DeclinePetition(Id, "不予受理"), Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void a_declined_petition_cannot_be_declined_again() =>
        Story.Submitted().Declined().When(new DeclinePetition(Id, "再次不予受理")).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_reason_is_required() =>
        Story.Submitted().When(new DeclinePetition(Id, "  ")).Fails(RuleCode.Validation);
}
