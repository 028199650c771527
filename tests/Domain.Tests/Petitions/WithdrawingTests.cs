using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.PetitionerActs;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_petition_is_withdrawn
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly WithdrawPetition Withdraw = new(Id, "问题已解决");

    [Theory]
    [InlineData(nameof(PetitionStatus.Registered))]
    [InlineData(nameof(PetitionStatus.Forwarded))]
    [InlineData(nameof(PetitionStatus.InHandling))]
    [InlineData(nameof(PetitionStatus.Replied))]
    [InlineData(nameof(PetitionStatus.UnderReview))]
    [InlineData(nameof(PetitionStatus.Reviewed))]
    [InlineData(nameof(PetitionStatus.UnderReReview))]
    public void the_petitioner_withdraws_from_any_non_final_status_and_every_clock_stops(string status)
    {
        var story = when_an_officer_is_assigned.InStatus(status);
        var outcome = story.AfterDays(1).When(Withdraw);
        var p = outcome.Leaves(PetitionStatus.Withdrawn, Stage.None);
        p.IsFinal.ShouldBeTrue();
        p.Clock.ShouldBeNull();
        p.ReturnWindow.ShouldBeNull();
        p.EvaluationWindow.ShouldBeNull();
        DeadlineDecisions.RunningClocks(p).ShouldBeEmpty();
        outcome.Single<PetitionWithdrawn>().DepartmentId.ShouldBe(story.Petition.CurrentDepartmentId);
    }

    [Fact]
    public void an_open_supervisions_response_clock_stops_too()
    {
        var story = Story.Submitted().Forwarded().Accepted().Supervised(CountyOffice, days: 10).Withdrawn();
        var v = story.Petition.Supervisions.ShouldHaveSingleItem();
        v.ClockStopped.ShouldBeTrue();
        v.ClockRunning.ShouldBeFalse();
        DeadlineDecisions.RunningClocks(story.Petition).ShouldBeEmpty();
        story.AfterDays(30).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.SupervisionResponse, v.Instance, v.Id)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void the_handling_deadline_is_not_missed_after_withdrawal()
    {
        var story = Story.Submitted().Forwarded().Accepted();
        var clock = story.Petition.Clock!;
        story.Withdrawn().At(Moments.At(5, 8)).WhenTheSystem(new MarkDeadlineMissed(Id, Stage.Handling, clock.Instance)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_petition_in_a_hearing_may_be_withdrawn() =>
        Story.Submitted().Forwarded().Accepted().HearingStarted().When(Withdraw).Leaves(PetitionStatus.Withdrawn, Stage.None);

    [Fact]
    public void a_withdrawn_petition_is_not_withdrawn_again() =>
        Story.Submitted().Withdrawn().When(Withdraw).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_closed_petition_is_final_and_not_withdrawn() =>
        Story.Submitted().Forwarded().Accepted().Replied().Closed().When(Withdraw).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void only_the_petitioner_withdraws() =>
        Story.Submitted().Forwarded().When(Withdraw, Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void a_reason_is_optional() =>
        Story.Submitted().When(new WithdrawPetition(Id)).Leaves(PetitionStatus.Withdrawn, Stage.None);
}
