using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Queries;

/// <summary>An open missed deadline; <see cref="DaysOverdue"/> is whole days past the due moment at query time.</summary>
public sealed record OverdueItem(
    string OverdueId, Guid PetitionId, string DepartmentId, string RegionPath, Stage Stage, int StageInstance,
    string? SupervisionId, DateTimeOffset DueAt, DateTimeOffset MissedAt, int DaysOverdue, int SupervisionCount,
    PetitionCategory Category, string Subject, string CaseNumber);

/// <summary>
/// A department's overdue list, longest overdue first, keyset-paged on (due moment, id). With
/// includeSubordinates a petition office sees its whole region subtree through the region-path
/// index (<c>text_pattern_ops</c>); for a handling agency the flag is ignored.
/// </summary>
public static class OverdueQueries
{
    private const string Kind = "overdue";

    public static async Task<Page<OverdueItem>> PageAsync(
        IQuerySession session, DepartmentScope department, bool includeSubordinates, int first, string? after,
        DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(department);
        ReadSideSql.CheckFirst(first);
        var cursor = after is null ? ((DateTimeOffset, string)?)null : Cursors.Decode(after, Kind);

        var scope = department.RollsUp(includeSubordinates)
            ? "(region_path = @path or region_path like @descendants)"
            : "department_id = @dept";
        var parameters = new List<NpgsqlParameter>
        {
            new("dept", department.Id), new("path", department.RegionPath), new("descendants", department.DescendantPattern),
        };
        var table = ReadSideSql.Table(session, ReadSideSchema.OverdueTable);
        var keyset = cursor is null ? "" : " and (due_at, overdue_id) > (@key, @id)";

        await using var connection = await ReadSideSql.OpenAsync(session, ct);
        await using var batch = new NpgsqlBatch(connection);
        var page = new NpgsqlBatchCommand(
            $"""
            select overdue_id, petition_id, department_id, region_path, stage, stage_instance, supervision_id, due_at,
                missed_at, supervision_count, category, subject, case_number
            from {table} where {scope}{keyset}
            order by due_at, overdue_id limit @limit
            """);
        page.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
        page.Parameters.Add(new NpgsqlParameter("limit", first + 1));
        if (cursor is { } c)
        {
            page.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.TimestampTz) { Value = c.Item1.UtcDateTime });
            page.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Varchar) { Value = c.Item2 });
        }
        var count = new NpgsqlBatchCommand($"select count(*) from {table} where {scope}");
        count.Parameters.AddRange(parameters.ToArray());
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(count);

        var items = new List<OverdueItem>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var due = ReadSideSql.ReadUtc(reader, 7);
            items.Add(new OverdueItem(
                reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                Enum.Parse<Stage>(reader.GetString(4)), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                due, ReadSideSql.ReadUtc(reader, 8), DaysOverdue(due, now), reader.GetInt32(9),
                Enum.Parse<PetitionCategory>(reader.GetString(10)), reader.GetString(11), reader.GetString(12)));
        }
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var total = (int)reader.GetInt64(0);

        var hasNext = items.Count > first;
        if (hasNext)
            items.RemoveAt(items.Count - 1);
        var edges = items.Select(i => new Edge<OverdueItem>(Cursors.Encode(Kind, i.DueAt, i.OverdueId), i)).ToList();
        return new Page<OverdueItem>(edges, hasNext, edges.LastOrDefault()?.Cursor, total);
    }

    /// <summary>Whole days past the due moment (0 on the day it passed).</summary>
    public static int DaysOverdue(DateTimeOffset dueAt, DateTimeOffset now) =>
        now <= dueAt ? 0 : (int)Math.Floor((now - dueAt).TotalDays);
}
