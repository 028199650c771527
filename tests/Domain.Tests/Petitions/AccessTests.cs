using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Domain.Petitions.Supervising;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>access.md: who may send a command, and which code a caller without the right gets.</summary>
public class when_a_caller_acts_without_a_staff_token
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly Actor AccessCodeActor = new("petitioner", Role.Petitioner, null);

    private static Story Forwarded() => Story.Submitted().Forwarded();

    /// <summary>Submitted online without a token: no submitter is recorded.</summary>
    private static Story SubmittedAnonymously()
    {
        var command = new SubmitPetition(Channel.Website, County, PetitionCategory.ComplaintRequest, "路灯不亮", "村口路灯已坏两个月。",
            new PetitionerDetails("王五", null, null, null));
        var ctx = new DecisionContext(Actor.AnonymousPetitioner, Story.Monday, Story.Directory, Story.Clock, Anonymous: true);
        return new Story(null, [], Story.Monday).Apply(Submission.Decide(command, new Allocation(Id, "340101-2025-000002"), ctx));
    }
    private static Story Replied() => Story.Submitted().Forwarded().Accepted().Replied();

    [Fact]
    public void an_anonymous_staff_command_is_unauthenticated() =>
        Forwarded().WhenAnonymous(new AcceptPetition(Id)).Fails(RuleCode.Unauthenticated);

    // schema.graphql checks UNAUTHENTICATED ("no token where one is needed") before VALIDATION.
    [Fact]
    public void an_anonymous_staff_command_with_malformed_input_is_still_unauthenticated_first() =>
        Forwarded().WhenAnonymous(new CaseEngine.Domain.Petitions.Routing.DeclinePetition(Id, "")).Fails(RuleCode.Unauthenticated);

    [Fact]
    public void a_staff_command_needs_a_token_even_when_an_access_code_was_verified() =>
        Forwarded().WhenByAccessCode(new AcceptPetition(Id)).Fails(RuleCode.Unauthenticated);

    [Fact]
    public void an_anonymous_supervision_is_unauthenticated()
    {
        var story = Forwarded();
        story.WhenAnonymous(new SupervisePetition(Id, "督办", story.Now.AddDays(5))).Fails(RuleCode.Unauthenticated);
    }

    // A wrong or missing access code must not reveal that the petition exists.
    [Fact]
    public void a_petitioner_act_without_a_verified_access_code_finds_nothing() =>
        Replied().WhenAnonymous(new EvaluatePetition(Id, Satisfaction.Satisfied)).Fails(RuleCode.NotFound);

    [Fact]
    public void an_evaluation_by_access_code_succeeds_and_names_the_petitioner_as_actor()
    {
        var outcome = Replied().WhenByAccessCode(new EvaluatePetition(Id, Satisfaction.Satisfied));
        outcome.Leaves(PetitionStatus.Replied, Stage.ReviewWindow);
        outcome.Single<PetitionEvaluated>().By.ShouldBe(AccessCodeActor);
    }

    [Fact]
    public void a_review_requested_by_access_code_succeeds_and_names_the_petitioner_as_actor()
    {
        var outcome = Replied().WhenByAccessCode(new RequestReview(Id, "不服"));
        outcome.Leaves(PetitionStatus.UnderReview, Stage.Review);
        outcome.Single<ReviewRequested>().By.ShouldBe(AccessCodeActor);
    }

    [Fact]
    public void a_re_review_requested_by_access_code_succeeds_and_names_the_petitioner_as_actor()
    {
        var outcome = Replied().ReviewRequested().Reviewed().WhenByAccessCode(new RequestReReview(Id, "不服"));
        outcome.Leaves(PetitionStatus.UnderReReview, Stage.ReReview);
        outcome.Single<ReReviewRequested>().By.ShouldBe(AccessCodeActor);
    }

    [Fact]
    public void a_withdrawal_by_access_code_succeeds_and_names_the_petitioner_as_actor()
    {
        var outcome = Forwarded().WhenByAccessCode(new WithdrawPetition(Id));
        outcome.Leaves(PetitionStatus.Withdrawn, Stage.None);
        outcome.Single<PetitionWithdrawn>().By.ShouldBe(AccessCodeActor);
    }

    [Fact]
    public void an_access_code_act_on_an_anonymously_submitted_petition_succeeds()
    {
        var story = SubmittedAnonymously();
        story.Petition.SubmitterId.ShouldBeNull();
        story.WhenByAccessCode(new WithdrawPetition(Id)).Leaves(PetitionStatus.Withdrawn, Stage.None);
    }

    [Fact]
    public void another_citizens_token_finds_nothing()
    {
        Replied().When(new EvaluatePetition(Id, Satisfaction.Satisfied), Callers.OtherCitizen).Fails(RuleCode.NotFound);
        Replied().When(new RequestReview(Id, "不服"), Callers.OtherCitizen).Fails(RuleCode.NotFound);
        Forwarded().When(new WithdrawPetition(Id), Callers.OtherCitizen).Fails(RuleCode.NotFound);
    }

    [Fact]
    public void a_citizen_token_without_the_access_code_does_not_reach_an_anonymously_submitted_petition() =>
        SubmittedAnonymously().When(new WithdrawPetition(Id), Callers.Citizen).Fails(RuleCode.NotFound);

    [Fact]
    public void a_petitioner_token_sending_a_staff_command_is_forbidden() =>
        // The petitioner may read its own petition, but its role gives no right to accept it.
        Forwarded().When(new AcceptPetition(Id), Callers.Citizen).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_integrator_reads_only_the_feed_and_finds_no_petition_to_act_on()
    {
        Forwarded().When(new AcceptPetition(Id), Callers.Integrator).Fails(RuleCode.NotFound);
        Forwarded().When(new WithdrawPetition(Id), Callers.Integrator).Fails(RuleCode.NotFound);
    }

    [Fact]
    public void an_auditor_reads_everything_and_may_do_nothing()
    {
        Forwarded().When(new AcceptPetition(Id), Callers.Auditor).Fails(RuleCode.Forbidden);
        Forwarded().When(new WithdrawPetition(Id), Callers.Auditor).Fails(RuleCode.Forbidden);
        Replied().When(new EvaluatePetition(Id, Satisfaction.Satisfied), Callers.Auditor).Fails(RuleCode.Forbidden);
        Replied().When(new RequestReview(Id, "不服"), Callers.Auditor).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void staff_of_the_current_department_may_not_act_for_the_petitioner() =>
        Forwarded().When(new WithdrawPetition(Id), Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_admin_may_act_for_the_petitioner() =>
        Replied().When(new EvaluatePetition(Id, Satisfaction.Satisfied), Callers.Admin).Leaves(PetitionStatus.Replied, Stage.ReviewWindow);

    [Fact]
    public void an_admin_may_act_for_the_current_department() =>
        Forwarded().When(new AcceptPetition(Id), Callers.Admin).Leaves(PetitionStatus.InHandling, Stage.Handling);
}
