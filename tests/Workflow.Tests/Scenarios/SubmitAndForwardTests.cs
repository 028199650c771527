using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class when_a_petition_is_submitted_and_forwarded_through_the_bus(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly Actor CountyOfficer = new("officer-7", Role.Officer, "340101-PO");

    [Fact]
    public async Task the_stream_holds_both_events_with_actor_correlation_causation_and_the_fake_clocks_time()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        submitted.CaseNumber.ShouldNotBeNull().ShouldStartWith("340101-2025-");
        submitted.AccessCode.ShouldNotBeNull().Length.ShouldBe(12);
        submitted.Events.Single().Type.ShouldBe(nameof(PetitionSubmitted));

        engine.Clock.Advance(TimeSpan.FromHours(2));
        var forwardId = Guid.NewGuid();
        var forwarded = await engine.SendAsync(new CommandEnvelope(
            Engine.As(CountyOfficer, expectedVersion: 1, commandId: forwardId) with { CorrelationId = "req-42" },
            new ForwardPetition(submitted.PetitionId, "340101-EDU", ForwardMode.Assign, "请依法处理")));

        forwarded.Version.ShouldBe(2);
        var stored = forwarded.Events.ShouldHaveSingleItem();
        stored.Type.ShouldBe(nameof(PetitionForwarded));
        stored.Sequence.ShouldBeGreaterThan(submitted.Events.Single().Sequence);

        var stream = await engine.StreamAsync(submitted.PetitionId);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PetitionSubmitted), typeof(PetitionForwarded)]);
        var forward = stream[1];
        forward.Timestamp.ShouldBe(engine.Clock.GetUtcNow());
        forward.CorrelationId.ShouldBe("req-42");
        forward.CausationId.ShouldBe(forwardId.ToString());
        forward.Headers.ShouldNotBeNull()[PetitionCommands.CommandIdHeader].ToString().ShouldBe(forwardId.ToString());
        forward.Headers[PetitionCommands.ActorHeader].ToString().ShouldNotBeNull().ShouldContain("officer-7");
        ((PetitionForwarded)forward.Data).By.ShouldBe(CountyOfficer);

        var petition = await engine.PetitionAsync(submitted.PetitionId);
        petition.Status.ShouldBe(PetitionStatus.Forwarded);
        petition.CurrentDepartmentId.ShouldBe("340101-EDU");
        petition.Version.ShouldBe(2);
    }

    [Fact]
    public async Task a_stale_expected_version_fails_with_a_concurrency_conflict_and_appends_nothing()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        var failure = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(CountyOfficer, expectedVersion: 5), new ForwardPetition(submitted.PetitionId, "340101-EDU", ForwardMode.Transfer))));
        failure.Code.ShouldBe(RuleCode.ConcurrencyConflict);
        (await engine.StreamAsync(submitted.PetitionId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_refused_command_appends_nothing_and_says_why()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        var failure = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(CountyOfficer), new ForwardPetition(submitted.PetitionId, "340102-EDU", ForwardMode.Transfer))));
        failure.Code.ShouldBe(RuleCode.InvalidTransition);
        (await engine.StreamAsync(submitted.PetitionId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task case_numbers_count_per_entry_region_and_year()
    {
        await using var engine = await Engine.StartAsync(db);
        var first = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
        var second = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
        var elsewhere = await engine.SubmitAsync(Samples.Complaint(entryRegion: "340103"));
        first.CaseNumber.ShouldBe("340102-2025-000001");
        second.CaseNumber.ShouldBe("340102-2025-000002");
        elsewhere.CaseNumber.ShouldBe("340103-2025-000001");
    }
}
