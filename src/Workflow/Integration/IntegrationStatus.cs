using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Integration;

/// <summary>What an operator watches of the outbox and the broker, as plain values (the metrics and the health check read them).</summary>
/// <param name="Outgoing">messages stored in Wolverine's outbox and not yet sent (engine commands on their way to the durable queue; integration events wait in the log instead: the <c>IntegrationEvents</c> lag)</param>
/// <param name="OldestOutgoing">when the oldest of them was stored, null when none waits</param>
/// <param name="DeadLetters">messages and internal commands that kept failing, kept in the dead-letter table</param>
/// <param name="BrokerConfigured">a broker is configured (<see cref="BrokerSettings"/>)</param>
/// <param name="BrokerReachable">the last page sent to the broker was confirmed (true when none is configured)</param>
public sealed record OutboxCounts(long Outgoing, DateTimeOffset? OldestOutgoing, long DeadLetters, bool BrokerConfigured, bool BrokerReachable);

/// <summary>Reads <see cref="OutboxCounts"/> from Wolverine's message store and the broker's sender; one query.</summary>
public sealed class IntegrationStatus(IWolverineRuntime runtime, CaseEventSender? sender = null)
{
    public async Task<OutboxCounts> ReadAsync()
    {
        var counts = await runtime.Storage.Admin.FetchCountsAsync();
        return new OutboxCounts(counts.Outgoing, counts.OldestOutgoing, counts.DeadLetter, sender is not null, sender?.Reachable ?? true);
    }
}

/// <summary>
/// Registered only with a broker: degraded while the broker cannot be reached. The node still serves
/// every command and query (integration events wait in the log and flow when it returns), so a broker
/// outage does not take it out of the load balancer; the <c>IntegrationEvents</c> lag says how much waits.
/// </summary>
public sealed class BrokerHealthCheck(IntegrationStatus status, CaseEventSender sender) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var counts = await status.ReadAsync();
        var data = new Dictionary<string, object> { ["deadLetters"] = counts.DeadLetters };
        // The last page's confirm, and a connection now: a broker lost while no event waited shows too.
        return counts.BrokerReachable && await sender.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy("broker reachable", data)
            : HealthCheckResult.Degraded("broker unreachable: integration events wait in the log", data: data);
    }
}
