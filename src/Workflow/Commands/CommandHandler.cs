using CaseEngine.Projections.Monitoring;
using CaseEngine.Workflow.Telemetry;
using Marten;
using Wolverine;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// The one Wolverine handler of every command. Wolverine's transaction middleware hands it a
/// session enrolled in the Marten outbox (messages published in the command's transaction leave
/// only when it commits); <see cref="PetitionCommands.RunAsync"/> decides, writes and commits.
/// </summary>
public static class CommandHandler
{
    public static async Task<CommandResult> Handle(CommandEnvelope command, Envelope envelope, IDocumentSession session, IMessageContext context,
        CommandServices services, CaseEngineMetrics metrics, CancellationToken ct)
    {
        // One message type for all commands: the command's name is the tag that tells them apart on
        // its own span (under Wolverine's execution span; tagging Activity.Current tagged whichever span
        // was current, e.g. Marten's connection), its metrics and the envelope's headers (kept with a dead letter).
        using var span = ProjectionTracing.Source.StartActivity($"{CommandEnvelope.Tag} {command.Name}");
        span?.SetTag(CommandEnvelope.Tag, command.Name);
        envelope.SetMetricsTag(CommandEnvelope.Tag, command.Name);
        envelope.Headers[CommandEnvelope.Tag] = command.Name;
        var started = services.Time.GetTimestamp();
        try
        {
            var result = await PetitionCommands.RunAsync(session, context, services, command, ct);
            var outcome = CaseEngineMetrics.OutcomeOf(result);
            span?.SetTag(CaseEngineMetrics.OutcomeTag, outcome);
            metrics.Command(command.Name, outcome, services.Time.GetElapsedTime(started));
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A refusal is counted under its code (an answer, not an error); anything else as INTERNAL.
            var outcome = CaseEngineMetrics.OutcomeOf(e);
            span?.SetTag(CaseEngineMetrics.OutcomeTag, outcome);
            metrics.Command(command.Name, outcome, services.Time.GetElapsedTime(started));
            throw;
        }
    }
}
