using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.Monitoring;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// A read model whose rows are a function of a petition's whole stream (the inbox, the overdue list): written
/// by <see cref="PetitionStreamsProjection"/> from the streams it folds once for all of them.
/// </summary>
public interface IPetitionRows
{
    /// <summary>The read model's main table, whose <see cref="AppliedSequence"/> mark the pages claim.</summary>
    string ReadModelTable { get; }

    /// <summary>Replace the rows of <paramref name="petitionIds"/> by what their streams say now.</summary>
    /// <param name="newer">a SQL condition every statement must add: false when the page is not newer than what is written</param>
    void Write(IDocumentOperations operations, string schema, Guid[] petitionIds,
        IReadOnlyDictionary<Guid, IReadOnlyList<IPetitionEvent>> streams, string newer);
}

/// <summary>
/// Applies pages of events to the read models whose rows are a function of a petition's whole stream
/// (<see cref="IPetitionRows"/>: inbox, overdue). For each page the daemon hands over, it folds the touched
/// petitions' events up to the page's last sequence (a committed prefix: the daemon never pages beyond the
/// high-water mark) once, and each read model replaces those petitions' rows in the same transaction as the
/// daemon's progress. Rows depend on nothing but the log, so live processing, a retried page and a rebuild
/// all give the same rows.
/// </summary>
/// <remarks>
/// The streams folded so far are kept in memory (up to <see cref="CachedStreams"/>), once for all the read
/// models it writes: pages come in log order, so a petition seen before needs only the page's own events,
/// not its history again (a rebuild otherwise reads every stream about as many times as it has events). When
/// the cache is full, the streams touched longest ago are dropped (a quarter of it at a time): a petition's
/// next event is usually near its last one in the log (at 1,000,000 petitions, half of them within
/// 123,000 events), so the recent streams are the ones worth keeping. Whatever is not contiguous
/// with what is kept — a dropped stream, a retried page, pages another node processed, a rebuild
/// starting over — is read again from the store. One instance serves the daemons of every province
/// database on the node: the kept streams share one budget, and each database's pages have their own gate.
/// </remarks>
public sealed class PetitionStreamsProjection(params IPetitionRows[] readModels) : IProjection
{
    /// <summary>The read models each page is written to, in this order.</summary>
    public IReadOnlyList<IPetitionRows> ReadModels { get; } = readModels.Length > 0
        ? readModels
        : throw new ArgumentException("at least one read model", nameof(readModels));

    /// <summary>How many streams are kept between pages unless configured (CaseEngine:ReadSideCachedStreams).</summary>
    public const int DefaultCachedStreams = 100_000;

    /// <summary>How many streams are kept between pages; 0 keeps none (every page reads its streams).</summary>
    public int CachedStreams { get; init; } = DefaultCachedStreams;

    /// <summary>The kept streams of every province database this node applies pages of (a stream id names its province); locked while touched.</summary>
    private readonly Dictionary<Guid, KeptStream> _streams = [];
    private long _pages;

    /// <summary>
    /// What is per province database: its daemon's pages one at a time, and the last page's ceiling (sequences
    /// are the database's own). One instance of the projection serves every database's daemon: a gate and a
    /// ceiling shared by all of them let one province's hanging database hold up every province's inbox,
    /// and compared sequences of different logs (a federation run stalled the inbox this way).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DatabasePages> _databases = new(StringComparer.Ordinal);

    private sealed class DatabasePages
    {
        // The daemon applies one page at a time; the gate keeps the database's kept streams whole should that ever change.
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public long LastCeiling { get; set; }
    }

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        // Each read model's page span, linked to the traces of the commands behind its events (docs/operations.md,
        // Traces): one per read model, as before they shared the fold, so a trace search by read model still finds it.
        // Started in order (the second nests in the first) and ended in reverse, which restores the current activity.
        var spans = ReadModels.Select(r => ProjectionTracing.StartPage(r.ReadModelTable, events)).ToList();
        var database = operations.Database.Id.Identity;
        var pages = _databases.GetOrAdd(database, _ => new DatabasePages());
        try
        {
            await pages.Gate.WaitAsync(cancellation);
            try
            {
                await ApplyPageAsync(operations, events, database, pages, cancellation);
            }
            finally
            {
                pages.Gate.Release();
            }
        }
        finally
        {
            for (var i = spans.Count - 1; i >= 0; i--)
                spans[i]?.Dispose();
        }
    }

    private async Task ApplyPageAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, string database, DatabasePages pages,
        CancellationToken cancellation)
    {
        if (events.Count == 0)
            return;
        var ceiling = events.Max(e => e.Sequence);
        // Rows replaced from the streams up to the page's last sequence are right unless a later state
        // is already written: two daemons may run this shard at once, and the one behind must not put
        // older rows back. The claim waits for the other's page and says where the rows stand. Every
        // page claims, even one without petition events, so its batch always writes a row (see
        // AppliedSequence: Marten 9.58 otherwise stops the shard for good on an overlap).
        foreach (var readModel in ReadModels)
            AppliedSequence.Claim(operations, readModel.ReadModelTable, ceiling, AppliedSequence.Shard(ReadSideNames.ReadModels));
        var page = events.Where(e => e.Data is IPetitionEvent).GroupBy(e => e.StreamId)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Version).ToList());
        if (page.Count == 0)
            return;

        var missing = new List<Guid>();
        lock (_streams)
        {
            // A page at or below the database's last one is a retry or a rebuild: what is kept of it may be ahead.
            if (events.Min(e => e.Sequence) <= pages.LastCeiling)
                Forget(database);
            pages.LastCeiling = ceiling;
            var pageNumber = ++_pages;
            MakeRoom(page);
            foreach (var (id, pageEvents) in page)
            {
                if (_streams.TryGetValue(id, out var kept) && Contiguous(kept.Events.Count, pageEvents))
                {
                    kept.Events.AddRange(pageEvents.Select(e => (IPetitionEvent)e.Data));
                    kept.Touched = pageNumber;
                }
                else
                {
                    missing.Add(id);
                }
            }
        }
        var streams = new Dictionary<Guid, IReadOnlyList<IPetitionEvent>>();
        List<IEvent> stored = [];
        if (missing.Count > 0)
        {
            stored = [.. await operations.Events.QueryAllRawEvents()
                .Where(e => missing.Contains(e.StreamId) && e.Sequence <= ceiling)
                .OrderBy(e => e.Sequence)
                .ToListAsync(cancellation)];
        }
        lock (_streams)
        {
            foreach (var g in stored.GroupBy(e => e.StreamId))
                _streams[g.Key] = new KeptStream(database, [.. g.OrderBy(e => e.Version).Select(e => (IPetitionEvent)e.Data)]) { Touched = _pages };
            // The lists themselves, no copies: only this database's pages append to them, one at a time behind its
            // gate, and Write folds them before this page releases it; another database's page only drops entries.
            foreach (var id in page.Keys)
                if (_streams.TryGetValue(id, out var kept))
                    streams[id] = kept.Events;
            if (CachedStreams == 0)
                Forget(database);
        }
        var touched = page.Keys.ToArray();
        var schema = operations.DocumentStore.Options.DatabaseSchemaName;
        foreach (var readModel in ReadModels)
            readModel.Write(operations, schema, touched, streams, $"{AppliedSequence.Previous(operations, readModel.ReadModelTable)} < {ceiling}");
    }

    /// <summary>Drops the kept streams of one database (under the lock).</summary>
    private void Forget(string database)
    {
        foreach (var id in _streams.Where(kv => kv.Value.Database == database).Select(kv => kv.Key).ToList())
            _streams.Remove(id);
    }

    /// <summary>
    /// Drops the streams touched longest ago, of any database, so that the page's streams fit: down to three
    /// quarters of the capacity (one budget for every database of the node), so that the sort this takes is
    /// paid once per many pages, not on every page. Under the lock.
    /// </summary>
    private void MakeRoom(Dictionary<Guid, List<IEvent>> page)
    {
        if (_streams.Count + page.Count <= CachedStreams)
            return;
        var keep = Math.Max(0, Math.Min(CachedStreams * 3 / 4, CachedStreams - page.Count));
        if (keep == 0)
        {
            _streams.Clear();
            return;
        }
        // The page's own streams are about to be used: they stay whatever their age.
        var oldest = _streams.Where(kv => !page.ContainsKey(kv.Key)).OrderBy(kv => kv.Value.Touched)
            .Take(_streams.Count - keep).Select(kv => kv.Key).ToList();
        foreach (var id in oldest)
            _streams.Remove(id);
    }

    private sealed class KeptStream(string database, List<IPetitionEvent> events)
    {
        public string Database { get; } = database;
        public List<IPetitionEvent> Events { get; } = events;

        /// <summary>The number of the last page that touched the stream.</summary>
        public long Touched { get; set; }
    }

    /// <summary>The page continues the kept events exactly: versions kept+1, kept+2, …</summary>
    private static bool Contiguous(int kept, List<IEvent> pageEvents)
    {
        for (var i = 0; i < pageEvents.Count; i++)
        {
            if (pageEvents[i].Version != kept + 1 + i)
                return false;
        }
        return true;
    }

    // Npgsql writes timestamptz only from UTC values.
    internal static DateTimeOffset Utc(DateTimeOffset at) => at.ToUniversalTime();

    internal static DateTimeOffset? Utc(DateTimeOffset? at) => at?.ToUniversalTime();
}
