using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

public class when_a_duplicate_is_linked
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly Guid OriginalId = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000002");

    /// <summary>The original, told as its own story and given its own id.</summary>
    private static Petition Original(Func<Story, Story> life) => life(Story.Submitted(at: Moments.At(2, 20))).Petition with { Id = OriginalId };

    private static LinkDuplicate Link => new(Id, OriginalId, "同一人同一事项");

    [Fact]
    public void a_registered_petition_repeating_an_accepted_one_is_merged_into_it()
    {
        var original = Original(s => s.Forwarded().Accepted());
        var outcome = Story.Submitted().AfterDays(1).When(Link, other: original);
        var p = outcome.Leaves(PetitionStatus.Merged, Stage.None);
        p.IsFinal.ShouldBeTrue();
        p.DuplicateOf.ShouldBe(OriginalId);
        p.Clock.ShouldBeNull();
        var e = outcome.Single<DuplicateLinked>();
        // It names the entry bucket it leaves, so statistics count the matter once.
        e.EntryDepartmentId.ShouldBe(CountyOffice);
        e.ReceivedAt.ShouldBe(Story.Monday);
    }

    [Theory]
    [InlineData(nameof(PetitionStatus.Registered))]
    [InlineData(nameof(PetitionStatus.Replied))]
    [InlineData(nameof(PetitionStatus.Closed))]
    [InlineData(nameof(PetitionStatus.Terminated))]
    public void an_original_that_was_neither_declined_nor_withdrawn_takes_the_duplicate(string status)
    {
        var original = Original(s => status switch
        {
            nameof(PetitionStatus.Registered) => s,
            nameof(PetitionStatus.Replied) => s.Forwarded().Accepted().Replied(),
            nameof(PetitionStatus.Closed) => s.Forwarded().Accepted().Replied().Closed(),
            _ => s.Forwarded().Accepted().Replied().ReviewRequested().Reviewed().ReReviewRequested().ReReviewDecided(),
        });
        original.Status.ToString().ShouldBe(status);
        Story.Submitted().When(Link, other: original).Leaves(PetitionStatus.Merged, Stage.None);
    }

    [Fact]
    public void a_declined_original_makes_this_a_new_matter() =>
        Story.Submitted().When(Link, other: Original(s => s.Declined())).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_withdrawn_original_makes_this_a_new_matter() =>
        Story.Submitted().When(Link, other: Original(s => s.Withdrawn())).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_forwarded_petition_is_no_longer_linked() =>
        Story.Submitted().Forwarded().When(Link, Callers.Admin, other: Original(s => s)).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void the_agency_holding_a_petition_does_not_link_it() =>
        Story.Submitted().Forwarded().When(Link, Callers.Officer(CountyEducation), other: Original(s => s)).Fails(RuleCode.InvalidTransition);

    /// <summary>An original at another county's office, which the county office may not read.</summary>
    private static Petition Foreign(Func<Story, Story> life) =>
        life(Story.Submitted(entryRegion: OtherCounty, at: Moments.At(2, 20))).Petition with { Id = OriginalId };

    // Given an original the office may not read, when it links to it, then the answer is the one for a
    // missing petition, whatever the original's state: neither its existence nor its status leaks.
    [Fact]
    public void an_unreadable_open_original_is_not_found() =>
        Story.Submitted().When(Link, other: Foreign(s => s)).Fails(RuleCode.NotFound);

    [Fact]
    public void an_unreadable_withdrawn_original_is_not_found_rather_than_a_new_matter() =>
        Story.Submitted().When(Link, other: Foreign(s => s.Withdrawn())).Fails(RuleCode.NotFound);

    // Given the engine flagged the original on this petition, when the office links to it, then it is
    // merged although the office may not read the original.
    [Fact]
    public void an_unreadable_original_flagged_on_this_petition_takes_the_duplicate() =>
        Story.Submitted()
            .ThenIn(DecisionContext.System(Story.Monday, Story.Directory, Story.Clock), new FlagSuspectedDuplicates(Id, [new(OriginalId, 0.9)]))
            .When(Link, other: Foreign(s => s)).Leaves(PetitionStatus.Merged, Stage.None);

    [Fact]
    public void a_flag_does_not_open_a_withdrawn_original() =>
        Story.Submitted()
            .ThenIn(DecisionContext.System(Story.Monday, Story.Directory, Story.Clock), new FlagSuspectedDuplicates(Id, [new(OriginalId, 0.9)]))
            .When(Link, other: Foreign(s => s.Withdrawn())).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void a_missing_original_is_not_found() =>
        Story.Submitted().When(Link, other: null).Fails(RuleCode.NotFound);

    [Fact]
    public void a_petition_does_not_duplicate_itself() =>
        Story.Submitted().When(new LinkDuplicate(Id, Id), other: Story.Submitted().Petition).Fails(RuleCode.Validation);

    [Fact]
    public void an_office_above_may_read_it_but_only_the_current_office_links() =>
        Story.Submitted().When(Link, Callers.Supervisor(CityOffice), other: Original(s => s)).Fails(RuleCode.Forbidden);
}

public class when_a_suspected_duplicate_is_dismissed
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly Guid CandidateId = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000003");

    private static Story Flagged() => Story.Submitted()
        .ThenIn(DecisionContext.System(Story.Monday, Story.Directory, Story.Clock), new FlagSuspectedDuplicates(Id, [new(CandidateId, 0.8)]));

    private static DismissSuspectedDuplicate Dismiss => new(Id, CandidateId, "不同事项");

    [Fact]
    public void the_current_office_withdraws_the_flag_and_the_engine_does_not_raise_it_again()
    {
        var dismissed = Flagged().When(Dismiss).Succeeds();
        var e = dismissed.Events[^1].ShouldBeOfType<SuspectedDuplicateDismissed>();
        e.CandidatePetitionId.ShouldBe(CandidateId);
        e.By.ShouldBe(Callers.Officer(CountyOffice));
        dismissed.Petition.SuspectedDuplicates.ShouldBeEmpty();
        dismissed.Petition.Status.ShouldBe(PetitionStatus.Registered);
        dismissed.WhenTheSystem(new FlagSuspectedDuplicates(Id, [new(CandidateId, 0.95)])).Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_flag_that_is_not_there_cannot_be_dismissed() =>
        Story.Submitted().When(Dismiss).Fails(RuleCode.InvalidTransition);

    [Fact]
    public void another_office_that_may_not_read_the_petition_finds_nothing() =>
        Flagged().When(Dismiss, Callers.Officer(OtherCountyOffice)).Fails(RuleCode.NotFound);

    [Fact]
    public void an_office_above_may_read_it_but_only_the_current_office_dismisses() =>
        Flagged().When(Dismiss, Callers.Supervisor(CityOffice)).Fails(RuleCode.Forbidden);

    [Fact]
    public void an_auditor_reads_but_does_not_act() =>
        Flagged().When(Dismiss, Callers.Auditor).Fails(RuleCode.Forbidden);
}

/// <summary>Issue 17: every candidate detection found for a petition travels in one engine command.</summary>
public class when_the_engine_flags_suspected_duplicates
{
    private static readonly Guid Id = Story.PetitionId;
    private static readonly Guid First = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000011");
    private static readonly Guid Second = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000012");
    private static readonly Guid Dismissed = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000013");

    [Fact]
    public void each_candidate_not_flagged_or_dismissed_before_gets_its_event_in_the_order_given()
    {
        var story = Story.Submitted()
            .ThenIn(DecisionContext.System(Story.Monday, Story.Directory, Story.Clock), new FlagSuspectedDuplicates(Id, [new(First, 0.9), new(Dismissed, 0.6)]))
            .Then(new DismissSuspectedDuplicate(Id, Dismissed, "不同事项"));
        var events = story.WhenTheSystem(new FlagSuspectedDuplicates(Id, [new(Second, 0.7), new(First, 0.9), new(Dismissed, 0.6), new(Second, 0.7)])).Events;
        events.Select(e => e.ShouldBeOfType<DuplicateSuspected>().CandidatePetitionId).ShouldBe([Second]);
        story.Petition.SuspectedDuplicates.Select(d => d.CandidatePetitionId).ShouldBe([First]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(FlagSuspectedDuplicates.MaxCandidates + 1)]
    public void a_flag_carries_one_to_five_candidates(int count) =>
        Story.Submitted().WhenTheSystem(new FlagSuspectedDuplicates(Id,
            [.. Enumerable.Range(0, count).Select(i => new SuspectedCandidate(Guid.NewGuid(), 0.5))])).Fails(RuleCode.Validation);

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void a_score_is_a_similarity_from_0_to_1(double score) =>
        Story.Submitted().WhenTheSystem(new FlagSuspectedDuplicates(Id, [new(First, score)])).Fails(RuleCode.Validation);

    [Fact]
    public void a_petition_is_not_its_own_candidate() =>
        Story.Submitted().WhenTheSystem(new FlagSuspectedDuplicates(Id, [new(Id, 1)])).Fails(RuleCode.Validation);

    [Fact]
    public void only_the_engine_flags() =>
        Story.Submitted().When(new FlagSuspectedDuplicates(Id, [new(First, 0.9)])).Fails(RuleCode.Forbidden);
}
