using CaseEngine.Domain.Petitions;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// Daily statistics buckets per (department, region path, date, channel, category). Each page of
/// events is summed in memory and added to the rows with one upsert (<c>on conflict do update set
/// x = x + excluded.x</c>) in the daemon's transaction, so each event counts exactly once; a rebuild
/// empties the table first. Every touched bucket is written, even when its net change is zero, so
/// live and rebuilt tables hold the same rows. Async, named <see cref="ReadSideNames.Statistics"/>.
/// </summary>
public sealed class StatisticsProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        var counters = ReadSideSchema.CounterColumns.Length;
        var sums = new Dictionary<StatisticsKey, (int[] Counts, double HandlingDays)>();
        foreach (var e in events)
        {
            if (e.Data is not IPetitionEvent petitionEvent)
                continue;
            foreach (var c in StatisticsAttribution.For(petitionEvent))
            {
                if (!sums.TryGetValue(c.Key, out var bucket))
                    bucket = (new int[counters], 0);
                bucket.Counts[(int)c.Counter] += c.Delta;
                sums[c.Key] = (bucket.Counts, bucket.HandlingDays + c.HandlingDays);
            }
        }
        if (sums.Count == 0)
            return Task.CompletedTask;

        var keys = sums.Keys.ToList();
        var table = ReadSideSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName, ReadSideSchema.StatisticsTable);
        var columns = ReadSideSchema.CounterColumns.Append(ReadSideSchema.HandlingDaysSumColumn).ToArray();
        var arrays = string.Join(", ", ReadSideSchema.CounterColumns.Select(_ => "?::integer[]").Append("?::double precision[]"));
        var parameters = new List<object>
        {
            keys.Select(k => k.DepartmentId).ToArray(),
            keys.Select(k => k.RegionPath).ToArray(),
            keys.Select(k => k.Day).ToArray(),
            keys.Select(k => k.Channel.ToString()).ToArray(),
            keys.Select(k => k.Category.ToString()).ToArray(),
        };
        for (var i = 0; i < counters; i++)
        {
            var index = i;
            parameters.Add(keys.Select(k => sums[k].Counts[index]).ToArray());
        }
        parameters.Add(keys.Select(k => sums[k].HandlingDays).ToArray());
        operations.QueueSqlCommand(
            $"""
            insert into {table} as t (department_id, region_path, day, channel, category, {string.Join(", ", columns)})
            select * from unnest(?::varchar[], ?::varchar[], ?::date[], ?::varchar[], ?::varchar[], {arrays})
            on conflict (department_id, region_path, day, channel, category) do update set
            {string.Join(", ", columns.Select(c => $"{c} = t.{c} + excluded.{c}"))}
            """,
            [.. parameters]);
        return Task.CompletedTask;
    }
}
