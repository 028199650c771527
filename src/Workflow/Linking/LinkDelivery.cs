using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Linking;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.DeadLetters;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace CaseEngine.Workflow.Linking;

/// <summary>
/// An engine command between two databases (issue 20): the copy a hand-over asks for, sent from the origin's
/// transaction, or a copy's progress reported back, sent from the copy's. It is stored in the Wolverine
/// outbox of the database that sent it, in the same transaction as the events that call for it, so a crash
/// between the two databases loses nothing; its command id is derived from the petition and version it
/// comes from, so a delivery repeated after a crash is answered by the command record and applies once.
/// </summary>
[MessageIdentity(MessageType)]
public sealed record LinkCommand(InternalCommand Command) : ConfidentialRecord
{
    /// <summary>The message type as Wolverine stores it (what the waiting gauge and the docs' query count).</summary>
    public const string MessageType = "caseengine.link-command.v1";

    /// <summary>
    /// How many are waiting in one database (stored in its Wolverine inbox, not yet handled): the one query the
    /// gauge, the docs, the fault run and the tests use.
    /// </summary>
    public static string WaitingSql(string schema) =>
        $"select count(*) from {schema}.wolverine_incoming_envelopes where message_type = '{MessageType}' and status <> 'Handled'";
}

public static class LinkDelivery
{
    /// <summary>
    /// Sends what <paramref name="decision"/> asks of another database, through <paramref name="outbox"/> (the
    /// command's own transaction). The message is kept with the sending database's inbox (its tenant), where
    /// it is also marked done; the handler routes the command to the database that decides it by its id.
    /// </summary>
    internal static async ValueTask SendAsync(IMessageBus outbox, string? sendingProvince, Decision decision)
    {
        var options = new DeliveryOptions { TenantId = sendingProvince };
        if (LinkingDecisions.CopyOf(decision.After, decision.Events) is { } receive)
            await outbox.PublishAsync(new LinkCommand(Of(receive, CommandIdOf("receive", decision.PetitionId, decision.After.Version), decision)), options);
        if (LinkingDecisions.ReportOf(decision.Before, decision.After, decision.Events) is { } report)
            await outbox.PublishAsync(new LinkCommand(Of(report, CommandIdOf("report", decision.PetitionId, report.ToVersion), decision)), options);
    }

    private static InternalCommand Of(Domain.Petitions.IEngineCommand command, Guid commandId, Decision decision) =>
        InternalCommand.Of(new CommandEnvelope(CommandMeta.System(commandId, decision.Record.Id.ToString()), command));

    /// <summary>The same id whenever the same petition's same version asks for the same thing.</summary>
    public static Guid CommandIdOf(string kind, Guid petitionId, int version)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"caseengine.link/{kind}/{petitionId:N}/{version}"), hash);
        return new Guid(hash[..16]);
    }
}

/// <summary>
/// Runs a <see cref="LinkCommand"/> through the one command pipeline, in the database its petition's id names.
/// A database that is down, or a report that arrived before the one it follows (a conflict), is tried again
/// without end, with growing waits: nothing between two databases is dropped or dead-lettered while one of
/// them is away, and it flows when it is back. What is waiting is Wolverine's inbox of the sending database
/// (<c>wolverine_incoming_envelopes</c>, message type <c>caseengine.link-command.v1</c>).
/// </summary>
public static class LinkCommandHandler
{
    public static void Configure(HandlerChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        // A report that arrived before the one it follows: that one is on its way (or was in a killed node's hands
        // and is being recovered), so try again soon and often. Waiting as long as for a database that is down
        // made a chain of k such reports take k × 30 s to drain after a node kill (the fault run's convergence).
        chain.OnException<RuleViolation>(e => e.Code == RuleCode.ConcurrencyConflict, "a report ahead of the one it follows")
            .ScheduleRetryIndefinitely(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        chain.OnAnyException().ScheduleRetryIndefinitely(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
    }

    public static async Task Handle(LinkCommand message, IMessageBus bus, ProvinceDatabases provinces, CommandServices services,
        ILogger<LinkCommand> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await bus.InvokeCommandAsync(provinces, services, message.Command.ToEnvelope(), ct);
        }
        catch (RuleViolation e) when (e.Code is not (RuleCode.ConcurrencyConflict or RuleCode.NotFound))
        {
            // A refusal is the command's answer (it cannot apply, now or later). Ids and codes only, never personal data.
            logger.LogWarning("Link command {Command} {CommandId} on {PetitionId} refused: {Code}",
                message.Command.Name, message.Command.CommandId, message.Command.PetitionId, e.WireCode);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Tried again (Configure). The message carries personal data, so Wolverine logs nothing of it
            // (PersonalDataLogging): this line says which, and why, with ids and the failure's type only.
            logger.LogInformation("Link command {Command} {CommandId} on {PetitionId} not applied yet ({Error}); tried again",
                message.Command.Name, message.Command.CommandId, message.Command.PetitionId,
                e is RuleViolation r ? r.WireCode : e.GetType().Name);
            throw;
        }
    }
}
