using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_petition_is_submitted
{
    private static SubmitPetition Letter(string region = County, DateTimeOffset? receivedAt = null) =>
        new(Channel.Letter, region, PetitionCategory.ComplaintRequest, "主题", "内容", new PetitionerDetails("李四", null, null, null), receivedAt);

    private static IPetitionEvent[] Submit(SubmitPetition c, Actor by, bool anonymous = false) =>
        Submission.Decide(c, new Allocation(Story.PetitionId, "340101-2025-000001"),
            new DecisionContext(by, Story.Monday, Story.Directory, Story.Clock, Anonymous: anonymous));

    [Fact]
    public void an_online_petition_is_registered_for_routing_at_the_entry_regions_office()
    {
        var story = Story.Submitted(Channel.Wechat);
        var p = story.Petition;
        p.Status.ShouldBe(PetitionStatus.Registered);
        p.Stage.ShouldBe(Stage.Routing);
        p.CurrentDepartmentId.ShouldBe(CountyOffice);
        p.CurrentRegionPath.ShouldBe("000000.340000.340100.340101");
        p.SubmitterId.ShouldBe("citizen-1");
        p.CaseNumber.ShouldBe("340101-2025-000001");
    }

    [Fact]
    public void the_routing_clock_runs_15_days_from_receipt_and_is_due_at_midnight_after_the_last_day()
    {
        // Received Monday 3 March 2025: day 15 is Tuesday 18 March, a working day.
        var due = Story.Submitted().Petition.Clock!.Due;
        due.Stage.ShouldBe(Stage.Routing);
        due.LastDay.ShouldBe(new DateOnly(2025, 3, 18));
        due.DueAt.ShouldBe(new DateTimeOffset(2025, 3, 19, 0, 0, 0, TimeSpan.FromHours(8)));
        due.CalendarVersion.ShouldBe(Story.Clock.Calendar.Version);
        due.Provisional.ShouldBeFalse();
    }

    [Fact]
    public void an_anonymous_online_petition_has_no_submitter()
    {
        var e = Submit(new SubmitPetition(Channel.Website, County, PetitionCategory.Suggestion, "s", "c",
            new PetitionerDetails("王五", null, null, null)), Actor.AnonymousPetitioner, anonymous: true);
        e.OfType<PetitionSubmitted>().Single().SubmitterId.ShouldBeNull();
    }

    [Fact]
    public void a_letter_is_registered_by_the_entry_offices_staff_with_its_arrival_time()
    {
        var arrived = Story.Monday.AddDays(-3);
        var e = Submit(Letter(receivedAt: arrived), Callers.Officer(CountyOffice)).OfType<PetitionSubmitted>().Single();
        e.ReceivedAt.ShouldBe(arrived);
        e.Routing.StartDate.ShouldBe(new DateOnly(2025, 2, 28));
        e.By.ShouldBe(Callers.Officer(CountyOffice));
    }

    [Theory]
    [InlineData("34", "340000-PO")]
    [InlineData("3401", "340100-PO")]
    [InlineData("340101", "340101-PO")]
    public void the_entry_region_may_be_given_in_its_short_forms(string code, string office) =>
        Submit(new SubmitPetition(Channel.MobileApp, code, PetitionCategory.Suggestion, "s", "c", new PetitionerDetails("王五", null, null, null)),
            Callers.Citizen).OfType<PetitionSubmitted>().Single().DepartmentId.ShouldBe(office);

    [Fact]
    public void staff_cannot_register_a_letter_for_another_region() =>
        Should.Throw<RuleViolation>(() => Submit(Letter(OtherCounty), Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Forbidden);

    [Fact]
    public void a_petitioner_cannot_submit_a_letter_through_the_api() =>
        Should.Throw<RuleViolation>(() => Submit(Letter(), Callers.Citizen)).Code.ShouldBe(RuleCode.Forbidden);

    [Fact]
    public void an_anonymous_caller_cannot_register_a_visit() =>
        Should.Throw<RuleViolation>(() => Submit(Letter() with { Channel = Channel.Visit }, Actor.AnonymousPetitioner, anonymous: true))
            .Code.ShouldBe(RuleCode.Unauthenticated);

    [Fact]
    public void an_auditor_cannot_submit() =>
        Should.Throw<RuleViolation>(() => Submit(Letter() with { Channel = Channel.Website }, Callers.Auditor)).Code.ShouldBe(RuleCode.Forbidden);

    [Theory]
    [InlineData("999999")]
    [InlineData("abc")]
    [InlineData("")]
    public void an_unknown_entry_region_is_a_validation_error(string region) =>
        Should.Throw<RuleViolation>(() => Submit(Letter(region), Callers.Admin)).Code.ShouldBe(RuleCode.Validation);

    [Fact]
    public void empty_or_over_long_text_is_a_validation_error()
    {
        Should.Throw<RuleViolation>(() => Submit(Letter() with { Subject = "  " }, Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Validation);
        Should.Throw<RuleViolation>(() => Submit(Letter() with { Subject = new string('x', 201) }, Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Validation);
        Should.Throw<RuleViolation>(() => Submit(Letter() with { Petitioner = new PetitionerDetails("", null, null, null) }, Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Validation);
    }

    [Fact]
    public void received_at_is_refused_on_online_channels_in_the_future_and_beyond_a_year()
    {
        Should.Throw<RuleViolation>(() => Submit(Letter(receivedAt: Story.Monday.AddMinutes(1)), Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Validation);
        Should.Throw<RuleViolation>(() => Submit(Letter(receivedAt: Story.Monday.AddDays(-400)), Callers.Officer(CountyOffice))).Code.ShouldBe(RuleCode.Validation);
        Should.Throw<RuleViolation>(() => Submit(Letter(receivedAt: Story.Monday.AddDays(-1)) with { Channel = Channel.Website }, Callers.Citizen)).Code.ShouldBe(RuleCode.Validation);
    }

    [Fact]
    public void the_error_message_never_carries_the_petitioners_personal_data()
    {
        var violation = Should.Throw<RuleViolation>(() => Submit(Letter() with
        {
            Petitioner = new PetitionerDetails("张三丰", "138-abc", "340101199001011234", "某地"),
        }, Callers.Officer(CountyOffice)));
        violation.Message.ShouldNotContain("张三丰");
        violation.Message.ShouldNotContain("138-abc");
    }
}
