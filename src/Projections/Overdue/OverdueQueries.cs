using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Overdue;

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

    /// <param name="cursorKey">the key cursors are sealed with; the process's own key when null (tests, tools)</param>
    public static Task<Page<OverdueItem>> PageAsync(
        IQuerySession session, DepartmentScope department, bool includeSubordinates, int first, string? after,
        DateTimeOffset now, CancellationToken ct = default, CursorKey? cursorKey = null) =>
        PageAsync(session, department, includeSubordinates, first, after, now, ordinalIds: false, ct, cursorKey);

    /// <summary>
    /// The same list over several databases (the national roll-up, issue 20): each database's page after the
    /// cursor, merged on the same key, the first <paramref name="first"/> kept. A keyset page spans databases
    /// because the key is total and the same everywhere: due moment, then the row's id in byte order (collation
    /// "C", so every database and the merge agree whatever a server's default collation). Each missed deadline
    /// is a row of the one database whose petition runs the clock (a handed-over petition's clocks run on its
    /// copy only), so no row is listed twice. The total is the sum. One database that does not answer fails the
    /// read: never a partial list.
    /// </summary>
    public static async Task<Page<OverdueItem>> PageAsync(
        IDocumentStore store, IReadOnlyCollection<string> databases, DepartmentScope department, bool includeSubordinates,
        int first, string? after, DateTimeOffset now, CancellationToken ct = default, CursorKey? cursorKey = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(databases);
        if (databases.Count == 1)
        {
            await using var session = store.QuerySession(databases.First());
            return await PageAsync(session, department, includeSubordinates, first, after, now, ct, cursorKey);
        }
        var pages = await Task.WhenAll(databases.Select(async database =>
        {
            await using var session = store.QuerySession(database);
            return await PageAsync(session, department, includeSubordinates, first, after, now, ordinalIds: true, ct, cursorKey);
        }));
        var merged = pages.SelectMany(p => p.Edges)
            .OrderBy(e => e.Node.DueAt).ThenBy(e => e.Node.OverdueId, StringComparer.Ordinal)
            .ToList();
        // More follow when the merge holds more than a page, or a database had more than it returned.
        var hasNext = merged.Count > first || pages.Any(p => p.HasNextPage);
        var edges = merged.Take(first).ToList();
        return new Page<OverdueItem>(edges, hasNext, edges.LastOrDefault()?.Cursor, pages.Sum(p => p.TotalCount));
    }

    private static async Task<Page<OverdueItem>> PageAsync(
        IQuerySession session, DepartmentScope department, bool includeSubordinates, int first, string? after,
        DateTimeOffset now, bool ordinalIds, CancellationToken ct, CursorKey? cursorKey)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(department);
        ReadSideSql.CheckFirst(first);
        var key = cursorKey ?? CursorKey.Process;
        // A cursor is bound to the department and to whether the list rolls up its subtree.
        var bound = $"{Kind}\u001f{department.Id}\u001f{department.RollsUp(includeSubordinates)}";
        var cursor = after is null ? ((DateTimeOffset, string)?)null : Cursors.Decode(key, bound, after, Kind);

        var scope = department.RollsUp(includeSubordinates)
            ? "(region_path = @path or region_path like @descendants)"
            : "department_id = @dept";
        var parameters = new List<NpgsqlParameter>
        {
            new("dept", department.Id), new("path", department.RegionPath), new("descendants", department.DescendantPattern),
        };
        var table = ReadSideSql.Table(session, ReadSideSchema.OverdueTable);
        return await KeysetPages.ReadAsync(session,
            $"""
            select overdue_id, petition_id, department_id, region_path, stage, stage_instance, supervision_id, due_at,
                missed_at, supervision_count, category, subject, case_number
            from {table} where {scope}
            """,
            // Ids are ASCII ("{petition:N}-M1"…), so byte order is also .NET's ordinal order, which the merge sorts by.
            ordinalIds ? "(due_at, overdue_id collate \"C\") > (@key, @id)" : "(due_at, overdue_id) > (@key, @id)",
            ordinalIds ? "due_at, overdue_id collate \"C\"" : "due_at, overdue_id",
            $"select count(*) from {table} where {scope}",
            parameters, cursor, first,
            reader =>
            {
                var due = ReadSideSql.ReadUtc(reader, 7);
                return new OverdueItem(
                    reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    Enum.Parse<Stage>(reader.GetString(4)), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    due, ReadSideSql.ReadUtc(reader, 8), DaysOverdue(due, now), reader.GetInt32(9),
                    Enum.Parse<PetitionCategory>(reader.GetString(10)), reader.GetString(11), reader.GetString(12));
            },
            item => Cursors.Encode(key, bound, Kind, item.DueAt, item.OverdueId), ct);
    }

    /// <summary>Whole days past the due moment (0 on the day it passed).</summary>
    public static int DaysOverdue(DateTimeOffset dueAt, DateTimeOffset now) =>
        now <= dueAt ? 0 : (int)Math.Floor((now - dueAt).TotalDays);
}
