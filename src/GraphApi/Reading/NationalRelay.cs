using CaseEngine.Projections.Monitoring;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// Feeds the <see cref="NationalLog"/> from each province database's committed log, exactly once: a
/// round reads the province's events after its relay progress up to its committed prefix
/// (<see cref="CommittedPrefix"/>, the same bound the province's own feed reads to) and
/// appends them with the new progress in one master transaction. Each province's rounds run on the one
/// node holding its agent (<see cref="NationalRelayAgents"/>, on each commit of the province or every poll interval), and on any node before a pull of the national feed; two nodes relaying the same run are serialised by the log's
/// lock and the second finds the progress moved and writes nothing. A round killed half way commits nothing.
/// </summary>
public sealed class NationalRelay(NationalLog log, CommittedPrefix prefix, ProvinceDatabases provinces, IDocumentStore store,
    Workflow.Configuration.DaemonWakeup wakeup, LiveEventsOptions options, ILogger<NationalRelay> logger)
{
    private const int Batch = 1000;

    private readonly OnePerProvince _pullRounds = new();

    /// <summary>When this node last brought each province's relay up to its committed prefix (real clock), and since when it has known the province.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _caughtUp = new(StringComparer.Ordinal);

    /// <summary>
    /// Seconds since this node last brought each province whose relay it holds up to its committed log
    /// (since it first tried, before a first success): the gauge <c>caseengine.national_log.relay_age</c>.
    /// It stays under a second or two while the province and the master answer, and grows while either
    /// does not. Each province is reported by the one node holding its relay agent.
    /// </summary>
    public IEnumerable<(string Province, double Seconds)> Ages()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        return [.. _caughtUp.Select(p => (p.Key, System.Diagnostics.Stopwatch.GetElapsedTime(p.Value, now).TotalSeconds))];
    }

    /// <summary>
    /// Before a pull of the national feed: one round over every province served, side by side, waiting at
    /// most <paramref name="bound"/> for each. A province whose database is down or hangs is left to its
    /// agent (<see cref="NationalRelayAgents"/>) and holds up none of the others; a round that finishes
    /// late still commits exactly once under the log's lock.
    /// </summary>
    public async Task RelayAllAsync(TimeSpan bound, CancellationToken ct)
    {
        await Task.WhenAll((await provinces.KnownAsync(TimeSpan.FromSeconds(5))).Select(async province =>
        {
            try
            {
                // One pull round per province in flight on this node: each after the one before it, so it
                // still reads what committed before the pull; a hanging province gets no pile of connects.
                await _pullRounds.TryRunAsync(province, bound, () => RelayAsync(province, CancellationToken.None), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Its agent reports it (at Warning, and in the gauge); a pull only reads what is there.
                logger.LogDebug("Relaying province {Province} before a pull failed with {ExceptionType}", province, e.GetType().FullName);
            }
        }));
    }

    /// <summary>
    /// One round of the province's agent on the node that holds it: its failure is logged (the code and the
    /// exception's type) and left for the next round; its success refreshes the province's age in the gauge.
    /// </summary>
    public async Task RelayOneAsync(string province, CancellationToken ct)
    {
        _caughtUp.TryAdd(province, System.Diagnostics.Stopwatch.GetTimestamp());
        try
        {
            var relayed = await RelayAsync(province, ct) > 0;
            _busy[province] = relayed;
            // Every node's tail of the national log is waiting for this (LiveEvents): it polls at once rather than
            // at its fallback interval.
            if (relayed)
                wakeup.Announce(NationalLog.WakeKey);
            _caughtUp[province] = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_behind.TryRemove(province, out var sequence))
                logger.LogInformation("Province {Province}'s log holds what it relayed to the national log again (sequence {Sequence}): its relay resumed", province, sequence);
        }
        catch (ProvinceLogBehindException e)
        {
            // Halted, loudly once: retrying changes nothing until an operator restores the province's log
            // (docs/operations.md). The age gauge grows meanwhile and /health names the province.
            _busy[province] = false;
            if (_behind.TryAdd(province, e.Sequence))
                logger.LogError("Province {Province}'s log no longer holds what it relayed to the national log (sequence {Sequence}): its database was restored or failed over behind the relay. Its relay is halted until its log holds it again, or an operator accepts the loss with accept-relay-loss (docs/operations.md, \"A province database behind the national log\")",
                    province, e.Sequence);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _busy[province] = true;
            logger.LogWarning("Relaying province {Province} to the national log failed with {ExceptionType}; retrying next round",
                province, e.GetType().FullName);
        }
    }

    /// <summary>The provinces whose relay this node halted, each with the relayed sequence its log no longer holds (<see cref="ProvinceLogBehindException"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _behind = new(StringComparer.Ordinal);

    /// <summary>The provinces whose relay this node holds and has halted, their log behind the national log: <see cref="NationalRelayHealthCheck"/>.</summary>
    public IReadOnlyCollection<string> Behind() => [.. _behind.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The provinces whose last agent round relayed events or failed: their next round comes after the poll interval, not the idle one.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _busy = new(StringComparer.Ordinal);

    /// <summary>Each province database's key in the wake-up's notifications (<see cref="Workflow.Hosting.ReadSideDistribution.DatabaseKey"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _databaseKeys = new(StringComparer.Ordinal);

    /// <summary>The wake-up's count of notifications for each province when its agent last paused.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _notified = new(StringComparer.Ordinal);

    /// <summary>
    /// The wait between two of the province agent's rounds: the poll interval at least, so that a round relays
    /// what committed meanwhile in one append (every province's appends take the national log's one lock: a
    /// round per commit of 31 provinces queued on it past its 2 s limit, bench/results, federation); then, after a
    /// round that found nothing, until the province's database commits events (the daemons' wake-up,
    /// <see cref="Workflow.Configuration.DaemonWakeup"/>) or the idle interval. Polling every province every 150 ms
    /// cost PostgreSQL about a sixth of a core on an idle 31-database server.
    /// </summary>
    public async Task PauseAsync(string province, CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(options.PollMilliseconds);
        var idle = TimeSpan.FromMilliseconds(Math.Max(0, options.IdlePollMilliseconds - options.PollMilliseconds));
        var busy = _busy.GetValueOrDefault(province, true);
        if (!_databaseKeys.TryGetValue(province, out var key))
        {
            // Looked up aside, never in the agent's loop: the lookup may wait on a database that hangs.
            _ = RememberKeyAsync(province);
            await Task.Delay(poll, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        // Commits counted from here on, during the pause or the next round, end the next idle wait at once.
        var seen = _notified.TryGetValue(province, out var last) ? last : wakeup.NotificationsFor(key);
        _notified[province] = wakeup.NotificationsFor(key);
        await Task.Delay(poll, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!busy && !ct.IsCancellationRequested)
            await wakeup.WaitForAsync(key, seen, idle, ct);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _lookingUp = new(StringComparer.Ordinal);

    private async Task RememberKeyAsync(string province)
    {
        if (!_lookingUp.TryAdd(province, 0))
            return;
        try
        {
            _databaseKeys[province] = Workflow.Hosting.ReadSideDistribution.DatabaseKey(await provinces.DatabaseAsync(province));
        }
        catch (Exception e)
        {
            // Not reachable yet: the agent polls meanwhile and its rounds report the failure.
            logger.LogDebug("Finding province {Province}'s database for its commit notifications failed with {ExceptionType}", province, e.GetType().FullName);
        }
        finally
        {
            _lookingUp.TryRemove(province, out _);
        }
    }

    /// <summary>This node no longer holds the province's relay: its age is another node's to report.</summary>
    public void Released(string province)
    {
        _caughtUp.TryRemove(province, out _);
        _busy.TryRemove(province, out _);
        _behind.TryRemove(province, out _);
        _notified.TryRemove(province, out _);
    }

    /// <summary>
    /// Relays what <paramref name="province"/> committed since the last round; the number of events appended by this node.
    /// <para>
    /// Every round first checks that the province's log still holds what was relayed from it: the events
    /// relayed last (<see cref="NationalLog.Checked"/>), by their ids, and an event sequence at or past the
    /// relay's mark. A province database restored to an earlier point, or a standby promoted without its
    /// last commits, fails it: its log is shorter than the mark (the relay would wait in silence for it to
    /// grow back), or its sequences were handed out again to other events (the national log would point at
    /// events it never relayed). The round throws <see cref="ProvinceLogBehindException"/> and relays nothing
    /// until the log holds them again. The check shares the round trip that reads the events to relay; a
    /// round with nothing to relay makes it alone. A committed prefix below the mark is not a sign by itself:
    /// a node that just took the relay over has its own timers for the log's holes.
    /// </para>
    /// </summary>
    public async Task<int> RelayAsync(string province, CancellationToken ct)
    {
        var appended = 0;
        while (true)
        {
            var mark = await log.MarkAsync(province, ct);
            var from = mark.To;
            var safe = await prefix.OfAsync(province, ct);
            if (safe == from && from == 0)
                return appended;
            var (held, sequenceAt, events) = await ReadAsync(province, [.. mark.Recent.Select(r => r.Sequence)], from, safe, ct);
            if (sequenceAt < from)
                // Set back: the numbers up to the mark would be handed out again, to events the national log
                // never relayed, and a province feed's cursor past them would skip them. Moved on at once, not
                // left for an operator: whatever is restored next, no number the relay has passed is reused.
                await AdvanceSequenceAsync(province, from, ct);
            foreach (var (sequence, id) in mark.Recent)
                if (!ProvinceLog.Holds(held, sequence, id))
                    throw new ProvinceLogBehindException(province, sequence);
            if (sequenceAt < from)
                throw new ProvinceLogBehindException(province, from);
            if (safe <= from)
                return appended;
            var to = events.Count < Batch ? safe : events[^1].Sequence;
            if (!await log.AppendAsync(province, from, to, events, ct))
                return appended;
            appended += events.Count;
            if (events.Count < Batch)
                return appended;
        }
    }

    /// <summary>Moves the province's event sequence past <paramref name="to"/> (<see cref="ProvinceLog.AdvanceSequencePastAsync"/>), and says so.</summary>
    private async Task AdvanceSequenceAsync(string province, long to, CancellationToken ct)
    {
        await using var connection = await ProvinceLog.OpenAsync(provinces, province, ct);
        if (await ProvinceLog.AdvanceSequencePastAsync(connection, store.Options.Events.DatabaseSchemaName, to, ct))
            logger.LogWarning("Province {Province}'s event sequence stood below the national log's relay mark {Sequence}: moved past it", province, to);
    }

    /// <summary>
    /// In one round trip to the province: the ids of its events at <paramref name="relayed"/> (those it still
    /// holds), where its event sequence stands, and its events in (after, upper], at most one batch. Marten's
    /// tombstones (failed appends' numbers) are not events.
    /// </summary>
    private async Task<(Dictionary<long, Guid> Held, long SequenceAt, List<RelayedEvent> Events)> ReadAsync(
        string province, long[] relayed, long after, long upper, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = await ProvinceLog.OpenAsync(provinces, province, ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(ProvinceLog.HeldSql(schema))
                {
                    Parameters = { new NpgsqlParameter<long[]> { TypedValue = relayed } },
                },
                new NpgsqlBatchCommand(ProvinceLog.SequenceSql(schema)),
            },
        };
        if (upper > after)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"select seq_id, id from {schema}.mt_events where seq_id > $1 and seq_id <= $2 and type <> '{ProvinceLog.Tombstone}' order by seq_id limit $3")
            {
                Parameters =
                {
                    new NpgsqlParameter<long> { TypedValue = after },
                    new NpgsqlParameter<long> { TypedValue = upper },
                    new NpgsqlParameter<int> { TypedValue = Batch },
                },
            });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var held = await ProvinceLog.ReadHeldAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var sequenceAt = await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
        var events = new List<RelayedEvent>();
        if (await reader.NextResultAsync(ct))
            while (await reader.ReadAsync(ct))
                events.Add(new RelayedEvent(reader.GetInt64(0), reader.GetGuid(1)));
        return (held, sequenceAt, events);
    }
}

/// <summary>
/// A province's log no longer holds what was relayed from it into the national log: its database was restored
/// to an earlier point or failed over to a standby without its last commits (docs/operations.md, "A province
/// database behind the national log"). The message holds the province code and the sequence, nothing else.
/// </summary>
public sealed class ProvinceLogBehindException(string province, long sequence)
    : Exception($"Province {province}'s log no longer holds what it relayed to the national log (sequence {sequence})")
{
    public string Province { get; } = province;

    public long Sequence { get; } = sequence;
}
