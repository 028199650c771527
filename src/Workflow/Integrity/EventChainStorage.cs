using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// The chain's table, <c>ce_event_chain</c>: one row per event, keyed by the event's sequence, written in
/// the append's own transaction (<see cref="EventChainWriter"/>) and never updated. mt_events is not touched.
/// </summary>
public static class EventChainStorage
{
    public const string TableName = "ce_event_chain";

    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<long>("seq_id").AsPrimaryKey();
        table.AddColumn<Guid>("stream_id").NotNull();
        table.AddColumn<long>("version").NotNull();
        table.AddColumn("day", "date").NotNull();
        table.AddColumn<string>("key_id").NotNull();
        table.AddColumn("link", "bytea").NotNull();
        // The stream's latest link (the previous one of the next append) and a stream's verification.
        table.Indexes.Add(new IndexDefinition("ix_ce_event_chain_stream") { Columns = ["stream_id", "version"], IsUnique = true });
        // A day's Merkle tree, in sequence order.
        table.Indexes.Add(new IndexDefinition("ix_ce_event_chain_day") { Columns = ["day", "seq_id"] });
        return table;
    }

    /// <summary>
    /// Links every event of <paramref name="streams"/> that has no link yet, in version order, each to the
    /// stream's previous link, inside <paramref name="transaction"/>. Idempotent: a link is a function of the
    /// stored event and the previous link, and a row already written by another transaction wins
    /// (<c>on conflict do nothing</c>). Two round trips whatever the number of events.
    /// </summary>
    public static async Task<int> ChainStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema,
        IReadOnlyCollection<Guid> streams, EventChainKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(key);
        if (streams.Count == 0)
            return 0;
        var sequences = new List<long>();
        var streamIds = new List<Guid>();
        var versions = new List<long>();
        var days = new List<DateOnly>();
        var links = new List<byte[]>();
        await using (var read = new NpgsqlCommand($"""
            with tip as (
              select s.id as stream_id, t.version as tip_version, t.link as tip_link
              from unnest(@streams) s(id)
              left join lateral (select c.version, c.link from {schema}.{TableName} c
                                 where c.stream_id = s.id order by c.version desc limit 1) t on true)
            select tip.tip_link, {EventRow.Columns}
            from tip join {schema}.mt_events e on e.stream_id = tip.stream_id and e.version > coalesce(tip.tip_version, 0)
            order by e.stream_id, e.version
            """, connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter("streams", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = streams.Distinct().ToArray() });
            await using var reader = await read.ExecuteReaderAsync(ct);
            Guid? stream = null;
            byte[] previous = [];
            while (await reader.ReadAsync(ct))
            {
                var e = EventRow.Read(reader, 1);
                if (stream != e.StreamId)
                {
                    stream = e.StreamId;
                    previous = reader.IsDBNull(0) ? ChainCodec.NoPrevious.ToArray() : (byte[])reader[0];
                }
                var link = ChainCodec.Link(key.Current, e, previous);
                sequences.Add(e.Sequence);
                streamIds.Add(e.StreamId);
                versions.Add(e.Version);
                days.Add(e.Day);
                links.Add(link);
                previous = link;
            }
        }
        if (sequences.Count == 0)
            return 0;
        await using var write = new NpgsqlCommand($"""
            insert into {schema}.{TableName} (seq_id, stream_id, version, day, key_id, link)
            select s, st, v, d, @key, l from unnest(@seq, @stream, @version, @day, @link) as x(s, st, v, d, l)
            on conflict do nothing
            """, connection, transaction);
        write.Parameters.AddWithValue("key", key.KeyId);
        write.Parameters.AddWithValue("seq", sequences.ToArray());
        write.Parameters.AddWithValue("stream", streamIds.ToArray());
        write.Parameters.AddWithValue("version", versions.ToArray());
        write.Parameters.AddWithValue("day", days.ToArray());
        write.Parameters.Add(new NpgsqlParameter("link", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = links.ToArray() });
        return await write.ExecuteNonQueryAsync(ct);
    }
}
