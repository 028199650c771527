using CaseEngine.Domain.Petitions;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>access.md: a work queue request is refused in the contract's order, UNAUTHENTICATED, VALIDATION, FORBIDDEN.</summary>
public class when_a_work_queue_is_asked_for
{
    private static RuleCode Refusal(Actor actor, string department, bool anonymous = false, Action? validate = null) =>
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureWorkQueue(actor, anonymous, department, Story.Directory, "inbox", validate: validate)).Code;

    // Given no token, when an unknown department is asked with bad arguments, then the caller learns only that it needs a token.
    [Fact]
    public void without_a_token_nothing_else_is_checked() =>
        Refusal(Actor.AnonymousPetitioner, "nowhere", anonymous: true, validate: () => throw RuleViolation.Validation("first")).ShouldBe(RuleCode.Unauthenticated);

    [Fact]
    public void an_unknown_department_and_bad_arguments_are_validation_before_the_right_is_checked()
    {
        Refusal(Callers.Officer(CountyOffice), "nowhere").ShouldBe(RuleCode.Validation);
        Refusal(Callers.Officer(CountyOffice), OtherCountyOffice, validate: () => throw RuleViolation.Validation("first")).ShouldBe(RuleCode.Validation);
        Refusal(Callers.Officer(CountyOffice), OtherCountyOffice).ShouldBe(RuleCode.Forbidden);
    }

    [Fact]
    public void an_allowed_caller_gets_the_department_and_whether_it_rolls_up()
    {
        var (department, rollUp) = Jurisdiction.EnsureWorkQueue(Callers.Supervisor(CityOffice), false, CountyOffice, Story.Directory, "overdue list", includeSubordinates: true);
        department.Id.ShouldBe(CountyOffice);
        rollUp.ShouldBeTrue();
        Jurisdiction.EnsureWorkQueue(Callers.Officer(CountyOffice), false, CountyOffice, Story.Directory, "overdue list", includeSubordinates: true).RollUp.ShouldBeFalse();
    }
}

/// <summary>access.md: what the petitioner's own view leaves out, and who reads with an access code.</summary>
public class when_the_petitioner_reads_its_own_petition
{
    // Given a petition forwarded and accepted, when its petitioner reads the history, then every step it took
    // or was told of shows, and an officer's assignment (the office's internal work) does not.
    [Fact]
    public void the_offices_internal_work_is_left_out()
    {
        Story.Submitted().Forwarded().Accepted().Events.ShouldAllBe(e => !Jurisdiction.IsInternal(e));
        Jurisdiction.IsInternal(new OfficerAssigned(Story.PetitionId, "e-1", CountyEducation, "000000.340000.340100.340101",
            Callers.Officer(CountyEducation), Story.Monday)).ShouldBeTrue();
    }

    [Fact]
    public void staff_actors_and_request_ids_are_not_shown_to_it()
    {
        Jurisdiction.ActorAsSeen(Callers.Officer(CountyOffice), ownView: true).ShouldBeNull();
        Jurisdiction.ActorAsSeen(Callers.Citizen, ownView: true).ShouldBe(Callers.Citizen);
        Jurisdiction.ActorAsSeen(Actor.System(), ownView: true).ShouldNotBeNull();
        Jurisdiction.ActorAsSeen(Callers.Officer(CountyOffice), ownView: false).ShouldBe(Callers.Officer(CountyOffice));
        Jurisdiction.ShowsMetadata(ownView: true).ShouldBeFalse();
        Jurisdiction.ShowsMetadata(ownView: false).ShouldBeTrue();
    }

    // Given an officer who knows a case number and its access code, when it tracks the petition, then it reads
    // as the anonymous petitioner, not with its office's rights.
    [Fact]
    public void tracking_with_the_access_code_reads_as_the_petitioner_whoever_asks()
    {
        Jurisdiction.TrackingCaller(Callers.Officer(CountyOffice), anonymous: false).ShouldBe((Actor.AnonymousPetitioner, true));
        Jurisdiction.TrackingCaller(Callers.Admin, anonymous: false).ShouldBe((Actor.AnonymousPetitioner, true));
        Jurisdiction.TrackingCaller(Callers.Citizen, anonymous: false).ShouldBe((Callers.Citizen, false));
    }

    [Fact]
    public void the_submitter_holds_the_access_code_just_issued_only_as_a_petitioner()
    {
        Jurisdiction.SubmitterHoldsAccessCode(Callers.Citizen).ShouldBeTrue();
        Jurisdiction.SubmitterHoldsAccessCode(Callers.Admin).ShouldBeFalse();
    }

    [Fact]
    public void masking_keeps_the_first_character_of_the_name_and_the_ends_of_the_phone()
    {
        var details = new PetitionerDetails("张三丰", "13812345678", "340101199001011234", "示范市1县1镇1");
        Masking.Apply(details, PersonalDataView.Clear).ShouldBe(details);
        Masking.Apply(details, PersonalDataView.Masked).ShouldBe(new PetitionerDetails("张*", "138****5678", null, null));
        Masking.Apply(details, PersonalDataView.Hidden).ShouldBe(new PetitionerDetails("***", null, null, null));
    }
}

/// <summary>access.md: the event log's scopes and the audit records.</summary>
public class when_the_log_and_its_audit_records_are_read
{
    [Fact]
    public void a_region_scope_holds_its_own_path_and_the_paths_below_only()
    {
        Jurisdiction.InRegionScope("000000.340000.340100", "000000.340000.340100").ShouldBeTrue();
        Jurisdiction.InRegionScope("000000.340000.340100.340101", "000000.340000.340100").ShouldBeTrue();
        Jurisdiction.InRegionScope("000000.340000.3401001", "000000.340000.340100").ShouldBeFalse();
        Jurisdiction.InRegionScope("000000.340000", "000000.340000.340100").ShouldBeFalse();
    }

    [Fact]
    public void only_integrators_are_limited_to_their_feed_scope()
    {
        Jurisdiction.IsFeedScoped(Callers.Integrator).ShouldBeTrue();
        Jurisdiction.IsFeedScoped(Callers.Auditor).ShouldBeFalse();
        Jurisdiction.IsFeedScoped(Callers.Admin).ShouldBeFalse();
    }

    [Fact]
    public void the_personal_data_access_log_is_for_auditors_and_admins()
    {
        Jurisdiction.EnsureMayReadAccessLog(Callers.Auditor, anonymous: false);
        Jurisdiction.EnsureMayReadAccessLog(Callers.Admin, anonymous: false);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayReadAccessLog(Actor.AnonymousPetitioner, anonymous: true)).Code.ShouldBe(RuleCode.Unauthenticated);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayReadAccessLog(Callers.Supervisor(CityOffice), anonymous: false)).Code.ShouldBe(RuleCode.Forbidden);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayReadAccessLog(Callers.Integrator, anonymous: false)).Code.ShouldBe(RuleCode.Forbidden);
    }

    [Fact]
    public void dead_letters_are_listed_and_replayed_by_admins_only()
    {
        Jurisdiction.EnsureMayManageDeadLetters(Callers.Admin, anonymous: false);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayManageDeadLetters(Actor.AnonymousPetitioner, anonymous: true)).Code.ShouldBe(RuleCode.Unauthenticated);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayManageDeadLetters(Callers.Auditor, anonymous: false)).Code.ShouldBe(RuleCode.Forbidden);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayManageDeadLetters(Callers.Integrator, anonymous: false)).Code.ShouldBe(RuleCode.Forbidden);
    }

    [Fact]
    public void the_broker_carries_what_the_feed_shows_an_integrator_without_a_department()
    {
        foreach (var p in new[] { Story.Submitted().Forwarded().Petition, Story.Submitted(category: PetitionCategory.ReportAccusation).Forwarded().Petition })
            Jurisdiction.PersonalDataViewOf(p, Callers.Integrator, Story.Directory, ownView: false).ShouldBe(Jurisdiction.IntegrationEventView);
        Jurisdiction.IntegrationEventView.ShouldBe(PersonalDataView.Masked);
    }

    [Fact]
    public void chains_are_verified_by_auditors_and_admins_and_roots_followed_by_integrators_too()
    {
        Jurisdiction.EnsureMayAudit(Callers.Auditor, false, "verify");
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayAudit(Callers.Integrator, false, "verify")).Code.ShouldBe(RuleCode.Forbidden);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayAudit(Actor.AnonymousPetitioner, true, "verify")).Code.ShouldBe(RuleCode.Unauthenticated);
        Jurisdiction.EnsureMayFollowRoots(Callers.Integrator, false);
        Jurisdiction.EnsureMayFollowRoots(Callers.Auditor, false);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayFollowRoots(Callers.Officer(CountyOffice), false)).Code.ShouldBe(RuleCode.Forbidden);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayFollowRoots(Actor.AnonymousPetitioner, true)).Code.ShouldBe(RuleCode.Unauthenticated);
    }

    [Fact]
    public void situation_analysis_is_for_the_supervisors_of_a_subtree_auditors_and_admins()
    {
        Jurisdiction.CanAnalyse(Callers.Supervisor(CityOffice), Story.Directory, County).ShouldBeTrue();
        Jurisdiction.CanAnalyse(Callers.Supervisor(CountyOffice), Story.Directory, City).ShouldBeFalse();
        Jurisdiction.CanAnalyse(Callers.Officer(CityOffice), Story.Directory, City).ShouldBeFalse();
        Jurisdiction.CanAnalyse(Callers.Auditor, Story.Directory, Province).ShouldBeTrue();
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayAnalyse(null, true, Story.Directory, "nowhere")).Code.ShouldBe(RuleCode.Unauthenticated);
        Should.Throw<RuleViolation>(() => Jurisdiction.EnsureMayAnalyse(Callers.Admin, false, Story.Directory, "nowhere")).Code.ShouldBe(RuleCode.Validation);
    }
}

/// <summary>domain.md: the stages at which a staff department must act make the inbox.</summary>
public class when_a_stage_is_classified
{
    [Theory]
    [InlineData(Stage.Routing, true)]
    [InlineData(Stage.Acceptance, true)]
    [InlineData(Stage.Handling, true)]
    [InlineData(Stage.Review, true)]
    [InlineData(Stage.ReReview, true)]
    [InlineData(Stage.ReviewWindow, false)]
    [InlineData(Stage.ReReviewWindow, false)]
    [InlineData(Stage.SupervisionResponse, false)]
    [InlineData(Stage.Evaluation, false)]
    [InlineData(Stage.None, false)]
    public void staff_stages_are_the_main_line_stages_of_the_offices_not_the_petitioner_s_windows(Stage stage, bool staff) =>
        stage.IsStaffStage().ShouldBe(staff);
}

/// <summary>Who may read the schema itself (introspection).</summary>
public class when_the_schema_is_introspected
{
    // Given a deployment outside Development, when each caller asks for the schema, then only ADMIN gets it;
    // in Development everyone does (GraphiQL).
    [Fact]
    public void only_admin_outside_development_and_everyone_in_development()
    {
        Jurisdiction.MayIntrospect(Callers.Admin, development: false).ShouldBeTrue();
        foreach (var caller in new[] { Callers.Officer(CountyOffice), Callers.Supervisor(CityOffice), Actor.AnonymousPetitioner })
        {
            Jurisdiction.MayIntrospect(caller, development: false).ShouldBeFalse(caller.Role.ToString());
            Jurisdiction.MayIntrospect(caller, development: true).ShouldBeTrue(caller.Role.ToString());
        }
    }
}
