using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>"Anything else is INVALID_TRANSITION": a final petition takes no staff command, even from ADMIN.</summary>
public class when_a_petition_is_final
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly Guid OriginalId = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000003");

    private static Petition AnOriginal() => Story.Submitted(at: Moments.At(2, 20)).Petition with { Id = OriginalId };

    private static Story InFinalStatus(string status) => status switch
    {
        nameof(PetitionStatus.Declined) => Story.Submitted().Declined(),
        nameof(PetitionStatus.Closed) => Story.Submitted().Forwarded().Accepted().Replied().Closed(),
        nameof(PetitionStatus.Terminated) =>
            Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().Reviewed().ReReviewRequested().ReReviewDecided(),
        nameof(PetitionStatus.Withdrawn) => Story.Submitted().Forwarded().Accepted().Withdrawn(),
        nameof(PetitionStatus.Merged) => Story.Submitted().Merged(AnOriginal()),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static IPetitionCommand StaffCommand(string name, Story s) => name switch
    {
        "forward" => new ForwardPetition(Id, CountyEducation, ForwardMode.Transfer),
        "transferLevel" => new TransferLevel(Id, CityOffice, "移交市级"),
        "decline" => new DeclinePetition(Id, "不予受理", LegalRoute.Other),
        "return" => new ReturnPetition(Id, "不属于本机关"),
        "reclassify" => new ReclassifyPetition(Id, PetitionCategory.Suggestion, "实为建议"),
        "accept" => new AcceptPetition(Id),
        "assignOfficer" => new AssignOfficer(Id, "officer-wang"),
        "extendDeadline" => new ExtendDeadline(Id, 10, "案情复杂"),
        "startHearing" => new StartHearing(Id, "听证"),
        "concludeHearing" => new ConcludeHearing(Id, "听证结束"),
        "issueReply" => new IssueReply(Id, ReplyDecision.Supported, "答复"),
        "decideReview" => new DecideReview(Id, ReviewOutcome.Upheld, "维持"),
        "decideReReview" => new DecideReReview(Id, ReviewOutcome.Upheld, "维持"),
        "supervise" => new SupervisePetition(Id, "督办", s.Now.AddDays(10)),
        "linkDuplicate" => new LinkDuplicate(Id, OriginalId),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static readonly string[] FinalStatuses =
    [
        nameof(PetitionStatus.Declined), nameof(PetitionStatus.Closed), nameof(PetitionStatus.Terminated),
        nameof(PetitionStatus.Withdrawn), nameof(PetitionStatus.Merged),
    ];

    private static readonly string[] StaffCommands =
    [
        "forward", "transferLevel", "decline", "return", "reclassify", "accept", "assignOfficer", "extendDeadline",
        "startHearing", "concludeHearing", "issueReply", "decideReview", "decideReReview", "supervise", "linkDuplicate",
    ];

    public static TheoryData<string, string> EveryStaffCommandOnEveryFinalStatus()
    {
        var data = new TheoryData<string, string>();
        foreach (var status in FinalStatuses)
            foreach (var command in StaffCommands)
                data.Add(status, command);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStaffCommandOnEveryFinalStatus))]
    public void every_staff_command_is_an_invalid_transition_even_for_an_admin(string status, string command)
    {
        var story = InFinalStatus(status).AfterDays(1);
        story.Petition.Status.ToString().ShouldBe(status);
        story.Petition.IsFinal.ShouldBeTrue();
        story.When(StaffCommand(command, story), Callers.Admin, other: AnOriginal()).Fails(RuleCode.InvalidTransition);
    }

    [Theory]
    [InlineData(nameof(PetitionStatus.Declined))]
    [InlineData(nameof(PetitionStatus.Closed))]
    [InlineData(nameof(PetitionStatus.Terminated))]
    [InlineData(nameof(PetitionStatus.Withdrawn))]
    [InlineData(nameof(PetitionStatus.Merged))]
    public void the_petitioner_cannot_withdraw_a_final_petition(string status) =>
        InFinalStatus(status).AfterDays(1).When(new WithdrawPetition(Id)).Fails(RuleCode.InvalidTransition);

    [Theory]
    [InlineData(nameof(PetitionStatus.Declined))]
    [InlineData(nameof(PetitionStatus.Terminated))]
    [InlineData(nameof(PetitionStatus.Withdrawn))]
    [InlineData(nameof(PetitionStatus.Merged))]
    public void no_review_is_requested_on_a_final_petition_that_was_not_closed_by_a_lapse(string status) =>
        InFinalStatus(status).AfterDays(1).When(new RequestReview(Id, "复查"), Callers.Admin).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_terminated_petition_is_not_re_reviewed_again() =>
        InFinalStatus(nameof(PetitionStatus.Terminated)).AfterDays(1).When(new RequestReReview(Id, "再次复核")).Fails(RuleCode.InvalidTransition);
}
