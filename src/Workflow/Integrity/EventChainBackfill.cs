using CaseEngine.Workflow.Hosting;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// At start: links, once, the events stored before the chain existed (or by a writer without it), in
/// the side table only. The key is resolved first, so a host without one does not start; the pass then
/// runs in the background, in batches of streams, each stream locked (its mt_streams row) while linked
/// so that an append to it waits rather than races.
/// </summary>
public sealed class EventChainBackfill(IDocumentStore store, Func<EventChainKey> key, ILogger<EventChainBackfill> logger) : IHostedService
{
    private const int Batch = 2000;
    private readonly CancellationTokenSource _stopping = new();
    private Task _run = Task.CompletedTask;

    /// <summary>Completes when the pass is over (tests wait for it).</summary>
    public Task Completion => _run;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var chainKey = key();
        _run = Task.Run(() => RunAsync(chainKey, _stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        // The pass ends at its next statement; a host told to stop at once does not wait for it.
        await ((Task)Task.WhenAny(_run, Task.Delay(Timeout.Infinite, cancellationToken))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(EventChainKey chainKey, CancellationToken ct)
    {
        try
        {
            foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
            {
                try
                {
                    var linked = await ChainUnlinkedAsync(store, database, chainKey, ct);
                    if (linked > 0)
                        logger.LogInformation("Event chain: linked {Count} events stored without a link in {Province}", linked, string.Join(',', database.TenantIds));
                }
                catch (Exception e) when (DatabaseUnavailable.Is(e) && !ct.IsCancellationRequested)
                {
                    // One province down at start holds up no other province's pass.
                    logger.LogWarning("Event chain backfill skipped {Province}, whose database does not answer ({Failure}); it runs again at the next start",
                        string.Join(',', database.TenantIds), DatabaseUnavailable.Describe(e));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a failed pass is logged and retried at the next start; the host keeps serving
        catch (Exception e)
        {
            logger.LogError("Event chain backfill stopped ({Error}); it runs again at the next start", e.GetType().Name);
        }
#pragma warning restore CA1031
    }

    /// <summary>
    /// One pass over the log in sequence order; returns how many links it wrote. Marten's tombstones (sequence
    /// numbers an append took and never used, with no time) are no petition's events and are never linked: read
    /// as unlinked, their stream failed the pass at every start (its time is -infinity).
    /// </summary>
    public static async Task<int> ChainUnlinkedAsync(IDocumentStore store, IMartenDatabase database, EventChainKey chainKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(database);
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var conn = (NpgsqlConnection)database.CreateConnection();
        await conn.OpenAsync(ct);
        long after = 0;
        var linked = 0;
        while (true)
        {
            var streams = new HashSet<Guid>();
            var scanned = 0;
            await using (var find = new NpgsqlCommand($"""
                select e.seq_id, e.stream_id from {schema}.mt_events e
                where e.seq_id > @after and e.type <> 'tombstone'
                  and not exists (select 1 from {schema}.{EventChainStorage.TableName} c where c.seq_id = e.seq_id)
                order by e.seq_id limit @batch
                """, conn))
            {
                find.Parameters.AddWithValue("after", after);
                find.Parameters.AddWithValue("batch", Batch);
                await using var reader = await find.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    scanned++;
                    after = reader.GetInt64(0);
                    streams.Add(reader.GetGuid(1));
                }
            }
            if (streams.Count > 0)
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var lockStreams = new NpgsqlCommand(
                    $"select id from {schema}.mt_streams where id = any(@streams) order by id for update", conn, tx))
                {
                    lockStreams.Parameters.Add(new NpgsqlParameter("streams", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = streams.ToArray() });
                    await lockStreams.ExecuteNonQueryAsync(ct);
                }
                linked += await EventChainStorage.ChainStreamsAsync(conn, tx, schema, streams, chainKey, ct);
                await tx.CommitAsync(ct);
            }
            if (scanned < Batch)
                return linked;
        }
    }
}
