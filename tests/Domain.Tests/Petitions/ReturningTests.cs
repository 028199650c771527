using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_forwarded_petition_is_returned
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly ReturnPetition Return = new(Id, "该事项不属于本机关职权范围");

    // Story.Forwarded arrives Tuesday 4 March; the 5 working days after it are 5, 6, 7, 10, 11 March.
    private static Story ForwardedTuesday() => Story.Submitted().Forwarded();

    [Fact]
    public void the_agency_returns_it_to_the_forwarding_office_with_a_new_routing_clock()
    {
        var outcome = ForwardedTuesday().At(Moments.At(3, 6)).When(Return);
        var p = outcome.Leaves(PetitionStatus.Registered, Stage.Routing);
        p.CurrentDepartmentId.ShouldBe(CountyOffice);
        p.ForwardingOfficeId.ShouldBeNull();
        p.ReturnWindow.ShouldBeNull();
        var e = outcome.Single<PetitionReturned>();
        e.FromDepartmentId.ShouldBe(CountyEducation);
        e.DepartmentId.ShouldBe(CountyOffice);
        // Returned Thursday 6 March: the office has 15 days again, to Friday 21 March.
        e.Routing.StartDate.ShouldBe(Moments.Day(3, 6));
        e.Routing.LastDay.ShouldBe(Moments.Day(3, 21));
        p.Clock!.Due.ShouldBe(e.Routing);
    }

    [Fact]
    public void the_return_window_ends_on_the_fifth_working_day_after_arrival() =>
        ForwardedTuesday().Petition.ReturnWindow!.LastDay.ShouldBe(Moments.Day(3, 11));

    [Fact]
    public void on_the_fifth_working_day_the_return_is_accepted() =>
        ForwardedTuesday().At(Moments.At(3, 11, 23, 59)).When(Return).Leaves(PetitionStatus.Registered, Stage.Routing);

    [Fact]
    public void on_the_sixth_working_day_the_right_has_lapsed() =>
        ForwardedTuesday().At(Moments.At(3, 12)).When(Return).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void at_midnight_after_the_fifth_working_day_the_right_has_lapsed() =>
        ForwardedTuesday().At(Moments.DueAfter(Moments.Day(3, 11))).When(Return).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void a_make_up_sunday_counts_as_a_working_day()
    {
        // Forwarded Wednesday 24 September 2025: Thu 25, Fri 26, Sun 28 (调休), Mon 29, Tue 30 September.
        var story = Story.Submitted(at: Moments.At(9, 23)).Forwarded();
        story.Now.ShouldBe(Moments.At(9, 24));
        story.Petition.ReturnWindow!.LastDay.ShouldBe(Moments.Day(9, 30));
        story.At(Moments.At(9, 30, 18)).When(Return).Leaves(PetitionStatus.Registered, Stage.Routing);
        story.At(Moments.At(10, 1, 10)).When(Return).Fails(RuleCode.DeadlinePassed);
    }

    [Fact]
    public void weekends_do_not_count()
    {
        // Forwarded Friday 7 March: Mon 10 … Fri 14 March.
        var story = Story.Submitted(at: Moments.At(3, 6)).Forwarded();
        story.Petition.ReturnWindow!.LastDay.ShouldBe(Moments.Day(3, 14));
    }

    [Fact]
    public void holidays_do_not_count()
    {
        // Forwarded Wednesday 2 April: Thu 3, (Qingming 4–6), Mon 7, Tue 8, Wed 9, Thu 10 April.
        var story = Story.Submitted(at: Moments.At(4, 1)).Forwarded();
        story.Petition.ReturnWindow!.LastDay.ShouldBe(Moments.Day(4, 10));
    }

    [Fact]
    public void an_accepted_petition_is_no_longer_returned() =>
        ForwardedTuesday().Accepted().When(Return).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_registered_petition_has_nothing_to_return_to() =>
        Story.Submitted().When(Return, Callers.Admin).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_forwarding_office_does_not_return_to_itself() =>
        ForwardedTuesday().When(Return, Callers.Officer(CountyOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void after_a_return_the_office_forwards_again_and_a_new_acceptance_clock_and_return_window_start()
    {
        var story = ForwardedTuesday().AfterDays(1).Then(Return).Forwarded(CountyGovernment);
        var p = story.Petition;
        p.Status.ShouldBe(PetitionStatus.Forwarded);
        p.CurrentDepartmentId.ShouldBe(CountyGovernment);
        // Forwarded again Thursday 6 March: acceptance to Friday 21 March, return to Thursday 13 March.
        p.Clock!.Due.LastDay.ShouldBe(Moments.Day(3, 21));
        p.ReturnWindow!.LastDay.ShouldBe(Moments.Day(3, 13));
        story.When(new AcceptPetition(Id)).Leaves(PetitionStatus.InHandling, Stage.Handling);
    }
}
