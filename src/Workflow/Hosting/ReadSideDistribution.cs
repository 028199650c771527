using Marten.Storage;
using Wolverine;
using Wolverine.Runtime.Agents;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// How fast Wolverine's leader moves a dead node's work (each province database's projections and
/// subscriptions, its deadline sweep) to the nodes still running. A node writes a heartbeat every
/// <see cref="HeartbeatSeconds"/>; a node whose heartbeat is older than <see cref="StaleAfterSeconds"/>
/// is dropped from the assignment grid on the leader's next check, and its agents are started elsewhere.
/// Wolverine's defaults (10 s heartbeats, 60 s staleness, 30 s assignment checks) move work after
/// 70–100 s; issue 19 asks for 30 s after a SIGKILL. A node paused longer than the staleness (a long
/// GC, a frozen VM) may still run a shard when another node starts it: the read side is written for
/// that overlap (AppliedSequence, the subscriptions' progress checks).
/// </summary>
public static class ReadSideDistribution
{
    public const int HeartbeatSeconds = 2;
    public const int StaleAfterSeconds = 10;
    public const int AssignmentCheckSeconds = 5;

    public static void Apply(WolverineOptions opts)
    {
        opts.Durability.FirstHealthCheckExecution = TimeSpan.FromSeconds(1);
        opts.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(HeartbeatSeconds);
        opts.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(StaleAfterSeconds);
        opts.Durability.CheckAssignmentPeriod = TimeSpan.FromSeconds(AssignmentCheckSeconds);
        // An agent whose start failed on three checks in a row (its province's database down) is withheld by
        // the node for this long before it is offered again; Wolverine's 10 minutes would leave a province
        // without its read side that long after its database came back when no other node can take it.
        opts.Durability.AgentReleaseCooldown = TimeSpan.FromSeconds(ReleaseCooldownSeconds);
    }

    /// <summary>How long a node withholds an agent whose start failed repeatedly (its province database was down).</summary>
    public const int ReleaseCooldownSeconds = 30;

    /// <summary>
    /// A province database as Wolverine names it in its projection agents' URIs,
    /// <c>event-subscriptions://marten/main/{server}.{database}/{shard}</c>: the server's dots written as
    /// <c>!</c> (<c>127!0!0!1.caseengine_340000</c>) so that the one dot parts server from database; lower case.
    /// </summary>
    public static string DatabaseKey(IMartenDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var described = database.Describe();
        return $"{described.ServerName.Replace('.', '!')}.{described.DatabaseName}".ToLowerInvariant();
    }

    /// <summary>The <see cref="DatabaseKey"/> of a projection or subscription agent's URI; null for any other agent.</summary>
    public static string? DatabaseKeyOf(Uri agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.Scheme == EventSubscriptionAgentFamily.SchemeName && agent.Segments.Length > 2
            ? agent.Segments[2].Trim('/').ToLowerInvariant()
            : null;
    }
}
