using System.Text.Json;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.DeadLetters;
using CaseEngine.Workflow.Integration;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CaseEngine.Workflow.Tests.DeadLetters;

/// <summary>
/// An engine command that keeps failing is tried again from the durable internal-commands queue, then
/// kept in Wolverine's dead-letter table: counted, listed without its content, and replayed as it was.
/// </summary>
public sealed class when_an_engine_command_keeps_failing(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public void an_engine_command_travels_the_queue_with_its_command_id_and_content()
    {
        var envelope = new CommandEnvelope(CommandMeta.System(Guid.NewGuid(), "corr-1"),
            new FlagSuspectedDuplicates(Guid.NewGuid(), [new(Guid.NewGuid(), 0.93)]));
        var queued = InternalCommand.Of(envelope);
        queued.Name.ShouldBe("flagSuspectedDuplicates");
        var back = queued.ToEnvelope();
        back.Meta.CommandId.ShouldBe(envelope.Meta.CommandId);
        back.Meta.CorrelationId.ShouldBe("corr-1");
        back.Command.ShouldBe(envelope.Command);
        Should.Throw<ArgumentException>(() => InternalCommand.Of(new CommandEnvelope(Engine.As(Scenarios.Steps.Citizen), Samples.Complaint())));
    }

    [Fact]
    public async Task it_is_kept_counted_listed_without_its_content_and_replayed_as_it_was()
    {
        await using var engine = await Engine.StartAsync(db);
        var box = engine.Host.Services.GetRequiredService<DeadLetterBox>();
        var status = engine.Host.Services.GetRequiredService<IntegrationStatus>();
        // A command that fails every time it runs (its content cannot be read as the command it names).
        var commandId = Guid.NewGuid();
        var petitionId = Guid.NewGuid();
        var broken = new InternalCommand(commandId, "flagSuspectedDuplicates", petitionId,
            JsonDocument.Parse("""{"petitionId":"not an id","score":"张三丰 13812345678"}""").RootElement.Clone(), null);
        await engine.Bus.EndpointFor(InternalCommand.Queue).SendAsync(broken);

        var letter = await Poll.UntilAsync(async () => (await box.ListAsync(10, default)).SingleOrDefault(l => l.CommandId == commandId), Bound);
        letter.Command.ShouldBe("flagSuspectedDuplicates");
        letter.PetitionId.ShouldBe(petitionId);
        letter.MessageType.ShouldBe("caseengine.internal-command.v1");
        letter.ExceptionType.ShouldNotBeNullOrWhiteSpace();
        letter.Replayable.ShouldBeFalse();
        // Nothing of its content is shown, only what it was.
        letter.ToString().ShouldNotContain("张三丰");
        (await status.ReadAsync()).DeadLetters.ShouldBe(1);

        (await box.ReplayAsync(letter.Id, default)).ShouldBeTrue();
        (await box.ListAsync(10, default)).Single(l => l.Id == letter.Id).Replayable.ShouldBeTrue();
        // Moved back to its queue, run again with the same message (same command id), failed again, kept again.
        var again = await Poll.UntilAsync(async () => (await box.ListAsync(10, default)).SingleOrDefault(l => l.Id == letter.Id && !l.Replayable), Bound);
        again.CommandId.ShouldBe(commandId);
        (await box.ReplayAsync(Guid.NewGuid(), default)).ShouldBeFalse();
    }
}
