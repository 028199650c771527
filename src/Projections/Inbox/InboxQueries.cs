using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ReadSide;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Inbox;

public enum InboxOrder { DueAtAsc, ReceivedAtAsc, ReceivedAtDesc }

/// <summary>The contract's InboxFilter; null or empty parts do not filter.</summary>
/// <param name="Text">case-insensitive substring of the subject</param>
public sealed record InboxFilter(
    IReadOnlyList<Stage>? Stages = null, bool OverdueOnly = false, string? AssignedOfficerId = null,
    PetitionCategory? Category = null, string? Text = null);

/// <summary>An inbox item; <see cref="Overdue"/> is computed at query time (due and not paused).</summary>
/// <param name="Status">the petition's status as the row was written; null in a row written before the inbox kept it</param>
/// <param name="Departments">the petition's departments as the row was written (what the read right asks of staff); null likewise</param>
public sealed record InboxItem(
    string ItemId, Guid PetitionId, string DepartmentId, string RegionPath, Stage Stage,
    DateTimeOffset ReceivedAt, DateTimeOffset? DueAt, bool Paused, bool Overdue, string? AssignedOfficerId,
    PetitionCategory Category, string Subject, string CaseNumber, bool SuspectedDuplicate, string? SupervisionId,
    PetitionStatus? Status, IReadOnlyList<string>? Departments);

/// <summary>A department's inbox, keyset-paged (never OFFSET) along the indexes (department, sort key, item id).</summary>
public static class InboxQueries
{
    /// <param name="cursorKey">the key cursors are sealed with; the process's own key when null (tests, tools)</param>
    public static Task<Page<InboxItem>> PageAsync(
        IQuerySession session, string departmentId, InboxFilter? filter, InboxOrder order, int first, string? after,
        DateTimeOffset now, CancellationToken ct = default, CursorKey? cursorKey = null) =>
        ReadPageAsync(session, departmentId, filter, order, first, after, now, null, cursorKey, ct);

    /// <summary>
    /// <see cref="PageAsync"/> with the page's petition documents, read by a third statement of the
    /// same round trip: the API needs each petition for the read right and masking, and a second
    /// round trip per page was a large part of a page's cost (bench T6).
    /// </summary>
    public static async Task<(Page<InboxItem> Page, IReadOnlyDictionary<Guid, Petition> Petitions)> PageWithPetitionsAsync(
        IQuerySession session, string departmentId, InboxFilter? filter, InboxOrder order, int first, string? after,
        DateTimeOffset now, CancellationToken ct = default, CursorKey? cursorKey = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var documents = session.DocumentStore.Options.FindOrResolveDocumentType(typeof(Petition)).TableName.QualifiedName;
        var serializer = session.DocumentStore.Options.Serializer();
        var petitions = new Dictionary<Guid, Petition>();
        var page = await ReadPageAsync(session, departmentId, filter, order, first, after, now, new PageAttachment(
            pageSql => $"select d.data from {documents} d where d.id in (select petition_id from ({pageSql}) page)",
            reader =>
            {
                var petition = serializer.FromJson<Petition>(reader, 0);
                petitions[petition.Id] = petition;
            }), cursorKey, ct);
        return (page, petitions);
    }

    private static async Task<Page<InboxItem>> ReadPageAsync(
        IQuerySession session, string departmentId, InboxFilter? filter, InboxOrder order, int first, string? after,
        DateTimeOffset now, PageAttachment? attachment, CursorKey? cursorKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(departmentId);
        ReadSideSql.CheckFirst(first);
        filter ??= new InboxFilter();
        var kind = $"inbox-{order}";
        var key = cursorKey ?? CursorKey.Process;
        var scope = Scope(departmentId, order, filter);
        var cursor = after is null ? ((DateTimeOffset, string)?)null : Cursors.Decode(key, scope, after, kind);

        var where = new StringBuilder("department_id = @dept");
        var parameters = new List<NpgsqlParameter> { new("dept", departmentId) };
        if (filter.Stages is { Count: > 0 } stages)
        {
            where.Append(" and stage = any(@stages)");
            parameters.Add(new("stages", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = stages.Select(s => s.ToString()).Distinct().ToArray() });
        }
        if (filter.OverdueOnly)
        {
            where.Append(" and due_at <= @now and not paused");
            parameters.Add(new("now", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
        }
        if (!string.IsNullOrEmpty(filter.AssignedOfficerId))
        {
            where.Append(" and assigned_officer_id = @officer");
            parameters.Add(new("officer", filter.AssignedOfficerId));
        }
        if (filter.Category is { } category)
        {
            where.Append(" and category = @category");
            parameters.Add(new("category", category.ToString()));
        }
        if (!string.IsNullOrEmpty(filter.Text))
        {
            where.Append(" and strpos(lower(subject), lower(@text)) > 0");
            parameters.Add(new("text", filter.Text));
        }

        var (sortColumn, direction, comparison) = order switch
        {
            InboxOrder.DueAtAsc => ("due_sort", "asc", ">"),
            InboxOrder.ReceivedAtAsc => ("received_at", "asc", ">"),
            InboxOrder.ReceivedAtDesc => ("received_at", "desc", "<"),
            _ => throw RuleViolation.Validation("unknown inbox order"),
        };
        var table = ReadSideSql.Table(session, ReadSideSchema.InboxTable);
        // Unfiltered, the total is the department's kept count (one row, whatever the inbox's size);
        // a filter counts the matching rows.
        var unfiltered = parameters.Count == 1;   // the department alone
        var count = unfiltered
            ? $"select coalesce((select items from {ReadSideSql.Table(session, ReadSideSchema.InboxCountTable)} where department_id = @dept), 0)"
            : $"select count(*) from {table} where {where}";
        return await KeysetPages.ReadAsync(session,
            $"""
            select item_id, petition_id, department_id, region_path, stage, received_at, due_at, paused,
                assigned_officer_id, category, subject, case_number, suspected_duplicate, supervision_id, status, departments
            from {table} where {where}
            """,
            $"({sortColumn}, item_id) {comparison} (@key, @id)", $"{sortColumn} {direction}, item_id {direction}",
            count, parameters, cursor, first,
            reader =>
            {
                DateTimeOffset? due = reader.IsDBNull(6) ? null : ReadSideSql.ReadUtc(reader, 6);
                var paused = reader.GetBoolean(7);
                return new InboxItem(
                    reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    Enum.Parse<Stage>(reader.GetString(4)), ReadSideSql.ReadUtc(reader, 5), due, paused,
                    due is { } d && d <= now && !paused,
                    reader.IsDBNull(8) ? null : reader.GetString(8), Enum.Parse<PetitionCategory>(reader.GetString(9)),
                    reader.GetString(10), reader.GetString(11), reader.GetBoolean(12), reader.IsDBNull(13) ? null : reader.GetString(13),
                    reader.IsDBNull(14) ? null : Enum.Parse<PetitionStatus>(reader.GetString(14)),
                    reader.IsDBNull(15) ? null : reader.GetFieldValue<string[]>(15));
            },
            item => Cursors.Encode(key, scope, kind, SortKey(item, order), item.ItemId), ct, attachment);
    }

    /// <summary>What a cursor is bound to: the department, the order and every part of the filter.</summary>
    private static string Scope(string departmentId, InboxOrder order, InboxFilter filter) =>
        string.Join('\u001f', "inbox", departmentId, order.ToString(),
            string.Join(',', (filter.Stages ?? []).Select(s => s.ToString()).Distinct().Order(StringComparer.Ordinal)),
            filter.OverdueOnly ? "overdue" : "", filter.AssignedOfficerId ?? "", filter.Category?.ToString() ?? "", filter.Text ?? "");

    private static DateTimeOffset SortKey(InboxItem item, InboxOrder order) =>
        order == InboxOrder.DueAtAsc ? item.DueAt ?? InboxRows.NoDueSortKey : item.ReceivedAt;
}
