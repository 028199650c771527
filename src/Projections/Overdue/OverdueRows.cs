using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ReadSide;
using Marten;

namespace CaseEngine.Projections.Overdue;

/// <summary>Overdue: one row per recorded missed deadline whose stage instance is still open, written by <see cref="PetitionStreamsProjection"/> in the <see cref="ReadModelsProjection"/> shard.</summary>
public sealed class OverdueRows : IPetitionRows
{
    public string ReadModelTable => ReadSideSchema.OverdueTable;

    public void Write(IDocumentOperations operations, string schema, Guid[] petitionIds,
        IReadOnlyDictionary<Guid, IReadOnlyList<IPetitionEvent>> streams, string newer)
    {
        var table = ReadSideSchema.Qualified(schema, ReadSideSchema.OverdueTable);
        operations.QueueSqlCommand($"delete from {table} where petition_id = any(?) and {newer}", petitionIds);
        var rows = streams.Values.SelectMany(s => WorkItems.From(s).Overdue).ToList();
        if (rows.Count == 0)
            return;
        operations.QueueSqlCommand(
            $"""
            insert into {table} (overdue_id, petition_id, department_id, region_path, stage, stage_instance, supervision_id,
                due_at, missed_at, supervision_count, category, subject, case_number)
            select * from unnest(?::varchar[], ?::uuid[], ?::varchar[], ?::varchar[], ?::varchar[], ?::integer[],
                ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::integer[], ?::varchar[], ?::varchar[], ?::varchar[])
            where {newer}
            """,
            rows.Select(r => r.OverdueId).ToArray(),
            rows.Select(r => r.PetitionId).ToArray(),
            rows.Select(r => r.DepartmentId).ToArray(),
            rows.Select(r => r.RegionPath).ToArray(),
            rows.Select(r => r.Stage.ToString()).ToArray(),
            rows.Select(r => r.StageInstance).ToArray(),
            rows.Select(r => r.SupervisionId).ToArray(),
            rows.Select(r => PetitionStreamsProjection.Utc(r.DueAt)).ToArray(),
            rows.Select(r => PetitionStreamsProjection.Utc(r.MissedAt)).ToArray(),
            rows.Select(r => r.SupervisionCount).ToArray(),
            rows.Select(r => r.Category.ToString()).ToArray(),
            rows.Select(r => r.Subject).ToArray(),
            rows.Select(r => r.CaseNumber).ToArray());
    }
}
