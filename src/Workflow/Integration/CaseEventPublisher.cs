using CaseEngine.Domain.Petitions;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;
using Wolverine.Marten.Subscriptions;

namespace CaseEngine.Workflow.Integration;

/// <summary>
/// Publishes every committed case event to the broker. A subscription on the committed log, run by the
/// async daemon like the projections (the feed's rule: a page is handed over only once every lower
/// sequence is committed, so each message carries its final sequence). The bus Wolverine passes is
/// enlisted in this page's Marten session: the messages are stored in Wolverine's outbox table in the
/// same transaction that moves the subscription's progress, and sent after it commits. A crash before
/// the commit replays the page (nothing was stored); after it, the outbox sends what it holds. A broker
/// that is down leaves the messages in the outbox until it returns: at least once, never lost.
/// </summary>
public sealed class CaseEventPublisher : BatchSubscription
{
    public const string Name = "IntegrationEvents";

    public CaseEventPublisher() : base(Name)
    {
        foreach (var type in EventJson.EventTypes)
            IncludeType(type);
    }

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, IMessageBus bus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(bus);
        foreach (var e in page.Events)
        {
            if (e.Data is IPetitionEvent)
                await bus.PublishAsync(CaseEventMessage.From(e));
        }
    }
}
