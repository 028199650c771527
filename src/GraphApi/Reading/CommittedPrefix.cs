using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// How far a province database's log can be read without skipping an event that is still committing:
/// the one rule the province feeds, the live tails and the national relay all read to.
/// </summary>
public sealed class CommittedPrefix(IDocumentStore store, ProvinceDatabases provinces, EventFeedOptions options)
{
    private const int Batch = 500;

    /// <summary>A hole in the sequence seen for longer than this is a rolled-back append, not one still committing.</summary>
    private readonly TimeSpan _deadGapAge = TimeSpan.FromSeconds(options.DeadGapSeconds);

    /// <summary>When this process first saw each hole (by the sequence number missing), on the real clock.</summary>
    private readonly ConcurrentDictionary<(string Province, long Sequence), long> _holesSeen = new();

    /// <summary>
    /// The sequence up to which every event is committed or known dead: the async daemon's high-water
    /// mark (mt_event_progression 'HighWaterMark') when it runs, then the contiguous run of committed
    /// sequences above it. A hole (a number reserved by an append still in flight, or rolled back)
    /// stops the run until it has been seen for <see cref="EventFeedOptions.DeadGapSeconds"/>, the daemon's own rule for
    /// dead gaps; an append that commits within that time is delivered in order.
    /// </summary>
    public async Task<long> OfAsync(string province, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var conn = await ProvinceLog.OpenAsync(provinces, province, ct);
        long mark = 0;
        await using (var cmd = new NpgsqlCommand($"select last_seq_id from {schema}.mt_event_progression where name = 'HighWaterMark'", conn))
        {
            if (await cmd.ExecuteScalarAsync(ct) is long daemonMark)
                mark = daemonMark;
        }
        while (true)
        {
            await using var cmd = new NpgsqlCommand(
                $"select seq_id from {schema}.mt_events where seq_id > @mark order by seq_id limit @batch", conn);
            cmd.Parameters.AddWithValue("mark", mark);
            cmd.Parameters.AddWithValue("batch", Batch);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var rows = 0;
            while (await reader.ReadAsync(ct))
            {
                rows++;
                var seq = reader.GetInt64(0);
                if (seq != mark + 1 && !IsDead(province, mark + 1))
                    return mark;
                mark = seq;
            }
            if (rows < Batch)
                return mark;
        }
    }

    private bool IsDead(string province, long missing)
    {
        var now = Stopwatch.GetTimestamp();
        var first = _holesSeen.GetOrAdd((province, missing), now);
        if (_holesSeen.Count > 10_000)
            _holesSeen.Clear();
        return Stopwatch.GetElapsedTime(first, now) >= _deadGapAge;
    }

}
