using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_forwarded_petition_is_accepted
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly AcceptPetition Accept = new(Id);

    [Fact]
    public void the_agency_takes_it_on_and_the_60_day_handling_clock_runs_past_labour_day()
    {
        // Accepted Wednesday 5 March: day 60 is Sunday 4 May, inside Labour Day (1–5 May): last day Tuesday 6 May.
        var outcome = Story.Submitted().Forwarded().AfterDays(1).When(Accept);
        var p = outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        p.CurrentDepartmentId.ShouldBe(CountyEducation);
        p.AcceptedAt.ShouldBe(Moments.At(3, 5));
        p.ReturnWindow.ShouldBeNull();
        var e = outcome.Single<PetitionAccepted>();
        e.OnTime.ShouldBeTrue();
        e.Handling.Stage.ShouldBe(Stage.Handling);
        e.Handling.StartDate.ShouldBe(Moments.Day(3, 5));
        e.Handling.LastDay.ShouldBe(Moments.Day(5, 6));
        e.Handling.DueAt.ShouldBe(Moments.At(5, 7, 0));
        p.Clock!.Due.ShouldBe(e.Handling);
    }

    [Fact]
    public void the_acceptance_period_is_15_days_from_arrival() =>
        // Forwarded Tuesday 4 March: last day Wednesday 19 March.
        Story.Submitted().Forwarded().Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(3, 19));

    [Fact]
    public void an_acceptance_period_ending_on_a_make_up_sunday_ends_on_that_sunday() =>
        // Forwarded Saturday 12 April: day 15 is Sunday 27 April, a make-up working day for Labour Day.
        Story.Submitted(at: Moments.At(4, 11)).Forwarded().Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(4, 27));

    [Fact]
    public void an_acceptance_period_ending_on_a_saturday_ends_on_monday() =>
        // Forwarded Saturday 15 March: day 15 is Sunday 30 March, a rest day: last day Monday 31 March.
        Story.Submitted(at: Moments.At(3, 14)).Forwarded().Petition.Clock!.Due.LastDay.ShouldBe(Moments.Day(3, 31));

    [Fact]
    public void a_late_acceptance_still_succeeds_and_counts_as_not_on_time()
    {
        var outcome = Story.Submitted().Forwarded().At(Moments.At(3, 20)).When(Accept);
        outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        outcome.Single<PetitionAccepted>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void the_last_minute_of_the_last_day_is_still_on_time() =>
        Story.Submitted().Forwarded().At(Moments.At(3, 19, 23, 59)).When(Accept).Single<PetitionAccepted>().OnTime.ShouldBeTrue();

    [Fact]
    public void the_petition_office_holding_a_registered_petition_cannot_accept_it() =>
        // access.md: the state, not access, refuses this.
        Story.Submitted().When(Accept, Callers.Officer(CountyOffice)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void an_accepted_petition_is_not_accepted_again() =>
        Story.Submitted().Forwarded().Accepted().When(Accept).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_forwarding_office_cannot_accept_for_the_agency() =>
        Story.Submitted().Forwarded().When(Accept, Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_agency_that_never_held_it_does_not_see_it() =>
        Story.Submitted().Forwarded().When(Accept, Callers.Officer(OtherCountyEducation)).Fails(RuleCode.NotFound);

    [Fact]
    public void a_supervisor_of_the_agency_is_a_petition_office_and_may_not_accept() =>
        Story.Submitted().Forwarded().When(Accept, Callers.Supervisor(CountyOffice)).Fails(RuleCode.Forbidden);
}
