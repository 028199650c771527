using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_an_officer_is_assigned
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly AssignOfficer Assign = new(Id, "officer-wang");

    public static TheoryData<string, string> AllowedStatuses => new()
    {
        { nameof(PetitionStatus.Forwarded), CountyEducation },
        { nameof(PetitionStatus.InHandling), CountyEducation },
        { nameof(PetitionStatus.UnderReview), CityEducation },
        { nameof(PetitionStatus.UnderReReview), ProvinceEducation },
    };

    internal static Story InStatus(string status) => status switch
    {
        nameof(PetitionStatus.Registered) => Story.Submitted(),
        nameof(PetitionStatus.Forwarded) => Story.Submitted().Forwarded(),
        nameof(PetitionStatus.InHandling) => Story.Submitted().Forwarded().Accepted(),
        nameof(PetitionStatus.Replied) => Story.Submitted().Forwarded().Accepted().Replied(),
        nameof(PetitionStatus.UnderReview) => Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested(),
        nameof(PetitionStatus.Reviewed) => Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().Reviewed(),
        nameof(PetitionStatus.UnderReReview) =>
            Story.Submitted().Forwarded().Accepted().Replied().ReviewRequested().Reviewed().ReReviewRequested(),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    [Theory]
    [MemberData(nameof(AllowedStatuses))]
    public void the_current_department_assigns_one_of_its_officers_and_nothing_else_changes(string status, string department)
    {
        var before = InStatus(status);
        var outcome = before.When(Assign, Callers.Officer(department));
        var p = outcome.Leaves(before.Petition.Status, before.Petition.Stage);
        p.AssignedOfficerId.ShouldBe("officer-wang");
        p.Clock.ShouldBe(before.Petition.Clock);
        outcome.Single<OfficerAssigned>().DepartmentId.ShouldBe(department);
    }

    [Theory]
    [InlineData(nameof(PetitionStatus.Registered))]
    [InlineData(nameof(PetitionStatus.Replied))]
    [InlineData(nameof(PetitionStatus.Reviewed))]
    public void no_officer_is_assigned_while_the_petition_waits_for_routing_or_for_the_petitioner(string status) =>
        InStatus(status).When(Assign, Callers.Admin).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_later_assignment_replaces_the_officer() =>
        InStatus(nameof(PetitionStatus.InHandling)).Then(Assign).When(new AssignOfficer(Id, "officer-li"))
            .Succeeds().Petition.AssignedOfficerId.ShouldBe("officer-li");

    [Fact]
    public void the_officer_of_the_handling_agency_is_not_carried_into_the_review() =>
        InStatus(nameof(PetitionStatus.InHandling)).Then(Assign).Replied().ReviewRequested().Petition.AssignedOfficerId.ShouldBeNull();

    [Fact]
    public void a_department_the_petition_has_left_may_not_assign() =>
        InStatus(nameof(PetitionStatus.UnderReview)).When(Assign, Callers.Officer(CountyEducation)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_empty_officer_id_is_a_validation_error() =>
        InStatus(nameof(PetitionStatus.InHandling)).When(new AssignOfficer(Id, " ")).Fails(RuleCode.Validation);
}
