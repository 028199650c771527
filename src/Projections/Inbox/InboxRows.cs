using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ReadSide;
using Marten;

namespace CaseEngine.Projections.Inbox;

/// <summary>The inbox: one row per open (petition, department, stage) item, written by <see cref="PetitionStreamsProjection"/> in the <see cref="ReadModelsProjection"/> shard.</summary>
public sealed class InboxRows : IPetitionRows
{
    /// <summary>The sort key of items without a due moment: after every real one.</summary>
    public static readonly DateTimeOffset NoDueSortKey = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    private const char DepartmentSeparator = '\u001f';

    public string ReadModelTable => ReadSideSchema.InboxTable;

    public void Write(IDocumentOperations operations, string schema, Guid[] petitionIds,
        IReadOnlyDictionary<Guid, IReadOnlyList<IPetitionEvent>> streams, string newer)
    {
        var table = ReadSideSchema.Qualified(schema, ReadSideSchema.InboxTable);
        // The per-department counts move with the rows, in the same statements: what one statement
        // deletes or inserts is what it counts, so the counts cannot drift from the rows (the oracle
        // compares every department's totalCount with a recount).
        var counts = ReadSideSchema.Qualified(schema, ReadSideSchema.InboxCountTable);
        string CountChanged(string sign) => $"""
            insert into {counts} (department_id, items) select department_id, {sign}count(*) from changed group by department_id
            on conflict (department_id) do update set items = {counts}.items + excluded.items
            """;
        operations.QueueSqlCommand(
            $"with changed as (delete from {table} where petition_id = any(?) and {newer} returning department_id) {CountChanged("-")}",
            petitionIds);
        var rows = streams.Values.SelectMany(s => WorkItems.From(s).Inbox).ToList();
        if (rows.Count == 0)
            return;
        operations.QueueSqlCommand(
            $"""
            with changed as (
                insert into {table} (item_id, petition_id, department_id, region_path, stage, received_at, due_at, due_sort,
                    paused, assigned_officer_id, category, subject, case_number, suspected_duplicate, supervision_id, status, departments)
                select item_id, petition_id, department_id, region_path, stage, received_at, due_at, due_sort, paused,
                    assigned_officer_id, category, subject, case_number, suspected_duplicate, supervision_id, status,
                    string_to_array(departments, chr(31))::varchar[]
                from unnest(?::varchar[], ?::uuid[], ?::varchar[], ?::varchar[], ?::varchar[], ?::timestamptz[],
                    ?::timestamptz[], ?::timestamptz[], ?::boolean[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],
                    ?::boolean[], ?::varchar[], ?::varchar[], ?::varchar[])
                    as r(item_id, petition_id, department_id, region_path, stage, received_at, due_at, due_sort, paused,
                        assigned_officer_id, category, subject, case_number, suspected_duplicate, supervision_id, status, departments)
                where {newer}
                returning department_id)
            {CountChanged("")}
            """,
            rows.Select(r => r.ItemId).ToArray(),
            rows.Select(r => r.PetitionId).ToArray(),
            rows.Select(r => r.DepartmentId).ToArray(),
            rows.Select(r => r.RegionPath).ToArray(),
            rows.Select(r => r.Stage.ToString()).ToArray(),
            rows.Select(r => PetitionStreamsProjection.Utc(r.ReceivedAt)).ToArray(),
            rows.Select(r => PetitionStreamsProjection.Utc(r.DueAt)).ToArray(),
            rows.Select(r => PetitionStreamsProjection.Utc(r.DueAt ?? NoDueSortKey)).ToArray(),
            rows.Select(r => r.Paused).ToArray(),
            rows.Select(r => r.AssignedOfficerId).ToArray(),
            rows.Select(r => r.Category.ToString()).ToArray(),
            rows.Select(r => r.Subject).ToArray(),
            rows.Select(r => r.CaseNumber).ToArray(),
            rows.Select(r => r.SuspectedDuplicate).ToArray(),
            rows.Select(r => r.SupervisionId).ToArray(),
            rows.Select(r => r.Status.ToString()).ToArray(),
            // unnest cannot take an array per row: each row's departments travel joined by a unit separator
            // (never in a department id) and are split back in the statement.
            rows.Select(r => string.Join(DepartmentSeparator, r.Departments)).ToArray());
    }
}
