using CaseEngine.Domain.Petitions;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Wolverine;
using Wolverine.Marten;
using Wolverine.RabbitMQ;
using Wolverine.Runtime.Serialization;

namespace CaseEngine.Workflow.Integration;

/// <summary>The broker, its exchange and the publisher, registered only when a broker is configured.</summary>
public static class IntegrationSetup
{
    /// <summary>Inside <c>UseWolverine</c>: the connection and the topic exchange, sent to through the durable outbox.</summary>
    public static void ConfigureWolverine(WolverineOptions opts, BrokerSettings broker)
    {
        ArgumentNullException.ThrowIfNull(opts);
        ArgumentNullException.ThrowIfNull(broker);
        opts.UseRabbitMq(factory =>
            {
                factory.HostName = broker.Host!;
                factory.Port = broker.EffectivePort;
                factory.VirtualHost = broker.VirtualHost;
                if (!string.IsNullOrWhiteSpace(broker.UserName))
                    factory.UserName = broker.UserName;
                if (!string.IsNullOrWhiteSpace(broker.Password))
                    factory.Password = broker.Password;
                if (broker.Tls)
                    factory.Ssl = new SslOption(broker.TlsServerName ?? broker.Host!) { Enabled = true };
                factory.ClientProvidedName = "caseengine";
            })
            // Declares the exchange (never a queue: the integrators own theirs).
            .AutoProvision()
            // Each publish waits for the broker's confirm: a message leaves the outbox only once the broker has it.
            .ConfigureChannelCreation(channel =>
            {
                channel.PublisherConfirmationsEnabled = true;
                channel.PublisherConfirmationTrackingEnabled = true;
            })
            // CaseEngine only publishes: no reply queue, no dead-letter queue of Wolverine's on the broker.
            .DisableSystemRequestReplyQueueDeclaration()
            .DisableDeadLetterQueueing()
            .UseSenderConnectionOnly();
        opts.PublishMessagesToRabbitMqExchange<CaseEventMessage>(broker.Exchange, m => m.RoutingKey)
            .UseDurableOutbox()
            // The wire format is the feed's JSON (camelCase, enums as the contract's names), not Wolverine's defaults.
            .DefaultSerializer(new SystemTextJsonSerializer(new System.Text.Json.JsonSerializerOptions(EventJson.Options)));
    }

    /// <summary>The subscription that fills the outbox, the settings for the status, and the broker's health check.</summary>
    public static void AddPublisher(MartenServiceCollectionExtensions.MartenConfigurationExpression marten,
        IServiceCollection services, BrokerSettings broker)
    {
        ArgumentNullException.ThrowIfNull(marten);
        ArgumentNullException.ThrowIfNull(services);
        marten.SubscribeToEvents(new CaseEventPublisher());
        services.AddSingleton(broker);
        services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: ["broker"]);
    }
}
