using System.Collections.Concurrent;
using System.Threading.Channels;
using CaseEngine.Workflow.Tenancy;
using CaseEngine.GraphApi.Auth;
using JasperFx.Events;

namespace CaseEngine.GraphApi.Reading;

/// <summary>Configuration section <c>GraphQL:Subscriptions</c>.</summary>
public sealed class LiveEventsOptions
{
    public const string Section = "GraphQL:Subscriptions";

    /// <summary>How often this node polls a committed log that a subscriber on this node follows (milliseconds).</summary>
    public int PollMilliseconds { get; set; } = 150;

    /// <summary>
    /// How often this node polls a log nobody on this node follows (milliseconds), only to keep its place
    /// near the end; a subscriber joining wakes it at once. With a database per province, most logs on
    /// most nodes have no subscriber at any moment: polling them all every 150 ms cost PostgreSQL about a
    /// sixth of a core on an idle 31-database server (bench/results, federation).
    /// </summary>
    public int IdlePollMilliseconds { get; set; } = 2000;

    /// <summary>Events waiting for one subscriber; more means a slow consumer, and its socket is closed.</summary>
    public int SubscriberBuffer { get; set; } = 1000;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        PollMilliseconds < 1 ? $"{Section}:PollMilliseconds must be at least 1"
        : IdlePollMilliseconds < PollMilliseconds ? $"{Section}:IdlePollMilliseconds must be at least {Section}:PollMilliseconds"
        : SubscriberBuffer < 1 ? $"{Section}:SubscriberBuffer must be at least 1"
        : null;
}

/// <summary>
/// The per-node tails of the committed event logs (architecture.md, Live events): a loop per province
/// database, every <see cref="LiveEventsOptions.PollMilliseconds"/> while a subscriber on this node follows it
/// (every <see cref="LiveEventsOptions.IdlePollMilliseconds"/> while none does), polls its log up to its committed
/// prefix (<see cref="EventFeed.SafeSequenceAsync"/>), and at once when its database commits; a loop of its own
/// polls the national log (fed by each province's relay agent, <see cref="NationalRelayAgents"/>) when the relay
/// announces an append, every idle interval otherwise; each fans the new events out to this
/// node's subscribers of its log. One province's database that hangs holds up its own loop only. Every node runs its own tails, so every node serves its own sockets.
/// A subscriber first replays the stored events after its <c>after</c> through the pull feed's
/// reader, then joins the tail at exactly the position it has read to: no gap, no duplicate.
/// Sequences are those of the log a subscription follows (<see cref="EventFeed.LogOfAsync"/>).
/// </summary>
public sealed class LiveEvents(EventFeed feed, ProvinceDatabases provinces, NationalLog national, LiveEventsOptions options, Workflow.Configuration.DaemonWakeup wakeup,
    Marten.IDocumentStore store, ILogger<LiveEvents> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Tail> _tails = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The sequence up to which this node's subscribers of <paramref name="province"/> have been served; -1 before its first poll.</summary>
    public long PositionOf(string province) => _tails.TryGetValue(province, out var tail) ? tail.Position : -1;

    /// <summary>Subscribers on this node that receive live events, over every province.</summary>
    public int LiveCount => _tails.Values.Sum(t => t.LiveCount);

    /// <summary>
    /// The events of <paramref name="query"/> (from <c>query.After</c>) in its province's log
    /// (<see cref="EventFeed.ProvinceOfAsync"/>) for the caller: stored ones, then live ones, ending with an
    /// error when the subscriber falls more than <see cref="LiveEventsOptions.SubscriberBuffer"/> events behind.
    /// </summary>
    public async IAsyncEnumerable<EventNode> FollowAsync(FeedQuery query, Caller caller,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await _started.Task.WaitAsync(ct);
        // A petition in no province served has no events to follow.
        if (await feed.LogOfAsync(query, caller) is not { } province)
            yield break;
        var tail = TailOf(province);
        var subscriber = new Subscriber(feed.Selector(query, caller), options.SubscriberBuffer);
        var cursor = query.After;
        // The last events replayed to this subscriber: the tail checks them too once it has joined (CheckServedAsync).
        var replayed = new Queue<(long Sequence, Guid Id)>();
        try
        {
            // Replay from the log up to where the tail stands, then join it there under the lock.
            while (true)
            {
                // A tail that started over (its log restored behind it, Tail.EndAll) between this read and the join
                // refuses the join: what was replayed here may be gone, and the numbers up to the target handed out again.
                var (target, epoch) = tail.PositionAndEpoch;
                if (target < 0)
                {
                    // A province registered since the last poll, or a tail that started over: it starts at its committed prefix now.
                    await tail.PollAsync(feed, ct);
                    continue;
                }
                while (cursor < target)
                {
                    var (page, scannedTo) = await feed.ReadUpToAsync(province, query with { After = cursor, First = 100 }, caller, target, ct);
                    foreach (var node in page)
                    {
                        Tail.Remember(replayed, node.Event.Sequence, node.EventId);
                        yield return node;
                    }
                    cursor = scannedTo;
                }
                // Joining with nothing replayed: the last events at or before the cursor stand for what the
                // subscriber already holds, so that a restore behind it is noticed before it is sent anything.
                // Not needed where the tail has read up to the cursor itself: its own window stands for it then.
                if (replayed.Count == 0 && cursor > 0 && !tail.HasReadUpTo(cursor))
                    foreach (var e in await LastHeldAsync(province, cursor, ct))
                        Tail.Remember(replayed, e.Sequence, e.Id);
                var joined = tail.TryJoin(subscriber, cursor, replayed, epoch);
                if (joined == true)
                    break;
                // Named no further than the log's end: what it appends again from there follows.
                if (joined is null)
                    throw new LogRestoredException(Math.Min(query.After, await feed.SafeSequenceAsync(province, ct)));
            }
            await foreach (var node in subscriber.Events.Reader.ReadAllAsync(ct))
                yield return node;
        }
        finally
        {
            tail.Leave(subscriber);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One loop per log: a province database that is down or hangs (a connect waiting out its timeout)
        // holds up its own events only, not the other provinces' tails nor the national log's.
        var loops = new Dictionary<string, Task>(StringComparer.Ordinal)
        {
            [NationalLog.Key] = RunAsync(TailOf(NationalLog.Key), null, stoppingToken),
        };
        var firstRounds = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The list of provinces from the master table every few seconds, not on every poll.
                foreach (var province in await provinces.KnownAsync(TimeSpan.FromSeconds(5)))
                {
                    if (loops.ContainsKey(province))
                        continue;
                    var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    firstRounds.Add(first.Task);
                    loops[province] = RunAsync(TailOf(province), first, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Listing the province databases for subscriptions failed with {ExceptionType}; retrying", e.GetType().FullName);
            }
            if (!_started.Task.IsCompleted)
            {
                // After the first rounds, failed or not, or 2 s: a subscriber that arrives while a database is
                // down or slow polls its log itself (and is told UNAVAILABLE), rather than waiting for it.
                await Task.WhenAny(Task.WhenAll(firstRounds), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
                _started.TrySetResult();
            }
            if (!await PauseAsync(stoppingToken))
                break;
        }
        await Task.WhenAll(loops.Values);
        foreach (var tail in _tails.Values)
            tail.CompleteAll();
    }

    private Tail TailOf(string log) => _tails.GetOrAdd(log, p => new Tail(p));

    /// <summary>
    /// One log's loop until the node stops: a round every poll interval while the log has subscribers on this
    /// node, every idle interval while it has none (a subscriber joining wakes it); <paramref name="first"/> is set after the first round.
    /// </summary>
    private async Task RunAsync(Tail tail, TaskCompletionSource? first, CancellationToken ct)
    {
        await Task.Yield();
        var national = tail.Log == NationalLog.Key;
        var idle = TimeSpan.FromMilliseconds(options.IdlePollMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            // Notifications for the log counted from before the round: one that lands during the round ends the
            // pause at once instead of waiting out the interval. The national log's appends are announced by the
            // relay, so its tail needs no 150 ms polling: the idle interval is only its fallback for a lost one.
            var key = WakeKeyOf(tail.Log);
            var seen = key is null ? 0 : wakeup.NotificationsFor(key);
            await PollAsync(tail.Log, async () =>
            {
                await CheckServedAsync(tail, ct);
                if (await tail.PollAsync(feed, ct) is { } end)
                    EndBehind(tail, end);
            });
            first?.TrySetResult();
            await tail.PauseAsync(national ? idle : TimeSpan.FromMilliseconds(options.PollMilliseconds), idle,
                key is null ? null : (timeout, token) => wakeup.WaitForAsync(key, seen, timeout, token), ct);
        }
    }

    private readonly ConcurrentDictionary<string, string> _databaseKeys = new(StringComparer.Ordinal);

    /// <summary>
    /// The name in the wake-up's notifications that ends a tail's pause early: a province database's key (its
    /// commits, notified by the daemons' wake-up), or the national log's (the relay's appends, <see
    /// cref="NationalRelay"/>); null while a province database's key is not known yet (the tail polls).
    /// </summary>
    private string? WakeKeyOf(string log)
    {
        if (log == NationalLog.Key)
            return NationalLog.WakeKey;
        if (_databaseKeys.TryGetValue(log, out var key))
            return key;
        // Looked up aside, never in the tail's loop: the lookup may wait on a database that hangs.
        _ = RememberKeyAsync(log);
        return null;
    }

    private readonly ConcurrentDictionary<string, byte> _lookingUp = new(StringComparer.Ordinal);

    private async Task RememberKeyAsync(string log)
    {
        if (!_lookingUp.TryAdd(log, 0))
            return;
        try
        {
            _databaseKeys[log] = Workflow.Hosting.ReadSideDistribution.DatabaseKey(await provinces.DatabaseAsync(log));
        }
        catch (Exception e)
        {
            // Not reachable yet: the tail polls meanwhile.
            logger.LogDebug("Finding the database of log {Log} for its commit notifications failed with {ExceptionType}", log, e.GetType().FullName);
        }
        finally
        {
            _lookingUp.TryRemove(log, out _);
        }
    }

    /// <summary>
    /// Before a tail's poll: whether its log still holds the last events this node sent to live subscribers
    /// (<see cref="NationalLog.Checked"/> of them, by their ids; more than the last one because events commit out of
    /// sequence order). A province database restored to an earlier point, or a standby promoted without the primary's
    /// last commits, has lost them, and hands their numbers to new events: the tail, standing past those numbers,
    /// would never send the new events, and the subscribers hold events the log no longer has. Nothing can mend
    /// that within the subscription's contract (sequences strictly increasing, none skipped), so it ends every live
    /// subscription of the log with <see cref="LogRestoredException"/> (LOG_RESTORED: subscribe again from where the
    /// log still holds what was sent), after moving the log's event sequence past everything this tail served, so
    /// that events committed from then on take new numbers. The same check as the national relay's
    /// (<see cref="NationalRelay.RelayAsync"/>); one round trip, made only while the tail has live subscribers.
    /// The national log's tail checks its entries the same way (a master database restored behind it); there the
    /// relays number what they append again from the restored end, so the tail starts over there instead.
    /// </summary>
    private async Task CheckServedAsync(Tail tail, CancellationToken ct)
    {
        if (tail.Served() is not { Count: > 0 } served)
            return;
        var schema = store.Options.Events.DatabaseSchemaName;
        var isNational = tail.Log == NationalLog.Key;
        await using var connection = isNational ? null : await ProvinceLog.OpenAsync(provinces, tail.Log, ct);
        var held = isNational
            ? await national.HeldAsync([.. served.Select(s => s.Sequence)], ct)
            : await ProvinceLog.HeldAsync(connection!, schema, [.. served.Select(s => s.Sequence)], ct);
        // An entry of the national log from before 2026-12-07 kept no event id: any entry there holds.
        var lost = served.FindIndex(s => !ProvinceLog.Holds(held, s.Sequence, held.GetValueOrDefault(s.Sequence) == Guid.Empty ? null : s.Id));
        if (lost < 0)
            return;
        // Everything sent up to the last event before the first one lost is still the log's; before the checked
        // window nothing is known, so a subscriber resumes at its start (what it then receives again it had).
        var resumeAfter = lost > 0 ? served[lost - 1].Sequence : served[0].Sequence - 1;
        if (isNational)
        {
            // The national log numbers its entries from its end: the relays append again, at the lost numbers, what
            // the restored log no longer holds. The tail starts over at the restored log's end, or it would never read them.
            var endedHere = tail.EndAll(new LogRestoredException(resumeAfter), startOver: true);
            logger.LogWarning("The national log no longer holds entry {Sequence} sent to live subscribers on this node: the master database was restored or failed over behind them. {Ended} subscriptions were ended with LOG_RESTORED (to resume after {ResumeAfter})",
                served[lost].Sequence, endedHere, resumeAfter);
            return;
        }
        // Moved before the subscribers are told: one resubscribing at once must find nothing new numbered behind the tail.
        await ProvinceLog.AdvanceSequencePastAsync(connection!, schema, tail.Position, ct);
        var ended = tail.EndAll(new LogRestoredException(resumeAfter));
        logger.LogWarning("Province {Province}'s log no longer holds event {Sequence} sent to live subscribers on this node: its database was restored or failed over behind them. {Ended} subscriptions were ended with LOG_RESTORED (to resume after {ResumeAfter}), and its event sequence moved past {Position}",
            tail.Log, served[lost].Sequence, ended, resumeAfter, tail.Position);
    }

    /// <summary>
    /// The national log ends before where its tail stands: the master database was restored behind it, with or
    /// without live subscribers here (a tail nobody follows checks nothing it sent). Its subscribers are ended
    /// with LOG_RESTORED to resume at the restored end, and the tail starts over there: the relays append again,
    /// from that end, what the restored log lost.
    /// </summary>
    private void EndBehind(Tail tail, long end)
    {
        var passed = tail.Position;
        var ended = tail.EndAll(new LogRestoredException(end), startOver: true);
        logger.LogWarning("The national log ends at {End}, before entry {Position} that this node's tail had passed: the master database was restored or failed over behind it. {Ended} subscriptions were ended with LOG_RESTORED (to resume after its end)",
            end, passed, ended);
    }

    private async Task<List<(long Sequence, Guid Id)>> LastHeldAsync(string province, long cursor, CancellationToken ct)
    {
        if (province == NationalLog.Key)
            // The national log's sequences have no holes: the entries of (cursor - 32, cursor].
            return [.. (await national.ReadAsync(Math.Max(0, cursor - NationalLog.Checked), cursor, NationalLog.Checked, ct))
                .Where(e => e.Event is not null).Select(e => (e.Sequence, e.Event!.Value))];
        await using var connection = await ProvinceLog.OpenAsync(provinces, province, ct);
        return await ProvinceLog.LastAsync(connection, store.Options.Events.DatabaseSchemaName, cursor, NationalLog.Checked, ct);
    }

    /// <summary>Waits one poll interval; false when the node is stopping.</summary>
    private async Task<bool> PauseAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.PollMilliseconds), ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One log's poll; its failure is logged (the exception's type and the log's key only) and retried next round.</summary>
    private async Task PollAsync(string log, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Polling the event log {Log} for subscriptions failed with {ExceptionType}; retrying", log, e.GetType().FullName);
        }
    }

    /// <summary>One log's tail on this node: how far it has been served and who follows it live.</summary>
    private sealed class Tail(string province)
    {
        private readonly Lock _gate = new();
        private readonly SemaphoreSlim _polling = new(1, 1);
        private readonly List<Subscriber> _live = [];
        /// <summary>The last events read for live subscribers, oldest first (<see cref="CheckServedAsync"/>); Marten's tombstones are not events.</summary>
        private readonly Queue<(long Sequence, Guid Id)> _served = new();
        private long _position = -1;
        private int _epoch;
        private TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The log's key: a province's code or <see cref="NationalLog.Key"/>.</summary>
        public string Log => province;

        /// <summary>
        /// Waits <paramref name="busy"/> while someone follows this log here, else <paramref name="idle"/>, or until
        /// someone joins or <paramref name="committed"/> (given the wait) ends: the log's database committed.
        /// </summary>
        public async Task PauseAsync(TimeSpan busy, TimeSpan idle, Func<TimeSpan, CancellationToken, Task>? committed, CancellationToken ct)
        {
            TimeSpan wait;
            Task joined;
            lock (_gate)
            {
                if (_joined.Task.IsCompleted)
                    _joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                joined = _joined.Task;
                wait = _live.Count > 0 ? busy : idle;
            }
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.WhenAny(committed is null ? Task.Delay(wait, done.Token) : committed(wait, done.Token), joined);
            // The delay's timer is released at once when a join or a commit woke the loop.
            await done.CancelAsync();
        }

        public long Position { get { lock (_gate) return _position; } }

        /// <summary>Where the tail stands, and how many times it has started over (<see cref="EndAll"/>).</summary>
        public (long Position, int Epoch) PositionAndEpoch { get { lock (_gate) return (_position, _epoch); } }

        public int LiveCount { get { lock (_gate) return _live.Count; } }

        /// <summary>Whether the tail stands at <paramref name="cursor"/> with the last events it read up to there in its window.</summary>
        public bool HasReadUpTo(long cursor) { lock (_gate) return _position == cursor && _served.Count > 0; }

        /// <summary>Adds an event sent to <paramref name="window"/>, keeping the last <see cref="NationalLog.Checked"/> (none for a tombstone, or an event of no known id).</summary>
        public static void Remember(Queue<(long Sequence, Guid Id)> window, long sequence, Guid? id)
        {
            if (id is not { } known)
                return;
            window.Enqueue((sequence, known));
            if (window.Count > NationalLog.Checked)
                window.Dequeue();
        }

        /// <summary>
        /// Joins <paramref name="subscriber"/> live at <paramref name="cursor"/>, unless the tail has passed it
        /// (false: replay further) or has started over since <paramref name="epoch"/> was read (null); the events it
        /// was replayed join the ones the tail checks, so that a restore losing them is noticed too.
        /// </summary>
        public bool? TryJoin(Subscriber subscriber, long cursor, IEnumerable<(long Sequence, Guid Id)> replayed, int epoch)
        {
            lock (_gate)
            {
                if (epoch != _epoch)
                    return null;
                if (cursor < _position)
                    return false;
                var window = _served.Concat(replayed).DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence).TakeLast(NationalLog.Checked).ToList();
                _served.Clear();
                foreach (var e in window)
                    _served.Enqueue(e);
                subscriber.Cursor = cursor;
                _live.Add(subscriber);
                // An idle loop polls at once: the subscriber's live events do not wait out the idle interval.
                _joined.TrySetResult();
                return true;
            }
        }

        public void Leave(Subscriber subscriber)
        {
            lock (_gate)
                _live.Remove(subscriber);
        }

        /// <summary>A copy of the last events read for live subscribers, oldest first.</summary>
        public List<(long Sequence, Guid Id)> Served() { lock (_gate) return [.. _served]; }

        /// <summary>
        /// Ends every live subscriber with <paramref name="error"/>; how many there were. With <paramref
        /// name="startOver"/> the tail also forgets where it stands, in the same step: its next round starts at the
        /// log's committed end (<see cref="PollAsync"/>), and a join begun before is refused (<see cref="TryJoin"/>).
        /// </summary>
        public int EndAll(Exception error, bool startOver = false)
        {
            lock (_gate)
            {
                var ended = _live.Count;
                foreach (var s in _live)
                    s.Events.Writer.TryComplete(error);
                _live.Clear();
                _served.Clear();
                if (startOver)
                {
                    _position = -1;
                    _epoch++;
                }
                return ended;
            }
        }

        public void CompleteAll()
        {
            lock (_gate)
            {
                foreach (var s in _live)
                    s.Events.Writer.TryComplete();
                _live.Clear();
            }
        }

        /// <summary>Reads what became committed since the last poll and hands it to the live subscribers.</summary>
        /// <returns>
        /// The national log's end when it lies before where the tail stands: the master database was restored behind
        /// it (the national log has no holes and never shrinks otherwise); null otherwise, and for a province's log.
        /// </returns>
        public async Task<long?> PollAsync(EventFeed feed, CancellationToken ct)
        {
            await _polling.WaitAsync(ct);
            try
            {
                var safe = await feed.SafeSequenceAsync(province, ct);
                // Every write below is dropped when the tail started over meanwhile (EndAll): it would undo that.
                var (position, epoch) = PositionAndEpoch;
                if (position < 0)
                {
                    // A new node starts live at the committed prefix; subscribers replay what lies before.
                    lock (_gate)
                        if (_epoch == epoch)
                            _position = safe;
                    return null;
                }
                if (province == NationalLog.Key && safe < position)
                    return safe;
                while (position < safe)
                {
                    lock (_gate)
                    {
                        if (_epoch != epoch)
                            return null;
                        // Nobody to serve: move on without reading; a subscriber that joins replays from the log.
                        // Checked and moved under one lock: a subscriber joining in between would otherwise be
                        // joined at the old position and never be sent what lies between it and the new one.
                        if (_live.Count == 0)
                        {
                            _position = safe;
                            _served.Clear();
                            return null;
                        }
                    }
                    var raw = await feed.ReadRawAsync(province, position, safe, null, 500, ct);
                    lock (_gate)
                    {
                        if (_epoch != epoch)
                            return null;
                        foreach (var logged in raw.Events)
                        {
                            Publish(logged);
                            Remember(_served, logged.Position, logged.Event.EventTypeName == ProvinceLog.Tombstone ? null : logged.Event.Id);
                        }
                        _position = raw.ScannedTo;
                    }
                    position = raw.ScannedTo;
                }
                return null;
            }
            finally
            {
                _polling.Release();
            }
        }

        private void Publish(LoggedEvent logged)
        {
            for (var i = _live.Count - 1; i >= 0; i--)
            {
                var s = _live[i];
                if (logged.Position <= s.Cursor || EventFeed.At(s.Select(logged.Event, logged.Petition), logged) is not { } node)
                    continue;
                if (!s.Events.Writer.TryWrite(node))
                {
                    s.Events.Writer.TryComplete(new SlowConsumerException(s.Buffer));
                    _live.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Subscriber(Func<IEvent, Domain.Petitions.Petition?, EventNode?> select, int buffer)
    {
        public Func<IEvent, Domain.Petitions.Petition?, EventNode?> Select { get; } = select;
        public int Buffer { get; } = buffer;
        public long Cursor { get; set; }
        public Channel<EventNode> Events { get; } = Channel.CreateBounded<EventNode>(
            new BoundedChannelOptions(buffer) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    }
}

/// <summary>
/// The province's log no longer holds events sent to this subscriber: its database was restored to an earlier
/// point or failed over behind them (<see cref="LiveEvents"/>). The message holds the sequence to resume after, nothing else.
/// </summary>
public sealed class LogRestoredException(long resumeAfter)
    : Exception($"the event log was restored to an earlier point: events sent after sequence {resumeAfter} may no longer exist, and new events may take their sequences; subscribe again with after: {resumeAfter}")
{
    /// <summary>The error code a subscriber is sent.</summary>
    public const string Code = "LOG_RESTORED";

    public long ResumeAfter { get; } = resumeAfter;
}

/// <summary>A subscriber fell too far behind: its events are no longer buffered for it.</summary>
public sealed class SlowConsumerException(int buffer)
    : Exception($"slow consumer: more than {buffer} events were waiting for this subscriber; resubscribe with after: <the last sequence received>");
