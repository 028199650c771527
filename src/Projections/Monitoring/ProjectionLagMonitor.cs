using System.Diagnostics.Metrics;
using CaseEngine.Projections.ReadSide;
using JasperFx.Events;
using Marten;
using Marten.Storage;
using Npgsql;

namespace CaseEngine.Projections.Monitoring;

public sealed class ProjectionMonitorOptions
{
    /// <summary>A projection behind the head of the log that has not advanced for this long is stalled.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A projection whose oldest unprocessed event is older than this is reported Degraded (still ready: it advances).</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Subscriptions that wait on a system outside the database (the broker's publisher): stalled, they
    /// make the node Degraded, not unready, since the node still serves every command and query and
    /// taking every node out of the load balancer because a downstream system is down helps no one.
    /// </summary>
    public ISet<string> WaitOnOutsideSystems { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>How often the background sampler refreshes the gauges (real time).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <param name="Head">the furthest committed position: max(high-water mark, largest committed sequence)</param>
/// <param name="Behind">events between <paramref name="Head"/> and the projection's progress</param>
/// <param name="AgeSeconds">age of the oldest event the projection has not processed (0 when caught up)</param>
/// <param name="Stalled">behind, and not advancing for longer than <see cref="ProjectionMonitorOptions.StallAfter"/></param>
/// <param name="Province">the province database whose log this is (each has its own daemon and positions)</param>
public sealed record ProjectionLag(
    string Projection, long HighWaterMark, long Head, long Progress, long Behind, double AgeSeconds,
    DateTimeOffset LastAdvancedAt, bool Stalled, string Province);

/// <summary>
/// Measures the lag of every shard the daemon runs (async projections and subscriptions) from the database (so every node sees
/// the same, whichever node runs the daemon): the daemon's high-water mark, the largest committed
/// sequence (so a dead high-water agent cannot hide a stall) and each projection's progress.
/// Publishes two gauges per projection on the meter <see cref="MeterName"/>:
/// <c>caseengine.projection.lag</c> (events) and <c>caseengine.projection.lag.age</c> (seconds).
/// Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class ProjectionLagMonitor : IDisposable
{
    public const string MeterName = "CaseEngine.Projections";
    public const string LagInstrument = "caseengine.projection.lag";
    public const string AgeInstrument = "caseengine.projection.lag.age";

    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ProjectionMonitorOptions _options;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Province, string Projection), (long Progress, DateTimeOffset At)> _advanced = new();
    private readonly OnePerProvince _samples = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyList<ProjectionLag> _latest = [];

    public ProjectionLagMonitor(IDocumentStore store, TimeProvider time, ProjectionMonitorOptions options, IMeterFactory? meters = null)
    {
        _store = store;
        _time = time;
        _options = options;
        Meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableGauge(LagInstrument,
            () => _latest.Select(l => new Measurement<long>(l.Behind, new("projection", l.Projection), new("province", l.Province))),
            unit: "{event}", description: "events committed but not yet processed by the projection");
        Meter.CreateObservableGauge(AgeInstrument,
            () => _latest.Select(l => new Measurement<double>(l.AgeSeconds, new("projection", l.Projection), new("province", l.Province))),
            unit: "s", description: "age of the oldest event the projection has not processed");
    }

    public Meter Meter { get; }

    public ProjectionMonitorOptions Options => _options;

    /// <summary>The last sample (what the gauges report).</summary>
    public IReadOnlyList<ProjectionLag> Latest => _latest;

    /// <summary>How long a sample waits for one province database.</summary>
    public static readonly TimeSpan ProvinceBound = TimeSpan.FromSeconds(2);

    private readonly Lock _joining = new();
    private Task<IReadOnlyList<ProjectionLag>>? _joinable;

    /// <summary>
    /// For <c>/health</c>, which anyone may call often: joins a sample another probe has under way rather
    /// than queuing behind it, so a burst of probes costs one sample, not one each in turn.
    /// </summary>
    public Task<IReadOnlyList<ProjectionLag>> SampleOrJoinAsync(CancellationToken ct = default)
    {
        lock (_joining)
        {
            if (_joinable is not { IsCompleted: false })
                _joinable = SampleAsync(CancellationToken.None);
            return _joinable.WaitAsync(ct);
        }
    }

    /// <summary>Reads the positions now and updates the gauges and the stall tracking.</summary>
    public async Task<IReadOnlyList<ProjectionLag>> SampleAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            // The provinces side by side, each within ProvinceBound: one whose database is down or hangs keeps
            // its last sample (its health shows it down) and holds up none of the others' gauges.
            var previous = _latest;
            var databases = (await _store.Storage.AllDatabases()).OfType<IMartenDatabase>();
            var samples = await Task.WhenAll(databases.SelectMany(d => d.TenantIds.Select(p => (Database: d, Province: p))).Select(async x =>
            {
                try
                {
                    // One sample per province in flight: /health samples too, and each sample of a hanging
                    // database would otherwise leave a connect behind it for Npgsql's 15 s.
                    List<ProjectionLag>? sampled = null;
                    return await _samples.TryRunAsync(x.Province, ProvinceBound, async () => sampled = await SampleAsync(x.Database, x.Province, CancellationToken.None), ct)
                        ? sampled! : [.. previous.Where(l => l.Province == x.Province)];
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
                {
                    return [.. previous.Where(l => l.Province == x.Province)];
                }
            }));
            var lags = samples.SelectMany(l => l).ToList();
            _latest = lags;
            return lags;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One province database's positions (called under the gate, the provinces side by side).</summary>
    private async Task<List<ProjectionLag>> SampleAsync(IMartenDatabase database, string province, CancellationToken ct)
    {
        {
            var progress = (await database.AllProjectionProgress(ct))
                .GroupBy(s => s.ShardName).ToDictionary(g => g.Key, g => g.Max(s => s.Sequence));
            var highWater = progress.GetValueOrDefault("HighWaterMark");
            var events = $"{_store.Options.Events.DatabaseSchemaName}.mt_events";
            await using var connection = database.CreateConnection();
            await connection.OpenAsync(ct);
            long committed;
            await using (var max = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {events}", connection))
                committed = (long)(await max.ExecuteScalarAsync(ct))!;
            var head = Math.Max(highWater, committed);
            var now = _time.GetUtcNow();

            var lags = new List<ProjectionLag>();
            foreach (var name in Monitored())
            {
                // Progress rows are keyed by shard identity ("inbox:All"); a projection never run has none.
                var position = progress.Where(p => p.Key == name || p.Key.StartsWith(name + ":", StringComparison.Ordinal))
                    .Select(p => p.Value).DefaultIfEmpty(0).Max();
                var behind = Math.Max(0, head - position);
                if (!_advanced.TryGetValue((province, name), out var last) || last.Progress != position || behind == 0)
                    _advanced[(province, name)] = last = (position, now);
                var age = 0.0;
                if (behind > 0)
                {
                    await using var oldest = new NpgsqlCommand(
                        $"select timestamp from {events} where seq_id > @p order by seq_id limit 1", connection);
                    oldest.Parameters.AddWithValue("p", position);
                    if (await oldest.ExecuteScalarAsync(ct) is DateTime ts)
                        age = Math.Max(0, (now - new DateTimeOffset(DateTime.SpecifyKind(ts, DateTimeKind.Utc))).TotalSeconds);
                }
                var stalled = behind > 0 && now - last.At >= _options.StallAfter;
                lags.Add(new ProjectionLag(name, highWater, head, position, behind, age, last.At, stalled, province));
            }
            return lags;
        }
    }

    /// <summary>
    /// Every shard the store registers, projections and subscriptions alike (the duplicate detection
    /// subscription among them): a stopped one must turn the health check unhealthy whatever it is.
    /// </summary>
    private IEnumerable<string> Monitored()
    {
        var registered = _store is IEventStore events ? events.RegisteredShardNames().Select(s => s.Name) : [];
        return ReadSideNames.All.Concat(registered).Distinct(StringComparer.Ordinal);
    }

    public void Dispose()
    {
        Meter.Dispose();
        _gate.Dispose();
    }
}
