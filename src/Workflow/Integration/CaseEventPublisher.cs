using CaseEngine.Domain.Petitions;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;

namespace CaseEngine.Workflow.Integration;

/// <summary>
/// Publishes every committed case event to the broker: a subscription on the committed log, run by the
/// async daemon like the projections (the feed's rule: a page is handed over only once every lower
/// sequence is committed, so each message carries its final sequence). A page's messages go to
/// <see cref="CaseEventSender"/>, which returns once the broker has confirmed all of them; only then
/// does the daemon store this subscription's progress. So the log is the outbox: a crash before the
/// progress is stored sends the page again (at least once), a broker that is down holds the
/// subscription at that page until it returns (nothing lost; commands keep committing), and each
/// petition's events first arrive in version order.
/// </summary>
public sealed class CaseEventPublisher : SubscriptionBase
{
    public const string SubscriptionName = "IntegrationEvents";

    private readonly CaseEventSender _sender;

    public CaseEventPublisher(CaseEventSender sender)
    {
        _sender = sender;
        Name = SubscriptionName;
        foreach (var type in EventJson.EventTypes)
            IncludeType(type);
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        // Linked to the traces of the commands behind the page, like every read model's page.
        using var span = CaseEngine.Projections.Monitoring.ProjectionTracing.StartPage(SubscriptionName, page.Events);
        var messages = page.Events.Where(e => e.Data is IPetitionEvent).Select(CaseEventMessage.From).ToList();
        await _sender.SendAsync(messages, cancellationToken);
        return NullChangeListener.Instance;
    }
}
