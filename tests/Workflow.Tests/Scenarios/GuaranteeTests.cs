using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class the_workflow_guarantees(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_deadline_due_while_the_host_is_stopped_fires_exactly_once_after_a_new_host_starts()
    {
        var clock = new FakeClock(Shanghai(2025, 3, 3));
        Guid id;
        await using (var first = await Engine.StartAsync(db, clock))
            id = (await first.SubmitAsync()).PetitionId;

        clock.SetUtcNow(Shanghai(2025, 3, 25));                     // routing was due at 00:00 19 March
        await using var second = await Engine.StartAsync(db, clock);
        await second.SweepAsync();
        await second.SweepAsync();
        (await second.StreamAsync(id)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem().Stage.ShouldBe(Stage.Routing);
    }

    [Fact]
    public async Task of_32_concurrent_commands_on_one_version_exactly_one_succeeds_and_the_stream_has_no_gap()
    {
        // Assigning an officer leaves the petition where it is, so the losers' only problem is the version
        // (a forward would move it away and make the losers FORBIDDEN first, as the contract orders the checks).
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id);
        var attempts = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            try
            {
                await engine.SendAsync(new CaseEngine.Workflow.Commands.CommandEnvelope(Engine.As(Officer("340101-EDU"), expectedVersion: 2),
                    new CaseEngine.Domain.Petitions.Handling.AssignOfficer(id, $"officer-{i}")));
                return (RuleCode?)null;
            }
            catch (RuleViolation e)
            {
                return e.Code;
            }
        })).ToList();
        var outcomes = await Task.WhenAll(attempts);

        outcomes.Count(o => o is null).ShouldBe(1);
        outcomes.Where(o => o is not null).ShouldAllBe(o => o == RuleCode.ConcurrencyConflict);
        var stream = await engine.StreamAsync(id);
        stream.Select(e => e.Version).ShouldBe([1L, 2L, 3L]);
    }

    [Fact]
    public async Task a_command_sent_3_times_in_a_row_and_8_times_at_once_appends_once_and_answers_the_same()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        var commandId = Guid.NewGuid();
        CommandEnvelope Same(int? expectedVersion = null) => new(Engine.As(Officer("340101-PO"), expectedVersion, commandId: commandId),
            new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer));

        var first = await engine.SendAsync(Same(1));
        var second = await engine.SendAsync(Same(1));      // expectedVersion is not part of the identity
        var third = await engine.SendAsync(Same());
        first.Repeated.ShouldBeFalse();
        second.Repeated.ShouldBeTrue();
        foreach (var repeat in new[] { second, third })
            repeat.Events.Select(e => (e.Sequence, e.Version, e.Type)).ShouldBe(first.Events.Select(e => (e.Sequence, e.Version, e.Type)));

        var burstId = Guid.NewGuid();
        var accept = new CaseEngine.Workflow.Commands.CommandEnvelope(Engine.As(Officer("340101-EDU"), commandId: burstId),
            new CaseEngine.Domain.Petitions.Handling.AcceptPetition(id));
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => engine.SendAsync(accept))));
        burst.Select(r => r.Events.Single().Sequence).Distinct().ShouldHaveSingleItem();
        burst.Count(r => !r.Repeated).ShouldBeLessThanOrEqualTo(1);
        (await engine.StreamAsync(id)).Select(e => e.EventType.Name).ShouldBe(["PetitionSubmitted", "PetitionForwarded", "PetitionAccepted"]);
    }

    [Fact]
    public async Task a_repeated_submission_returns_the_same_petition_case_number_and_access_code()
    {
        await using var engine = await Engine.StartAsync(db);
        var meta = Engine.As(Citizen);
        var results = new List<CommandResult> { await engine.SubmitAsync(meta: meta), await engine.SubmitAsync(meta: meta) };
        results.AddRange(await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => engine.SubmitAsync(meta: meta)))));
        results.Select(r => (r.PetitionId, r.CaseNumber, r.AccessCode)).Distinct().ShouldHaveSingleItem();
        results.Select(r => r.Events.Single().Sequence).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task the_same_command_id_with_another_input_is_a_validation_error()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        var commandId = Guid.NewGuid();
        await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-PO"), commandId: commandId),
            new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer)));
        var other = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(Officer("340101-PO"), commandId: commandId), new ForwardPetition(id, "340101-GOV", ForwardMode.Transfer))));
        other.Code.ShouldBe(RuleCode.Validation);
        (await engine.StreamAsync(id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task an_access_code_lets_an_anonymous_petitioner_act_and_a_wrong_one_finds_nothing()
    {
        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync(meta: Engine.Anonymously());
        var wrong = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CaseEngine.Workflow.Commands.CommandEnvelope(
            Engine.Anonymously("WRONGCODE123"), new CaseEngine.Domain.Petitions.PetitionerActs.WithdrawPetition(submitted.PetitionId))));
        wrong.Code.ShouldBe(RuleCode.NotFound);
        var withdrawn = await engine.SendAsync(new CaseEngine.Workflow.Commands.CommandEnvelope(
            Engine.Anonymously(submitted.AccessCode), new CaseEngine.Domain.Petitions.PetitionerActs.WithdrawPetition(submitted.PetitionId)));
        withdrawn.Data<PetitionWithdrawn>().By.ShouldBe(Actor.AnonymousPetitioner);
    }
}
