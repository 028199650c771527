using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>access.md: whose inbox, overdue list and statistics a caller reads, and how far they reach.</summary>
public class when_a_department_s_work_queues_are_read
{
    private static bool RollUp(Actor actor, string department, bool includeSubordinates = true, bool anonymous = false) =>
        Jurisdiction.WorkQueueScope(actor, anonymous, Story.Directory.FindDepartment(department)!, Story.Directory, includeSubordinates, "statistics");

    private static RuleCode Refusal(Actor actor, string department, bool anonymous = false) =>
        Should.Throw<RuleViolation>(() => RollUp(actor, department, anonymous: anonymous)).Code;

    // Given an OFFICER of a petition office, when it asks with the defaults, then it is answered for its
    // own department only: it may not read the petitions of the offices and agencies below.
    [Fact]
    public void an_officer_of_a_petition_office_reads_its_own_department_only_whatever_it_asks()
    {
        RollUp(Callers.Officer(CityOffice), CityOffice).ShouldBeFalse();
        RollUp(Callers.Officer(CityOffice), CityOffice, includeSubordinates: false).ShouldBeFalse();
    }

    [Fact]
    public void a_supervisor_rolls_up_its_subtree_when_asked()
    {
        RollUp(Callers.Supervisor(CityOffice), CityOffice).ShouldBeTrue();
        RollUp(Callers.Supervisor(CityOffice), CityOffice, includeSubordinates: false).ShouldBeFalse();
        RollUp(Callers.Supervisor(CityOffice), CountyOffice).ShouldBeTrue();
    }

    [Fact]
    public void a_handling_agency_never_rolls_up() =>
        RollUp(Callers.Admin, CountyEducation).ShouldBeFalse();

    [Fact]
    public void auditors_and_admins_read_any_department() =>
        (RollUp(Callers.Auditor, ProvinceOffice) && RollUp(Callers.Admin, ProvinceOffice)).ShouldBeTrue();

    [Fact]
    public void others_are_refused()
    {
        Refusal(Callers.Officer(CityOffice), CountyOffice).ShouldBe(RuleCode.Forbidden);
        Refusal(Callers.Supervisor(CountyOffice), CityOffice).ShouldBe(RuleCode.Forbidden);
        Refusal(Callers.Supervisor(OtherCityOffice), CountyOffice).ShouldBe(RuleCode.Forbidden);
        Refusal(Callers.Citizen, CountyOffice).ShouldBe(RuleCode.Forbidden);
        Refusal(Actor.AnonymousPetitioner, CountyOffice, anonymous: true).ShouldBe(RuleCode.Unauthenticated);
    }
}

/// <summary>access.md: a repeated command id answers only a caller that may read the petition now.</summary>
public class when_a_command_id_is_repeated
{
    private static readonly Guid Id = Story.PetitionId;

    private static DecisionContext As(Actor actor, bool anonymous = false, bool accessCodeVerified = false) =>
        new(actor, Story.Monday, Story.Directory, Story.Clock, anonymous, accessCodeVerified);

    [Fact]
    public void the_same_sub_in_another_department_finds_nothing()
    {
        var petition = Story.Submitted().Petition;
        var command = new ReclassifyPetition(Id, PetitionCategory.Suggestion, "属于意见建议");
        Jurisdiction.EnsureMayHearRepeat(command, petition, As(new Actor("officer-wang", Role.Officer, CountyOffice)));
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayHearRepeat(command, petition, As(new Actor("officer-wang", Role.Officer, OtherCountyOffice))))
            .Code.ShouldBe(RuleCode.NotFound);
    }

    [Fact]
    public void an_access_code_act_is_answered_only_with_the_right_access_code()
    {
        var petition = Story.Submitted().Petition;
        var command = new WithdrawPetition(Id, "已解决");
        Jurisdiction.EnsureMayHearRepeat(command, petition, As(Actor.AnonymousPetitioner, anonymous: true, accessCodeVerified: true));
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayHearRepeat(command, petition, As(Actor.AnonymousPetitioner, anonymous: true)))
            .Code.ShouldBe(RuleCode.NotFound);
    }
}

/// <summary>access.md, Personal data: what each caller sees of the petitioner.</summary>
public class when_the_petitioner_s_personal_data_is_read
{
    private static PersonalDataView ViewOf(Petition p, Actor actor, bool anonymous = false, bool accessCode = false) =>
        Jurisdiction.PersonalDataViewOf(p, actor, Story.Directory, Jurisdiction.IsOwnView(p, actor, anonymous, accessCode));

    [Fact]
    public void the_petitioner_and_the_handling_departments_see_it_in_clear_others_masked()
    {
        var p = Story.Submitted().Forwarded().Petition;
        ViewOf(p, Callers.Citizen).ShouldBe(PersonalDataView.Clear);
        ViewOf(p, Actor.AnonymousPetitioner, anonymous: true, accessCode: true).ShouldBe(PersonalDataView.Clear);
        ViewOf(p, Callers.Officer(CountyOffice)).ShouldBe(PersonalDataView.Clear);
        ViewOf(p, Callers.Officer(CountyEducation)).ShouldBe(PersonalDataView.Clear);
        ViewOf(p, Callers.Admin).ShouldBe(PersonalDataView.Clear);
        ViewOf(p, Callers.Supervisor(CityOffice)).ShouldBe(PersonalDataView.Masked);
        ViewOf(p, Callers.Auditor).ShouldBe(PersonalDataView.Masked);
        ViewOf(p, Callers.OtherCitizen).ShouldBe(PersonalDataView.Masked);
    }

    [Fact]
    public void an_accuser_is_hidden_from_every_handling_agency()
    {
        var p = Story.Submitted(category: PetitionCategory.ReportAccusation).Forwarded().Petition;
        ViewOf(p, Callers.Officer(CountyEducation)).ShouldBe(PersonalDataView.Hidden);
        ViewOf(p, Callers.Officer(CountyOffice)).ShouldBe(PersonalDataView.Clear);
    }
}

/// <summary>access.md: who follows the event feed, and how far.</summary>
public class when_the_event_feed_is_followed
{
    [Fact]
    public void anonymous_callers_and_petitioners_do_not_follow_it()
    {
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayFollowFeed(Actor.AnonymousPetitioner, anonymous: true)).Code.ShouldBe(RuleCode.Unauthenticated);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayFollowFeed(Callers.Citizen, anonymous: false)).Code.ShouldBe(RuleCode.Forbidden);
        Jurisdiction.EnsureMayFollowFeed(Callers.Auditor, anonymous: false);
    }

    [Fact]
    public void an_integrator_with_a_department_follows_its_region_subtree_and_staff_what_they_may_read()
    {
        Jurisdiction.FeedScopePath(new Actor("i", Role.Integrator, CityEducation), Story.Directory).ShouldEndWith("340100");
        Jurisdiction.FeedScopePath(new Actor("i", Role.Integrator, null), Story.Directory).ShouldBeNull();
        var p = Story.Submitted().Petition;
        Jurisdiction.MayFollow(p, Callers.Officer(CountyOffice), false, Story.Directory).ShouldBeTrue();
        Jurisdiction.MayFollow(p, Callers.Officer(OtherCountyOffice), false, Story.Directory).ShouldBeFalse();
    }
}

/// <summary>
/// access.md: a caller who may not read a petition gets NOT_FOUND whatever it sends. A command's input
/// was checked before the read right (e.g. forwardPetition's target department): malformed input to
/// another department's petition answered VALIDATION, so the answer told an existing petition from none.
/// </summary>
public class when_a_caller_who_may_not_read_the_petition_sends_malformed_input
{
    private static readonly Guid Id = Story.PetitionId;
    private const string NoSuchDepartment = "999999-XX";
    private static readonly string TooLong = new('长', 5_000);

    public static TheoryData<string, IPetitionCommand> Commands() => new()
    {
        { "forward", new ForwardPetition(Id, NoSuchDepartment, ForwardMode.Transfer, TooLong) },
        { "transfer", new TransferLevel(Id, NoSuchDepartment, "") },
        { "decline", new DeclinePetition(Id, "") },
        { "return", new ReturnPetition(Id, "") },
        { "reclassify", new ReclassifyPetition(Id, PetitionCategory.ComplaintRequest, "") },
        { "assign", new CaseEngine.Domain.Petitions.Handling.AssignOfficer(Id, "") },
        { "extend", new CaseEngine.Domain.Petitions.Handling.ExtendDeadline(Id, -3, "") },
        { "hearing", new CaseEngine.Domain.Petitions.Handling.StartHearing(Id, "") },
        { "conclude", new CaseEngine.Domain.Petitions.Handling.ConcludeHearing(Id, "") },
        { "reply", new CaseEngine.Domain.Petitions.Handling.IssueReply(Id, ReplyDecision.Supported, "") },
        { "supervise", new CaseEngine.Domain.Petitions.Supervising.SupervisePetition(Id, "", Story.Monday.AddDays(-30)) },
        { "respond", new CaseEngine.Domain.Petitions.Supervising.RespondToSupervision(Id, "", "") },
        { "decide review", new CaseEngine.Domain.Petitions.Reviewing.DecideReview(Id, ReviewOutcome.Upheld, "") },
        { "decide re-review", new CaseEngine.Domain.Petitions.Reviewing.DecideReReview(Id, ReviewOutcome.Upheld, "") },
        { "dismiss flag", new CaseEngine.Domain.Petitions.Duplicates.DismissSuspectedDuplicate(Id, Guid.Empty, TooLong) },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void another_department_s_officer_gets_not_found_not_validation(string act, IPetitionCommand command)
    {
        var outcome = Story.Submitted().Forwarded().When(command, by: Callers.Officer(OtherCityOffice));
        (outcome.Failure?.Code).ShouldBe(RuleCode.NotFound, $"{act}: {outcome.Failure?.Message ?? "succeeded"}");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void another_region_s_supervisor_gets_not_found_not_validation(string act, IPetitionCommand command)
    {
        var outcome = Story.Submitted().Forwarded().When(command, by: Callers.Supervisor(OtherCityOffice));
        (outcome.Failure?.Code).ShouldBe(RuleCode.NotFound, $"{act}: {outcome.Failure?.Message ?? "succeeded"}");
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("review")]
    [InlineData("withdraw")]
    public void another_citizen_gets_not_found_not_validation(string act)
    {
        IPetitionCommand command = act switch
        {
            "evaluate" => new EvaluatePetition(Id, Satisfaction.Satisfied, TooLong),
            "review" => new CaseEngine.Domain.Petitions.Reviewing.RequestReview(Id, ""),
            _ => new WithdrawPetition(Id, TooLong),
        };
        var outcome = Story.Submitted().Forwarded().Accepted().Replied().When(command, by: Callers.OtherCitizen);
        (outcome.Failure?.Code).ShouldBe(RuleCode.NotFound, $"{act}: {outcome.Failure?.Message ?? "succeeded"}");
    }
}
