using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.Workflow.Integration;

/// <summary>The publishing subscription, its sender and the broker's health check, registered only when a broker is configured.</summary>
public static class IntegrationSetup
{
    public static void AddPublisher(MartenServiceCollectionExtensions.MartenConfigurationExpression marten,
        IServiceCollection services, BrokerSettings broker)
    {
        ArgumentNullException.ThrowIfNull(marten);
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(broker);
        services.AddSingleton<CaseEventSender>();
        marten.AddSubscriptionWithServices<CaseEventPublisher>(ServiceLifetime.Singleton);
        services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: ["broker"]);
    }
}
