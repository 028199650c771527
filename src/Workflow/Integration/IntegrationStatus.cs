using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine.Persistence.Durability;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Integration;

/// <summary>What an operator watches of the outbox and the broker, as plain values (the metrics and the health check read them).</summary>
/// <param name="Outgoing">messages stored in the outbox and not yet confirmed by their destination</param>
/// <param name="OldestOutgoing">when the oldest of them was stored, null when none waits</param>
/// <param name="DeadLetters">messages and internal commands that kept failing, kept in the dead-letter table</param>
/// <param name="BrokerConfigured">a broker is configured (<see cref="BrokerSettings"/>)</param>
/// <param name="BrokerReachable">no sender to the broker is paused by a failed send (true when none is configured)</param>
public sealed record OutboxCounts(long Outgoing, DateTimeOffset? OldestOutgoing, long DeadLetters, bool BrokerConfigured, bool BrokerReachable);

/// <summary>Reads <see cref="OutboxCounts"/> from Wolverine's message store and its senders; one query.</summary>
public sealed class IntegrationStatus(IWolverineRuntime runtime, BrokerSettings? broker = null)
{
    public async Task<OutboxCounts> ReadAsync()
    {
        var counts = await runtime.Storage.Admin.FetchCountsAsync();
        return new OutboxCounts(counts.Outgoing, counts.OldestOutgoing, counts.DeadLetter, broker is not null, BrokerReachable());
    }

    private bool BrokerReachable() =>
        broker is null || !runtime.Endpoints.ActiveSendingAgents().Any(a => a.Destination.Scheme == "rabbitmq" && a.Latched);
}

/// <summary>
/// Registered only with a broker: degraded while the broker cannot be reached. The node still serves
/// every command and query (integration events wait in the outbox and flow when it returns), so a
/// broker outage does not take it out of the load balancer; the outgoing count says how much waits.
/// </summary>
public sealed class BrokerHealthCheck(IntegrationStatus status) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var counts = await status.ReadAsync();
        var data = new Dictionary<string, object> { ["outboxWaiting"] = counts.Outgoing, ["deadLetters"] = counts.DeadLetters };
        return counts.BrokerReachable
            ? HealthCheckResult.Healthy("broker reachable", data)
            : HealthCheckResult.Degraded("broker unreachable: integration events wait in the outbox", data: data);
    }
}
