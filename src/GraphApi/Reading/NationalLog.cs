using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Tenancy;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// One entry of the national log: its own sequence, and the event it points at in a province's log — its
/// sequence there and its id (null on entries written before 2026-12-07), which tells the event that was
/// relayed from another that took its sequence in a province database restored behind the relay.
/// </summary>
public sealed record NationalEntry(long Sequence, string Province, long ProvinceSequence, Guid? Event = null);

/// <summary>An event of a province's log as the relay hands it to the national log: its sequence there and its id.</summary>
public readonly record struct RelayedEvent(long Sequence, Guid Id);

/// <summary>
/// How far a province's log has been relayed (<see cref="To"/>, 0 before its first event), and the events
/// relayed last (<see cref="NationalLog.Checked"/> of them, newest first): each one's sequence there and
/// its id (null when relayed by a node of a version before ids were kept).
/// </summary>
public sealed record RelayMark(long To, IReadOnlyList<(long Sequence, Guid? Id)> Recent);

/// <summary>
/// The national log (issue 19, item 5): one sequence over every province database's committed log,
/// for the callers whose scope spans provinces (an auditor or integrator of the national root). It lives
/// in the master database and holds pointers only — (sequence, province, the event's sequence there) —
/// so personal data stays in the province databases. <see cref="NationalRelay"/> feeds it.
/// <para>
/// Every append takes one transaction-scoped advisory lock, numbers its entries after the highest
/// sequence and commits with the province's relay progress (a node's appends for all its provinces in one
/// transaction, <see cref="AppendAsync"/>): sequences commit in their own order (a
/// reader never sees a higher one before a lower one commits, so the feed has no in-flight holes to wait
/// for), and a relay round that crashes commits nothing. The tables are ours (<see cref="MasterTables"/>).
/// </para>
/// </summary>
public sealed class NationalLog(MasterDataSource master)
{
    /// <summary>The key the feed and the live tails use for this log beside the province codes.</summary>
    public const string Key = "national";

    /// <summary>
    /// The name the relay announces in the wake-up's notifications after a round that appended (<see
    /// cref="Workflow.Configuration.DaemonWakeup.Announce"/>): every node's tail of this log polls when it hears it.
    /// </summary>
    public const string WakeKey = "national-log";

    private const string Entries = $"{ProvinceDatabases.MasterSchema}.national_log";
    private const string Progress = $"{ProvinceDatabases.MasterSchema}.national_relay";

    /// <summary>The appends' lock (an arbitrary constant: "CE national log").</summary>
    public const long AppendLock = 0x43454E4154494F4EL;

    /// <summary>
    /// How long an append waits for the lock. A node stalled while holding it (a partition mid-transaction)
    /// must not hold up the others' live loops, where relaying comes before the province tails: the round
    /// fails (55P03), is logged and is retried next poll; nothing was written.
    /// </summary>
    public const string LockWait = "2s";

    private readonly NpgsqlDataSource _master = master.Source;

    private readonly MasterTables _tables = new(AppendLock,
        $"""
        create table if not exists {Entries} (
          sequence bigint primary key,
          province varchar(6) not null,
          province_sequence bigint not null,
          unique (province, province_sequence));
        -- The relayed event's id (2026-12-07): which event the entry is, not only where it was.
        {MasterTables.ColumnWhenMissing(Entries, "province_event", "uuid")}
        create table if not exists {Progress} (
          province varchar(6) primary key,
          relayed_to bigint not null);
        -- Up to where an operator accepted that the province's log lost relayed events (accept-relay-loss):
        -- the relay's check reads only the entries after it.
        {MasterTables.ColumnWhenMissing(Progress, "accepted_through", "bigint")}
        """);

    /// <summary>Creates the two tables once per process (MasterTables).</summary>
    private Task SchemaAsync(CancellationToken ct) => _tables.EnsureAsync(_master, ct);

    /// <summary>The highest sequence committed: every entry up to it is readable, none will appear below it.</summary>
    public async Task<long> EndAsync(CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var command = _master.CreateCommand($"select coalesce(max(sequence), 0) from {Entries}");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The entries with sequences in (after, upper], oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<NationalEntry>> ReadAsync(long after, long upper, int limit, CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var command = _master.CreateCommand(
            $"select sequence, province, province_sequence, province_event from {Entries} where sequence > $1 and sequence <= $2 order by sequence limit $3");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upper });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await EntriesAsync(command, ct);
    }

    /// <summary>Runs a select of (sequence, province, province_sequence, province_event) and reads its entries.</summary>
    private static async Task<IReadOnlyList<NationalEntry>> EntriesAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<NationalEntry>();
        while (await reader.ReadAsync(ct))
            entries.Add(new NationalEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetGuid(3)));
        return entries;
    }

    /// <summary>
    /// The entries still in the log at <paramref name="sequences"/>: sequence → the relayed event's id (<see
    /// cref="Guid.Empty"/> for an entry that kept none, from before 2026-12-07). What a live tail of the national
    /// log checks before each poll, as a province's tail checks its log (<see cref="LiveEvents"/>).
    /// </summary>
    public async Task<Dictionary<long, Guid>> HeldAsync(long[] sequences, CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var command = _master.CreateCommand(
            $"select sequence, coalesce(province_event, '00000000-0000-0000-0000-000000000000'::uuid) from {Entries} where sequence = any($1)");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ProvinceLog.ReadHeldAsync(reader, ct);
    }

    /// <summary>How far a province's log has been relayed (0 before its first event).</summary>
    public async Task<long> RelayedToAsync(string province, CancellationToken ct) => (await MarkAsync(province, ct)).To;

    /// <summary>
    /// How many of a province's last relayed events each relay round checks are still in its log. More than the
    /// last one: events commit out of sequence order, so a standby promoted without the primary's last commits
    /// can have lost an event relayed just before the last one and kept the last.
    /// </summary>
    public const int Checked = 32;

    /// <summary>How far a province's log has been relayed, and the events relayed last (one round trip: the progress row, and the entries' unique index read backwards).</summary>
    public async Task<RelayMark> MarkAsync(string province, CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var batch = _master.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select relayed_to from {Progress} where province = $1")
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = province } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            select province_sequence, province_event from {Entries}
            where province = $1 and province_sequence > coalesce((select accepted_through from {Progress} where province = $1), 0)
            order by province_sequence desc limit {Checked}
            """)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = province } },
        });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var to = await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
        await reader.NextResultAsync(ct);
        var recent = new List<(long, Guid?)>();
        while (await reader.ReadAsync(ct))
            recent.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)));
        return new RelayMark(to, recent);
    }

    /// <summary>
    /// A province's entries whose sequences there are below <paramref name="before"/> and after a loss accepted
    /// before (<see cref="AcceptThroughMarkAsync"/>), newest first, at most <paramref name="limit"/>: what
    /// <c>accept-relay-loss</c> compares with the province's log.
    /// </summary>
    public async Task<IReadOnlyList<NationalEntry>> ProvinceEntriesAsync(string province, long before, int limit, CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var command = _master.CreateCommand(
            $"""
            select sequence, province, province_sequence, province_event from {Entries}
            where province = $1 and province_sequence < $2
              and province_sequence > coalesce((select accepted_through from {Progress} where province = $1), 0)
            order by province_sequence desc limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = province });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = before });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await EntriesAsync(command, ct);
    }

    /// <summary>
    /// Accepts that the province's log lost what was relayed from it up to its mark: the relay's check reads
    /// only the entries relayed after it from now on. The mark accepted (0 when the province has none).
    /// </summary>
    public async Task<long> AcceptThroughMarkAsync(string province, CancellationToken ct)
    {
        await SchemaAsync(ct);
        await using var command = _master.CreateCommand(
            $"update {Progress} set accepted_through = relayed_to where province = $1 returning relayed_to");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = province });
        return await command.ExecuteScalarAsync(ct) is long to ? to : 0;
    }

    /// <summary>
    /// Appends a province's events in (from, to] — <paramref name="events"/>, in their order —
    /// and moves its progress to <paramref name="to"/>, in one transaction; false (nothing written for it)
    /// when the progress is no longer <paramref name="from"/> (another round relayed the same run first).
    /// <para>
    /// The appends of every province relayed on this node go through one writer (group commit): each
    /// transaction takes what queued while the one before it committed, so a node has at most one append
    /// waiting on the lock, however many provinces it relays. A transaction per province round queued 31 of
    /// them on the lock, past its limit, hundreds of times a run (bench/results, federation). A failed
    /// transaction fails every append it carried, and each relay retries its own.
    /// </para>
    /// </summary>
    public async Task<bool> AppendAsync(string province, long from, long to, IReadOnlyList<RelayedEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        await SchemaAsync(ct);
        var append = new PendingAppend(province, from, to, [.. events]);
        bool write;
        lock (_queue)
        {
            _queue.Add(append);
            write = !_writing;
            _writing = true;
        }
        if (write)
            _ = Task.Run(WriteQueuedAsync, CancellationToken.None);
        return await append.Done.Task.WaitAsync(ct);
    }

    /// <summary>One province round's append, waiting for the writer (compared by reference).</summary>
    private sealed class PendingAppend(string province, long from, long to, RelayedEvent[] events)
    {
        public string Province { get; } = province;
        public long From { get; } = from;
        public long To { get; } = to;
        public RelayedEvent[] Events { get; } = events;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly List<PendingAppend> _queue = [];
    private bool _writing;

    /// <summary>The one writer: a transaction for everything queued, until the queue is empty.</summary>
    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            PendingAppend[] batch;
            lock (_queue)
            {
                if (_queue.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = [.. _queue];
                _queue.Clear();
            }
            try
            {
                var accepted = await CommitAsync(batch);
                foreach (var append in batch)
                    append.Done.TrySetResult(accepted.Contains(append));
            }
            catch (Exception e)
            {
                // Not cancellable by any one caller: the others' appends ride on the same transaction. The
                // lock wait and the command timeout bound it; each caller stops waiting on its own token.
                foreach (var append in batch)
                    append.Done.TrySetException(e);
            }
        }
    }

    private async Task<HashSet<PendingAppend>> CommitAsync(PendingAppend[] batch)
    {
        await using var connection = await _master.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand($"set local lock_timeout = '{LockWait}'; select pg_advisory_xact_lock({AppendLock})", connection, tx))
            await lockCommand.ExecuteNonQueryAsync();
        var progress = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var check = new NpgsqlCommand($"select province, relayed_to from {Progress} where province = any($1)", connection, tx))
        {
            check.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(a => a.Province).Distinct()] });
            await using var reader = await check.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                progress[reader.GetString(0)] = reader.GetInt64(1);
        }
        // In queue order: a second round of the same province (a pull beside its agent) that read the same
        // progress finds it moved by the first, as it would in a transaction of its own.
        var accepted = new HashSet<PendingAppend>();
        foreach (var append in batch)
        {
            if (progress.GetValueOrDefault(append.Province) != append.From)
                continue;
            accepted.Add(append);
            progress[append.Province] = append.To;
        }
        if (accepted.Count == 0)
            return accepted;
        var appended = batch.Where(accepted.Contains).ToList();
        var moved = appended.Select(a => a.Province).Distinct().ToArray();
        await using (var write = new NpgsqlCommand(
            $"""
            insert into {Entries} (sequence, province, province_sequence, province_event)
              select (select coalesce(max(sequence), 0) from {Entries}) + t.n, t.p, t.s, t.e
              from unnest(@provinces::varchar[], @sequences::bigint[], @events::uuid[]) with ordinality as t(p, s, e, n);
            insert into {Progress} (province, relayed_to)
              select * from unnest(@moved::varchar[], @to::bigint[])
              on conflict (province) do update set relayed_to = excluded.relayed_to;
            """, connection, tx))
        {
            write.Parameters.Add(new NpgsqlParameter<string[]>("provinces", [.. appended.SelectMany(a => a.Events.Select(_ => a.Province))]));
            write.Parameters.Add(new NpgsqlParameter<long[]>("sequences", [.. appended.SelectMany(a => a.Events.Select(e => e.Sequence))]));
            write.Parameters.Add(new NpgsqlParameter<Guid[]>("events", [.. appended.SelectMany(a => a.Events.Select(e => e.Id))]));
            write.Parameters.Add(new NpgsqlParameter<string[]>("moved", moved));
            write.Parameters.Add(new NpgsqlParameter<long[]>("to", [.. moved.Select(p => progress[p])]));
            await write.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return accepted;
    }
}
