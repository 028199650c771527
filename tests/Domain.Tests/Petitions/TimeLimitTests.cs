using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>Clocks: official time limits are obligations (late acts succeed, not on time); petitioner rights lapse.</summary>
public class when_a_time_limit_has_passed
{
    private static readonly Guid Id = Story.PetitionId;

    // Forwarded Tuesday 4 March: acceptance ends with 19 March, the return right with 11 March. On 20 March both passed.
    private static Story ForwardedLongAgo() => Story.Submitted().Forwarded().At(Moments.At(3, 20));

    [Fact]
    public void a_late_accept_succeeds_and_is_not_on_time()
    {
        var outcome = ForwardedLongAgo().When(new AcceptPetition(Id));
        outcome.Leaves(PetitionStatus.InHandling, Stage.Handling);
        outcome.Single<PetitionAccepted>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void a_late_return_fails_because_the_right_lapsed() =>
        ForwardedLongAgo().When(new ReturnPetition(Id, "不属于本机关")).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void an_accept_after_the_deadline_was_marked_missed_still_succeeds()
    {
        var story = Story.Submitted().Forwarded();
        var clock = story.Petition.Clock!;
        var missed = story.At(Moments.At(3, 20, 0))
            .WhenTheSystem(new CaseEngine.Domain.Petitions.Deadlines.MarkDeadlineMissed(Id, clock.Stage, clock.Instance)).Succeeds();
        missed.AfterDays(1).When(new AcceptPetition(Id)).Single<PetitionAccepted>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void a_late_forward_starts_full_periods_for_the_agency()
    {
        // Received Monday 3 March, forwarded Monday 24 March: acceptance to Tuesday 8 April, return to Monday 31 March.
        var e = Story.Submitted().At(Moments.At(3, 24)).When(new ForwardPetition(Id, Places.CountyEducation, ForwardMode.Transfer))
            .Single<PetitionForwarded>();
        e.OnTime.ShouldBeFalse();
        e.Acceptance.LastDay.ShouldBe(Moments.Day(4, 8));
        e.ReturnWindow.LastDay.ShouldBe(Moments.Day(3, 31));
    }

    [Fact]
    public void the_due_moment_is_midnight_in_shanghai_whatever_offset_the_act_carries()
    {
        // 19 March 15:59:59 UTC is 23:59:59 in Shanghai, still the last day; 16:00 UTC is the due moment.
        var story = Story.Submitted().Forwarded();
        story.At(new DateTimeOffset(2025, 3, 19, 15, 59, 59, TimeSpan.Zero)).When(new AcceptPetition(Id))
            .Single<PetitionAccepted>().OnTime.ShouldBeTrue();
        story.At(new DateTimeOffset(2025, 3, 19, 16, 0, 0, TimeSpan.Zero)).When(new AcceptPetition(Id))
            .Single<PetitionAccepted>().OnTime.ShouldBeFalse();
    }

    [Fact]
    public void a_late_supervision_answer_succeeds_and_is_not_on_time()
    {
        var story = Story.Submitted().Forwarded().Accepted().Supervised(days: 3).AfterDays(4);
        story.When(new RespondToSupervision(Id, story.Petition.Supervisions[0].Id, "已办理"), Callers.Officer(Places.CountyEducation))
            .Single<SupervisionAnswered>().OnTime.ShouldBeFalse();
    }
}
