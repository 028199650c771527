using CaseEngine.Domain;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.ReadSide;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Storage;

namespace CaseEngine.Projections.Monitoring;

/// <summary>
/// Rebuild of an async projection from the events: its table is emptied and every event replayed,
/// in the daemon's transactions. For the command line (no daemon running in the process) use the
/// store overload; inside a running host pass its coordinator, so the host's own agent is stopped
/// during the rebuild and restarted after it rather than racing it. With several nodes, run it with
/// the other nodes stopped: the node holding the projection's agent would race it.
/// </summary>
public static class ProjectionRebuilds
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static IReadOnlyList<string> Names => ReadSideNames.Rebuildable;

    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key)</param>
    /// <param name="databasesAtOnce">how many province databases are rebuilt side by side (each from its own log, into its own tables)</param>
    public static Task RebuildAsync(IDocumentStore store, string name, TimeSpan? timeout = null, CancellationToken ct = default, DuplicateIndex? duplicateIndex = null,
        int databasesAtOnce = 1) =>
        RebuildAsync(store, [name], timeout, ct, duplicateIndex, databasesAtOnce);

    /// <summary>
    /// Rebuilds <paramref name="names"/>: in each database the daemon's projections side by side (each
    /// replays the log on its own; together they keep the node's cores and the server busy where one
    /// alone waits on the other), then the duplicate index.
    /// </summary>
    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key)</param>
    /// <param name="databasesAtOnce">how many province databases are rebuilt side by side (each from its own log, into its own tables)</param>
    public static async Task RebuildAsync(IDocumentStore store, IReadOnlyCollection<string> names, TimeSpan? timeout = null, CancellationToken ct = default,
        DuplicateIndex? duplicateIndex = null, int databasesAtOnce = 1)
    {
        ArgumentNullException.ThrowIfNull(store);
        var projections = Check(names);
        // Every province database has its own log and read models: each is rebuilt from its own.
        if (projections.Count > 0)
            await EachAsync(await ProvinceDatabasesAsync(store), databasesAtOnce, ct, async (database, c) =>
            {
                using var daemon = await store.BuildProjectionDaemonAsync(database.TenantIds[0]);
                await Task.WhenAll(projections.Select(name => daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, c)));
            });
        if (names.Contains(ReadSideNames.DuplicateIndex))
        {
            // Not a projection of the daemon's: duplicate detection writes it (see DuplicateIndex). Nodes
            // left running keep detecting meanwhile, against an index that is refilling: the rebuild
            // follows the detection's progress until it stands still, so no row or status is lost, but a
            // flag may be missed while it runs.
            foreach (var database in await ProvinceDatabasesAsync(store))
                await Require(duplicateIndex).RebuildAsync(store, database, c => DetectionProgressAsync(database, c), ct: ct);
        }
    }

    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key), with the host's <paramref name="store"/></param>
    /// <param name="databasesAtOnce">how many province databases are rebuilt side by side (each from its own log, into its own tables)</param>
    public static Task RebuildAsync(IProjectionCoordinator coordinator, string name, TimeSpan? timeout = null, CancellationToken ct = default,
        DuplicateIndex? duplicateIndex = null, IDocumentStore? store = null, int databasesAtOnce = 1) =>
        RebuildAsync(coordinator, [name], timeout, ct, duplicateIndex, store, databasesAtOnce);

    /// <summary>
    /// Rebuilds <paramref name="names"/> in a running host: in each database the daemon's projections side
    /// by side, then the duplicate index.
    /// </summary>
    /// <param name="duplicateIndex">needed for <see cref="ReadSideNames.DuplicateIndex"/> (it hashes with the server's key), with the host's <paramref name="store"/></param>
    /// <param name="databasesAtOnce">how many province databases are rebuilt side by side (each from its own log, into its own tables)</param>
    public static async Task RebuildAsync(IProjectionCoordinator coordinator, IReadOnlyCollection<string> names, TimeSpan? timeout = null, CancellationToken ct = default,
        DuplicateIndex? duplicateIndex = null, IDocumentStore? store = null, int databasesAtOnce = 1)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        var projections = Check(names);
        // Every province database has its own daemon and read models: each is rebuilt from its own log.
        if (projections.Count > 0)
            await EachAsync(await coordinator.AllDaemonsAsync(), databasesAtOnce, ct, async (daemon, c) =>
            {
                await Task.WhenAll(projections.Select(async name =>
                {
                    await daemon.RebuildProjectionAsync(name, timeout ?? DefaultTimeout, c);
                    // A rebuild in a running host leaves the shard stopped: the projection would fall behind
                    // every event after it. Start it again where the rebuild left it.
                    await daemon.StartAgentAsync(AppliedSequence.Shard(name), c);
                }));
            });
        if (names.Contains(ReadSideNames.DuplicateIndex))
        {
            var host = store ?? throw new ArgumentException("rebuilding the duplicate index needs the host's store", nameof(store));
            foreach (var database in await ProvinceDatabasesAsync(host))
                await RebuildIndexAsync(await coordinator.DaemonForDatabase(database.TenantIds[0]), host, database, Require(duplicateIndex), ct);
        }
    }

    /// <summary>
    /// One rebuild per database, <paramref name="atOnce"/> at a time: the databases share nothing, so a
    /// national deployment rebuilds its 31 side by side as far as the node's cores and the servers allow.
    /// </summary>
    private static Task EachAsync<T>(IEnumerable<T> databases, int atOnce, CancellationToken ct, Func<T, CancellationToken, Task> rebuild)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atOnce, 1);
        return Parallel.ForEachAsync(databases, new ParallelOptions { MaxDegreeOfParallelism = atOnce, CancellationToken = ct },
            async (database, c) => await rebuild(database, c));
    }

    private static async Task RebuildIndexAsync(IProjectionDaemon daemon, IDocumentStore host, IMartenDatabase database, DuplicateIndex index, CancellationToken ct)
    {
        {
            // This host's detection stops while its index is written again up to where it stood, and goes on from there.
            // Wolverine starts a stopped shard again at its next assignment check (5 s; ReadSideDistribution), and a
            // detection run by another node is not stopped at all: as in the offline rebuild, the index follows the
            // detection's progress until it stands still, so no row is lost, but a flag may be missed meanwhile.
            var detection = daemon.CurrentAgents().Select(a => a.Name.Identity)
                .FirstOrDefault(n => n.StartsWith($"{ReadSideNames.DuplicateDetection}:", StringComparison.Ordinal));
            if (detection is not null)
                await daemon.StopAgentAsync(detection);
            await index.RebuildAsync(host, database, c => DetectionProgressAsync(database, c), ct: ct);
            if (detection is not null)
                await daemon.StartAgentAsync(detection, ct);
        }
    }

    /// <summary>The province databases of the store (Marten's master table lists them).</summary>
    private static async Task<IReadOnlyList<IMartenDatabase>> ProvinceDatabasesAsync(IDocumentStore store) =>
        [.. (await store.Storage.AllDatabases()).OfType<IMartenDatabase>()];

    private static DuplicateIndex Require(DuplicateIndex? index) =>
        index ?? throw new ArgumentException("rebuilding the duplicate index needs the server's DuplicateIndex (its hash key)", nameof(index));

    /// <summary>How far duplicate detection has written its index (0 when it never ran).</summary>
    private static async Task<long> DetectionProgressAsync(IMartenDatabase database, CancellationToken ct) =>
        (await database.AllProjectionProgress(ct))
            .Where(s => s.ShardName.StartsWith($"{ReadSideNames.DuplicateDetection}:", StringComparison.Ordinal))
            .Select(s => s.Sequence).DefaultIfEmpty(0).Max();

    /// <summary>The daemon's shards <paramref name="names"/> rebuild; VALIDATION for a name the rebuild does not know.</summary>
    private static List<string> Check(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
            if (!Names.Contains(name))
                throw RuleViolation.Validation($"unknown projection '{name}'; one of: {string.Join(", ", Names)}");
        // A read model of the ReadModels shard is rebuilt with the shard: they are applied, and replayed, together.
        return [.. names.Select(ReadSideNames.ShardOf).Distinct(StringComparer.Ordinal).Where(ReadSideNames.Async.Contains)];
    }
}
