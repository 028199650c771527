using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using JasperFx.Events.Daemon;
using Marten;

namespace CaseEngine.Projections.Monitoring;

/// <summary>
/// Rebuild of an async projection from the events: its table is emptied and every event replayed,
/// in the daemon's transactions. For the command line (no daemon running in the process) use the
/// store overload; inside a running host pass its coordinator, so the host's own agent is stopped
/// during the rebuild and restarted after it rather than racing it. With several nodes, run it on
/// the node holding the HotCold lock or with the other nodes' daemons paused.
/// </summary>
public static class ProjectionRebuilds
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static IReadOnlyList<string> Names => ReadSideNames.Rebuildable;

    public static async Task RebuildAsync(IDocumentStore store, string name, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Check(name);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
    }

    public static async Task RebuildAsync(IProjectionCoordinator coordinator, string name, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        Check(name);
        var daemon = coordinator.DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
        // A rebuild in a running host leaves the shard stopped: the projection would fall behind
        // every event after it. Start it again where the rebuild left it.
        if (ReadSideNames.Async.Contains(name))
            await daemon.StartAgentAsync($"{name}:All", ct);
    }

    private static void Check(string name)
    {
        if (!Names.Contains(name))
            throw RuleViolation.Validation($"unknown projection '{name}'; one of: {string.Join(", ", Names)}");
    }
}
