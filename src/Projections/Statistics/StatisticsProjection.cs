using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseEngine.Projections.Statistics;

/// <summary>
/// Daily statistics buckets per (department, region path, date, channel, category). Each page's
/// contributions, summed per event and bucket in memory, go to the database with their event's
/// sequence; one upsert adds those above the applied mark (<see cref="AppliedSequence"/>), summed
/// per bucket, to the rows (<c>on conflict do update set x = x + excluded.x</c>) in the daemon's
/// transaction. So each event counts exactly once, even when two daemons run the shard over the
/// same range at once (the second waits for the first's mark and adds only what lies above it);
/// a rebuild empties the table and the mark first. Every touched bucket is written, even when its
/// net change is zero, so live and rebuilt tables hold the same rows. A member of the
/// <see cref="ReadModelsProjection"/> shard.
/// </summary>
public sealed class StatisticsProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        using var span = ProjectionTracing.StartPage(ReadSideSchema.StatisticsTable, events);
        var counters = ReadSideSchema.CounterColumns.Length;
        // One row per (event, bucket): the unit the mark filters on.
        var rows = new List<(long Sequence, StatisticsKey Key, int[] Counts, double HandlingDays)>();
        foreach (var e in events)
        {
            if (e.Data is not IPetitionEvent petitionEvent)
                continue;
            var sums = new Dictionary<StatisticsKey, (int[] Counts, double HandlingDays)>();
            foreach (var c in StatisticsAttribution.For(petitionEvent))
            {
                if (!sums.TryGetValue(c.Key, out var bucket))
                    bucket = (new int[counters], 0);
                bucket.Counts[(int)c.Counter] += c.Delta;
                sums[c.Key] = (bucket.Counts, bucket.HandlingDays + c.HandlingDays);
            }
            foreach (var (key, bucket) in sums)
                rows.Add((e.Sequence, key, bucket.Counts, bucket.HandlingDays));
        }
        if (events.Count == 0)
            return Task.CompletedTask;
        // Every page claims, even one that counts nothing, so its batch always writes a row (see AppliedSequence).
        AppliedSequence.Claim(operations, ReadSideSchema.StatisticsTable, events.Max(e => e.Sequence), AppliedSequence.Shard(ReadSideNames.ReadModels));
        if (rows.Count == 0)
            return Task.CompletedTask;
        var previous = AppliedSequence.Previous(operations, ReadSideSchema.StatisticsTable);
        var table = ReadSideSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName, ReadSideSchema.StatisticsTable);
        var columns = ReadSideSchema.CounterColumns.Append(ReadSideSchema.HandlingDaysSumColumn).ToArray();
        var arrays = string.Join(", ", ReadSideSchema.CounterColumns.Select(_ => "?::integer[]").Append("?::double precision[]"));
        var parameters = new List<object>
        {
            rows.Select(r => r.Sequence).ToArray(),
            rows.Select(r => r.Key.DepartmentId).ToArray(),
            rows.Select(r => r.Key.RegionPath).ToArray(),
            rows.Select(r => r.Key.Day).ToArray(),
            rows.Select(r => r.Key.Channel.ToString()).ToArray(),
            rows.Select(r => r.Key.Category.ToString()).ToArray(),
        };
        for (var i = 0; i < counters; i++)
        {
            var index = i;
            parameters.Add(rows.Select(r => r.Counts[index]).ToArray());
        }
        parameters.Add(rows.Select(r => r.HandlingDays).ToArray());
        var summed = string.Join(", ", ReadSideSchema.CounterColumns.Select(c => $"sum({c})::integer").Append($"sum({ReadSideSchema.HandlingDaysSumColumn})"));
        operations.QueueSqlCommand(
            $"""
            insert into {table} as t (department_id, region_path, day, channel, category, {string.Join(", ", columns)})
            select department_id, region_path, day, channel, category, {summed}
            from unnest(?::bigint[], ?::varchar[], ?::varchar[], ?::date[], ?::varchar[], ?::varchar[], {arrays})
                as u(seq, department_id, region_path, day, channel, category, {string.Join(", ", columns)})
            where seq > {previous}
            group by department_id, region_path, day, channel, category
            on conflict (department_id, region_path, day, channel, category) do update set
            {string.Join(", ", columns.Select(c => $"{c} = t.{c} + excluded.{c}"))}
            """,
            [.. parameters]);
        return Task.CompletedTask;
    }
}
