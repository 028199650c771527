using CaseEngine.Projections.ReadSide;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaseEngine.Projections.Inbox;

/// <summary>
/// The per-department inbox counts (<see cref="ReadSideSchema.InboxCountTable"/>) for an inbox
/// written before the counts existed. The inbox projection keeps the counts with its rows from then
/// on; an installation upgraded from a version without them has rows and no counts, and gets
/// them here once, instead of a rebuild of the inbox.
/// </summary>
public static class InboxCounts
{
    /// <summary>Counts the inbox of one province database when it has rows and no counts; true when it did.</summary>
    public static async Task<bool> SeedAsync(IDocumentStore store, IMartenDatabase database, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(database);
        var schema = store.Options.DatabaseSchemaName;
        var inbox = ReadSideSchema.Qualified(schema, ReadSideSchema.InboxTable);
        var counts = ReadSideSchema.Qualified(schema, ReadSideSchema.InboxCountTable);
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(ct);
        await using (var check = new NpgsqlCommand($"select not exists (select 1 from {counts}) and exists (select 1 from {inbox})", connection))
        {
            if (!(bool)(await check.ExecuteScalarAsync(ct))!)
                return false;
        }
        // SHARE mode waits for the daemon's open write to the inbox and holds off the next one, so
        // the count sees the rows as they stand and no page moves them meanwhile. Checked again under
        // the lock: another node may have counted first.
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var seed = new NpgsqlCommand(
            $"""
            lock table {inbox} in share mode;
            insert into {counts} (department_id, items)
            select department_id, count(*) from {inbox} where not exists (select 1 from {counts}) group by department_id;
            """, connection, tx);
        var seeded = await seed.ExecuteNonQueryAsync(ct) > 0;
        await tx.CommitAsync(ct);
        return seeded;
    }
}
