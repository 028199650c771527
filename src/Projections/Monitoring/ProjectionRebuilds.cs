using CaseEngine.Domain;
using CaseEngine.Projections.Duplicates;
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

    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key)</param>
    public static async Task RebuildAsync(IDocumentStore store, string name, TimeSpan? timeout = null, CancellationToken ct = default, DuplicateIndex? duplicateIndex = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Check(name);
        if (name == ReadSideNames.DuplicateIndex)
        {
            // Not a projection of the daemon's: duplicate detection writes it (see DuplicateIndex). Nodes
            // left running keep detecting meanwhile, against an index that is refilling: the rebuild
            // follows the detection's progress until it stands still, so no row or status is lost, but a
            // flag may be missed while it runs.
            await Require(duplicateIndex).RebuildAsync(store, c => DetectionProgressAsync(store, c), ct: ct);
            return;
        }
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
    }

    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key), with the host's <paramref name="store"/></param>
    public static async Task RebuildAsync(IProjectionCoordinator coordinator, string name, TimeSpan? timeout = null, CancellationToken ct = default,
        DuplicateIndex? duplicateIndex = null, IDocumentStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        Check(name);
        var daemon = coordinator.DaemonForMainDatabase();
        if (name == ReadSideNames.DuplicateIndex)
        {
            // This host's detection stops while its index is written again up to where it stood, and goes on from there.
            var index = Require(duplicateIndex);
            var detection = daemon.CurrentAgents().Select(a => a.Name.Identity)
                .FirstOrDefault(n => n.StartsWith($"{ReadSideNames.DuplicateDetection}:", StringComparison.Ordinal));
            if (detection is not null)
                await daemon.StopAgentAsync(detection);
            var host = store ?? throw new ArgumentException("rebuilding the duplicate index needs the host's store", nameof(store));
            await index.RebuildAsync(host, c => DetectionProgressAsync(host, c), ct: ct);
            if (detection is not null)
                await daemon.StartAgentAsync(detection, ct);
            return;
        }
        await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, ct);
        // A rebuild in a running host leaves the shard stopped: the projection would fall behind
        // every event after it. Start it again where the rebuild left it.
        if (ReadSideNames.Async.Contains(name))
            await daemon.StartAgentAsync($"{name}:All", ct);
    }

    private static DuplicateIndex Require(DuplicateIndex? index) =>
        index ?? throw new ArgumentException("rebuilding the duplicate index needs the server's DuplicateIndex (its hash key)", nameof(index));

    /// <summary>How far duplicate detection has written its index (0 when it never ran).</summary>
    private static async Task<long> DetectionProgressAsync(IDocumentStore store, CancellationToken ct) =>
        (await store.Advanced.AllProjectionProgress(token: ct))
            .Where(s => s.ShardName.StartsWith($"{ReadSideNames.DuplicateDetection}:", StringComparison.Ordinal))
            .Select(s => s.Sequence).DefaultIfEmpty(0).Max();

    private static void Check(string name)
    {
        if (!Names.Contains(name))
            throw RuleViolation.Validation($"unknown projection '{name}'; one of: {string.Join(", ", Names)}");
    }
}
