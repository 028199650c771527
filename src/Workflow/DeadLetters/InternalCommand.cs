using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Attributes;

namespace CaseEngine.Workflow.DeadLetters;

/// <summary>
/// An engine command (the System acting: a suspected duplicate, a recount) that failed where it was
/// first run and is handed to the durable <see cref="Queue"/> to be tried again. Wolverine tries it
/// <see cref="Attempts"/> times; one that still fails is kept in Wolverine's dead-letter table with this
/// message, so an ADMIN sees it (<see cref="DeadLetterBox"/>) and can replay it. It keeps the original
/// command id: replayed after it did apply, the command record answers it as a repeat.
/// </summary>
/// <param name="Command">the engine command as JSON (<see cref="EventJson"/>), read back by <paramref name="Name"/></param>
[MessageIdentity("caseengine.internal-command.v1")]
public sealed record InternalCommand(Guid CommandId, string Name, Guid PetitionId, JsonElement Command, string? CorrelationId)
{
    public const string Queue = "internal-commands";
    public const int Attempts = 3;

    private static readonly Dictionary<string, Type> s_types = typeof(IEngineCommand).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IEngineCommand).IsAssignableFrom(t))
        .ToDictionary(CommandEnvelope.NameOf, StringComparer.Ordinal);

    public static InternalCommand Of(CommandEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Command is not IEngineCommand command || envelope.Meta.Caller.Role != Role.System)
            throw new ArgumentException("only the engine's own commands are retried from the queue", nameof(envelope));
        return new InternalCommand(envelope.Meta.CommandId, envelope.Name, command.PetitionId,
            JsonSerializer.SerializeToElement(command, command.GetType(), EventJson.Options), envelope.Meta.CorrelationId);
    }

    public CommandEnvelope ToEnvelope() => new(CommandMeta.System(CommandId, CorrelationId),
        (ICaseCommand)(Command.Deserialize(s_types.TryGetValue(Name, out var type) ? type
            : throw new InvalidOperationException($"{Name} is not an engine command"), EventJson.Options)
            ?? throw new InvalidOperationException("an internal command without its command")));

    /// <summary>Hands <paramref name="envelope"/> to the durable queue (stored at once: it survives a restart).</summary>
    /// <param name="province">the province whose database holds the petition: the queued command is stored with its inbox</param>
    public static ValueTask RetryLaterAsync(IMessageBus bus, string province, CommandEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(bus);
        return bus.EndpointFor(Queue).SendAsync(Of(envelope), new DeliveryOptions { TenantId = province });
    }
}

/// <summary>
/// Runs a queued <see cref="InternalCommand"/> through the one command pipeline. A refusal other than a
/// concurrency conflict is the command's answer (the petition moved on: nothing to retry), logged by
/// code; a conflict or any other failure is thrown, so Wolverine tries again and then dead-letters it.
/// </summary>
public static class InternalCommandHandler
{
    [MaximumAttempts(InternalCommand.Attempts)]
    public static async Task Handle(InternalCommand message, IMessageBus bus, ProvinceDatabases provinces, CommandServices services,
        ILogger<InternalCommand> logger, CancellationToken ct)
    {
        try
        {
            await bus.InvokeCommandAsync(provinces, services, message.ToEnvelope(), ct);
        }
        catch (RuleViolation e) when (e.Code != RuleCode.ConcurrencyConflict)
        {
            // Ids and codes only: never personal data in logs.
            logger.LogWarning("Internal command {Command} {CommandId} on {PetitionId} refused: {Code}",
                message.Name, message.CommandId, message.PetitionId, e.WireCode);
        }
    }
}
