using Marten;
using Marten.Storage;
using Npgsql;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// Carries a database's read-side position over from the separate inbox, overdue, statistics and situation-analysis
/// shards of earlier versions to the one <see cref="ReadSideNames.ReadModels"/> shard that replaced them.
/// </summary>
/// <remarks>
/// Without it the new shard has no progress row and starts at the beginning of the log: nothing would be applied
/// twice (each read model's applied mark skips what it holds), but a province database would read its whole log
/// again before its inbox showed anything new. The shard starts at the lowest of the four former positions, so the
/// read models that were ahead skip the pages they already hold, by their marks, and none misses one. Run by
/// every node as it readies a database, before that database's agents start (<c>ProvinceDatabases</c>);
/// idempotent: once the shard has a row, only leftover former rows are removed.
/// </remarks>
public static class ReadModelsProgress
{
    /// <summary>Seeds the shard's progress row from the former rows and removes them; true when it seeded.</summary>
    public static async Task<bool> SeedAsync(IDocumentStore store, IMartenDatabase database, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(database);
        var progression = $"{store.Options.Events.DatabaseSchemaName}.mt_event_progression";
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(ct);
        // A read model without a former row never ran: it counts as 0, so the shard replays it from the start.
        await using var seed = new NpgsqlCommand(
            $"""
            with former as (
                select p.last_seq_id from unnest(@former::varchar[]) as f(name) left join {progression} p on p.name = f.name),
            seeded as (
                insert into {progression} (name, last_seq_id, last_updated)
                select @shard, min(coalesce(last_seq_id, 0)), transaction_timestamp() from former having count(last_seq_id) > 0
                on conflict (name) do nothing
                returning name),
            removed as (delete from {progression} where name = any(@former::varchar[]) returning name)
            select (select count(*) from seeded) > 0
            """, connection);
        seed.Parameters.AddWithValue("former", ReadSideNames.FormerShards.ToArray());
        seed.Parameters.AddWithValue("shard", AppliedSequence.Shard(ReadSideNames.ReadModels));
        return (bool)(await seed.ExecuteScalarAsync(ct))!;
    }
}
