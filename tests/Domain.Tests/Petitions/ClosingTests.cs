using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Reviewing;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_request_window_lapses
{
    private static readonly Guid Id = Story.PetitionId;

    // Replied Saturday 15 March: the review window ends with Monday 14 April (due 15 April 00:00).
    private static Story Replied() => Story.Submitted().Forwarded().Accepted().Replied();

    // Reviewed Sunday 23 March: the re-review window ends with Tuesday 22 April.
    private static Story Reviewed() => Replied().ReviewRequested().Reviewed();

    private static CloseLapsedWindow CloseFor(Story s) => new(Id, s.Petition.Clock!.Stage, s.Petition.Clock.Instance);

    [Fact]
    public void an_unused_review_window_closes_the_replied_petition_and_the_reply_stands()
    {
        var story = Replied();
        var outcome = story.At(Moments.At(4, 15, 0)).WhenTheSystem(CloseFor(story));
        var p = outcome.Leaves(PetitionStatus.Closed, Stage.None);
        p.IsFinal.ShouldBeTrue();
        p.Clock.ShouldBeNull();
        p.Reply!.DepartmentId.ShouldBe(Places.CountyEducation);
        var e = outcome.Single<PetitionClosed>();
        e.Reason.ShouldBe(ClosureReason.ReviewWindowLapsed);
        e.By.ShouldBe(Actor.System());
    }

    [Fact]
    public void an_unused_re_review_window_closes_the_reviewed_petition_and_the_review_stands()
    {
        var story = Reviewed();
        var outcome = story.At(Moments.At(4, 23, 0)).WhenTheSystem(CloseFor(story));
        var p = outcome.Leaves(PetitionStatus.Closed, Stage.None);
        p.Review!.DepartmentId.ShouldBe(Places.CityEducation);
        outcome.Single<PetitionClosed>().Reason.ShouldBe(ClosureReason.ReReviewWindowLapsed);
    }

    [Fact]
    public void before_the_due_moment_nothing_closes()
    {
        var story = Replied();
        story.At(Moments.At(4, 14, 23, 59)).WhenTheSystem(CloseFor(story)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_window_that_was_used_does_not_close_the_petition_later()
    {
        var replied = Replied();
        replied.ReviewRequested().At(Moments.At(4, 16)).WhenTheSystem(CloseFor(replied)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void an_old_timer_for_the_review_window_does_not_close_the_re_review_window()
    {
        var replied = Replied();
        Reviewed().At(Moments.At(4, 16)).WhenTheSystem(CloseFor(replied)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void firing_twice_closes_once()
    {
        var story = Replied();
        var closed = story.Closed();
        closed.AfterDays(1).WhenTheSystem(CloseFor(story)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_review_requested_after_closure_is_too_late() =>
        Replied().Closed().AfterDays(2).When(new RequestReview(Id, "迟到的复查请求")).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void a_re_review_requested_after_closure_is_too_late() =>
        Reviewed().Closed().AfterDays(2).When(new RequestReReview(Id, "迟到的复核请求")).Fails(RuleCode.DeadlinePassed);

    [Fact]
    public void a_petition_closed_after_its_review_is_not_reviewed_again() =>
        // The review was used; a second review was never open, so this is not a lapsed right.
        Reviewed().Closed().AfterDays(2).When(new RequestReview(Id, "再次复查")).Fails(RuleCode.InvalidTransition);
}
