using System.Globalization;
using CaseEngine.Domain.Petitions;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Npgsql;

namespace CaseEngine.Workflow.Integrity;

/// <summary>A day's Merkle root over the links of the events stored that UTC day, in sequence order.</summary>
/// <param name="Complete">the day ended more than <see cref="EventChain.DayGrace"/> ago on the injected clock: keep this root</param>
public sealed record DayRoot(DateOnly Date, byte[] Root, int EventCount, bool Complete);

/// <summary>The proof that one event's leaf is in its day's root.</summary>
public sealed record InclusionProof(long Sequence, Guid StreamId, DateOnly Date, byte[] Leaf, int Index, int LeafCount,
    IReadOnlyList<ProofStep> Path, byte[] Root);

/// <summary>
/// Verification and publication of the event chain: a stream, the whole store, a day's Merkle root and
/// an event's inclusion proof. Every answer recomputes the links from the stored events: a day's root is
/// built from recomputed links, so an event changed without the key changes the root as well.
/// </summary>
public sealed class EventChain(IDocumentStore store, ProvinceDatabases provinces, Func<EventChainKey> key, TimeProvider time)
{
    /// <summary>How long after midnight UTC a day's root is taken as final (appends still committing).</summary>
    public static TimeSpan DayGrace { get; } = TimeSpan.FromMinutes(5);

    private string Schema => store.Options.Events.DatabaseSchemaName;

    /// <summary>One stream's chain; null when the database holds neither an event nor a link of it.</summary>
    public async Task<ChainVerification?> VerifyStreamAsync(Guid streamId, CancellationToken ct)
    {
        // The chain is kept per province database, beside the stream (the petition's id names its province).
        if (await provinces.OfPetitionAsync(streamId) is not { } province)
            return null;
        await using var conn = await OpenAsync(province, ct);
        var check = new StreamCheck(key(), streamId);
        var rows = 0;
        await using (var cmd = new NpgsqlCommand($"""
            select {ChainRow.Select}
            from (select * from {Schema}.mt_events where stream_id = @s and type <> 'tombstone') e
            full join (select * from {Schema}.{EventChainStorage.TableName} where stream_id = @s) c on c.seq_id = e.seq_id
            order by coalesce(e.version, c.version), c.seq_id
            """, conn))
        {
            cmd.Parameters.AddWithValue("s", streamId);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows++;
                check.Add(ChainRow.Read(reader));
            }
        }
        var head = await HeadAsync(conn, streamId, ct);
        return rows == 0 && head is null ? null : check.Finish(head);
    }

    /// <summary>Every stream of the store, streamed in one pass; <paramref name="broken"/> sees each broken stream.</summary>
    public async Task<(int Streams, int Events, int Broken)> VerifyAllAsync(string province, Action<ChainVerification> broken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(broken);
        await using var conn = await OpenAsync(province, ct);
        var heads = new Dictionary<Guid, long>();
        // Marten's tombstones (sequence numbers an append took and never used, with no time, on a stream of their
        // own) are no petition's events and are never linked: neither their stream nor they are checked.
        await using (var cmd = new NpgsqlCommand(
            $"select id, version from {Schema}.mt_streams s where not exists (select 1 from {Schema}.mt_events t where t.stream_id = s.id and t.type = 'tombstone')", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                heads[reader.GetGuid(0)] = reader.GetInt64(1);
        int streams = 0, events = 0, bad = 0;
        StreamCheck? check = null;
        Guid current = default;
        void Close()
        {
            if (check is null)
                return;
            var result = check.Finish(heads.Remove(current, out var h) ? h : null);
            streams++;
            events += result.CheckedEvents;
            if (!result.Intact)
            {
                bad++;
                broken(result);
            }
        }
        await using (var cmd = new NpgsqlCommand($"""
            select {ChainRow.Select}
            from {Schema}.mt_events e full join {Schema}.{EventChainStorage.TableName} c on c.seq_id = e.seq_id
            where e.seq_id is null or e.type <> 'tombstone'
            order by coalesce(e.stream_id, c.stream_id), coalesce(e.version, c.version), c.seq_id
            """, conn) { CommandTimeout = 0 })
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var row = ChainRow.Read(reader);
                if (check is null || row.Stream != current)
                {
                    Close();
                    current = row.Stream;
                    check = new StreamCheck(key(), current);
                }
                check.Add(row);
            }
        }
        Close();
        // A stream head whose events and links are all gone.
        foreach (var (id, head) in heads.Where(h => h.Value > 0))
        {
            var result = new StreamCheck(key(), id).Finish(head);
            streams++;
            bad++;
            broken(result);
        }
        return (streams, events, bad);
    }

    /// <summary>The root of a province database's events of one UTC day (each province's log has its own roots).</summary>
    public async Task<DayRoot> DayRootAsync(string province, DateOnly day, CancellationToken ct)
    {
        var leaves = await LeavesAsync(province, day, ct);
        var (root, _) = ChainCodec.Root(leaves.Select(l => l.Leaf).ToList());
        return new DayRoot(day, root, leaves.Count, IsComplete(day));
    }

    /// <summary>The proof of the event with this sequence; null when it has no link.</summary>
    public async Task<InclusionProof?> ProofAsync(string province, long sequence, CancellationToken ct)
    {
        DateOnly day;
        await using (var conn = await OpenAsync(province, ct))
        await using (var cmd = new NpgsqlCommand($"select day from {Schema}.{EventChainStorage.TableName} where seq_id = @s", conn))
        {
            cmd.Parameters.AddWithValue("s", sequence);
            // Npgsql gives a date as DateTime unless asked for a DateOnly.
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return null;
            day = reader.GetFieldValue<DateOnly>(0);
        }
        var leaves = await LeavesAsync(province, day, ct);
        var index = leaves.FindIndex(l => l.Sequence == sequence);
        if (index < 0)
            return null;
        var (root, path) = ChainCodec.Root(leaves.Select(l => l.Leaf).ToList(), index);
        return new InclusionProof(sequence, leaves[index].Stream, day, leaves[index].Leaf, index, leaves.Count, path, root);
    }

    public bool IsComplete(DateOnly day) =>
        time.GetUtcNow() >= new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + DayGrace;

    /// <summary>The day's leaves from recomputed links: a link that no longer matches its event gives another leaf.</summary>
    private async Task<List<(long Sequence, Guid Stream, byte[] Leaf)>> LeavesAsync(string province, DateOnly day, CancellationToken ct)
    {
        var chainKey = key();
        var leaves = new List<(long, Guid, byte[])>();
        await using var conn = await OpenAsync(province, ct);
        await using var cmd = new NpgsqlCommand($"""
            select c.seq_id, c.stream_id, c.version, c.key_id, c.link, p.link, {EventRow.Columns}
            from {Schema}.{EventChainStorage.TableName} c
            left join {Schema}.mt_events e on e.seq_id = c.seq_id
            left join {Schema}.{EventChainStorage.TableName} p on p.stream_id = c.stream_id and p.version = c.version - 1
            where c.day = @day
            order by c.seq_id
            """, conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("day", day);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var sequence = reader.GetInt64(0);
            var version = reader.GetInt64(2);
            var previous = reader.IsDBNull(5) ? (version == 1 ? ChainCodec.NoPrevious.ToArray() : null) : (byte[])reader[5];
            byte[] link = new byte[ChainCodec.LinkLength];
            if (!reader.IsDBNull(6) && previous is not null && chainKey.Find(reader.GetString(3)) is { } secret)
            {
                var e = EventRow.Read(reader, 6);
                if (e.StreamId == reader.GetGuid(1) && e.Version == version)
                    link = ChainCodec.Link(secret, e, previous);
            }
            leaves.Add((sequence, reader.GetGuid(1), ChainCodec.Leaf(sequence, link)));
        }
        return leaves;
    }

    private async Task<long?> HeadAsync(NpgsqlConnection conn, Guid stream, CancellationToken ct)
    {
        // Not the stream of Marten's tombstones, which is no petition's (as in VerifyAllAsync).
        await using var cmd = new NpgsqlCommand(
            $"select version from {Schema}.mt_streams s where id = @s and not exists (select 1 from {Schema}.mt_events t where t.stream_id = s.id and t.type = 'tombstone')", conn);
        cmd.Parameters.AddWithValue("s", stream);
        return await cmd.ExecuteScalarAsync(ct) is long v ? v : null;
    }

    private async Task<NpgsqlConnection> OpenAsync(string province, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)(await provinces.DatabaseAsync(province)).CreateConnection();
        await conn.OpenAsync(ct);
        return conn;
    }

    public static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
