using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Workflow.Hosting;
using JasperFx.Events.Daemon.HighWater;
using Marten;
using Marten.Events.Daemon.HighWater;
using Marten.Services;
using Marten.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// Wakes a province database's daemon when events are committed in that database, without a NOTIFY inside
/// the commands' transactions.
/// <para>
/// Marten's <c>UseListenNotifyForEventAppends</c> puts a <c>pg_notify</c> in every append transaction,
/// and PostgreSQL holds its one cluster-wide notify lock from that transaction's pre-commit until its
/// commit record is flushed: every appending commit waits for the previous one's flush, so commits can
/// no longer share a flush (group commit) and the append path is serialised on the disk. Here the
/// commands' transactions carry no NOTIFY; after a commit that appended events, this listener asks for
/// a <c>pg_notify</c> on the master database's channel naming the province database, sent from its own
/// connection, one at a time per node: commits that land while one is on its way are named in the next.
/// </para>
/// <para>
/// Every node LISTENs on that channel (one connection) and wakes the high-water agent of each database the
/// notification names. Marten's daemon settings hold one wake-up for the daemons of every province database
/// on the node and do not say which database is waiting: the agent's database comes from
/// <see cref="Database"/>, set while Wolverine builds and starts the database's projection agents
/// (<see cref="ScopedSubscriptionAgents"/>). Marten's own <c>PostgresqlListenWakeup</c> released one waiter per
/// NOTIFY, rarely the database that committed: over 31 province databases a commit took 0.7 s (p50) to reach
/// the inbox instead of 38 ms (bench/results, federation); waking every agent on every NOTIFY halved the
/// submissions a second. An agent whose database is not known (one started outside Wolverine's agents,
/// e.g. by a rebuild) is woken by every notification. Polling stays the fallback, and covers a wake-up lost
/// with a node that crashed between its commit and its notify.
/// </para>
/// </summary>
public sealed class DaemonWakeup : DocumentSessionListenerBase, IDaemonWakeup, IAsyncDisposable
{
    /// <summary>The province database (<see cref="ReadSideDistribution.DatabaseKey"/>) whose daemon is being started in this flow.</summary>
    internal static readonly AsyncLocal<string?> Database = new();

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<IMartenDatabase, string> _keys = new();

    // Sending: the databases committed to since the last notification, and whether one is on its way.
    private readonly Lock _sendGate = new();
    private readonly HashSet<string> _committed = new(StringComparer.Ordinal);
    private bool _sending;

    // Listening: one signal per database waited for, and one for agents whose database is not known.
    private readonly Lock _waitGate = new();
    private readonly Dictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);
    private TaskCompletionSource _anySignal = NewSignal();
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _detected = new(StringComparer.Ordinal);
    private long _countAll;
    private Task? _listening;

    public DaemonWakeup(string connectionString, ILogger<DaemonWakeup> logger)
    {
        // Two connections at most: this notifier's and the LISTEN.
        _dataSource = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 2, ApplicationName = "caseengine-wakeup" } }.Build();
        _logger = logger;
    }

    /// <summary>
    /// How often a quiet database's high-water mark is polled when no wake-up comes (Marten's default: every
    /// second). Every commit that appends wakes its database's daemon, so the poll only catches a wake-up lost
    /// with a node that crashed between its commit and its notify (then the read side lags by up to this
    /// long), and paces the wait before a gap of a rolled-back append is skipped. Once a second it was a
    /// quarter of what 31 idle databases ask of PostgreSQL (five statements each, plus the connection's
    /// reset: docs/scaling.md).
    /// </summary>
    public static readonly TimeSpan FallbackPolling = TimeSpan.FromSeconds(5);

    /// <summary>Installs the wake-up on <paramref name="opts"/>: the daemons wait on it, appending commits notify after they commit.</summary>
    public void Configure(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.Projections.Wakeup = this;
        opts.Projections.SlowPollingTime = FallbackPolling;
        opts.Listeners.Add(this);
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.GetEvents().Any())
            Committed(_keys.GetOrAdd(session.Database, ReadSideDistribution.DatabaseKey));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Names <paramref name="key"/> in the next notification, for a log that is not a province database's
    /// Marten appends: the national log, whose relay appends with SQL of its own (its followers wait on the key).
    /// </summary>
    public void Announce(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Committed(key);
    }

    /// <summary>Starts a notification naming <paramref name="database"/>, or names it in the next one if one is on its way.</summary>
    private void Committed(string database)
    {
        lock (_sendGate)
        {
            _committed.Add(database);
            if (_sending)
                return;
            _sending = true;
        }
        _ = Task.Run(NotifyAsync);
    }

    private async Task NotifyAsync()
    {
        while (true)
        {
            string payload;
            lock (_sendGate)
            {
                if (_committed.Count == 0)
                {
                    _sending = false;
                    return;
                }
                payload = string.Join(',', _committed);
                _committed.Clear();
            }
            try
            {
                await using var command = _dataSource.CreateCommand("select pg_notify(@channel, @databases)");
                command.Parameters.AddWithValue("channel", PostgresqlListenWakeup.DefaultChannel);
                command.Parameters.AddWithValue("databases", payload);
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e)
            {
                // The daemons' polling picks the events up; the database being away is reported elsewhere.
                _logger.LogDebug("Waking the projection daemons failed ({Error}); they poll", e.GetType().Name);
            }
        }
    }

    /// <summary>The province databases (<see cref="ReadSideDistribution.DatabaseKey"/>) whose agents are waiting for a wake-up now.</summary>
    public IReadOnlyList<string> DatabasesWaiting()
    {
        lock (_waitGate)
            return [.. _signals.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A high-water agent's wait: until its database is named in a notification (any notification when its
    /// database is not known) or <paramref name="timeout"/>. The first call starts this node's LISTEN.
    /// </summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken token) => WaitToDetectAsync(Database.Value, timeout, token);

    /// <summary>
    /// The high-water agent's wait for <paramref name="database"/> (<see cref="WaitForAsync(string?, TimeSpan, CancellationToken)"/>),
    /// then held, if need be, until <see cref="DetectionSpacing"/> after this database's previous detection began.
    /// </summary>
    public async Task WaitToDetectAsync(string? database, TimeSpan timeout, CancellationToken token)
    {
        await WaitForAsync(database, timeout, token);
        if (database is null)
            return;
        long previous;
        lock (_waitGate)
            previous = _detected.GetValueOrDefault(database);
        // Real time, not the engine's clock, like the daemon's own polling: a fake clock in tests would hold it.
        var since = Stopwatch.GetElapsedTime(previous);
        if (previous != 0 && since < DetectionSpacing)
            await Task.Delay(DetectionSpacing - since, token);
        lock (_waitGate)
            _detected[database] = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// The least time between two high-water detections of one database while its commits keep coming. Every
    /// appending commit wakes the agent, so under load it detected as fast as its statements ran (about a hundred
    /// times a second on one database, each reading the events above the mark to find gaps); commits landing
    /// within this spacing are detected together and the read side gets them in one page. The first wake-up
    /// after a pause is not held.
    /// </summary>
    public static readonly TimeSpan DetectionSpacing = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Until a commit in <paramref name="database"/> (<see cref="ReadSideDistribution.DatabaseKey"/>; any commit when
    /// null) is notified or <paramref name="timeout"/>: for other loops that follow a province's log (the national
    /// relay, the subscriptions' tails), so that they need not poll an idle database often.
    /// </summary>
    public Task WaitForAsync(string? database, TimeSpan timeout, CancellationToken token) => WaitForAsync(database, null, timeout, token);

    /// <summary>How many notifications have named <paramref name="database"/> (or named none) on this node so far.</summary>
    public long NotificationsFor(string database)
    {
        lock (_waitGate)
            return _counts.GetValueOrDefault(database) + _countAll;
    }

    /// <summary>
    /// <see cref="WaitForAsync(string?, TimeSpan, CancellationToken)"/>, returning at once when a notification for
    /// <paramref name="database"/> came after <paramref name="since"/> (a <see cref="NotificationsFor"/> taken earlier):
    /// a loop that takes its count before its round misses no commit that lands during the round.
    /// </summary>
    public async Task WaitForAsync(string? database, long? since, TimeSpan timeout, CancellationToken token)
    {
        Task signal;
        lock (_waitGate)
        {
            _listening ??= Task.Run(ListenAsync);
            if (database is not null && since is { } seen && _counts.GetValueOrDefault(database) + _countAll > seen)
                return;
            if (database is null)
                signal = _anySignal.Task;
            else
            {
                if (!_signals.TryGetValue(database, out var waiting))
                    _signals[database] = waiting = NewSignal();
                signal = waiting.Task;
            }
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(token);
        await Task.WhenAny(signal, Task.Delay(timeout, done.Token));
        // The delay's timer is released at once when the signal came first.
        await done.CancelAsync();
    }

    /// <summary>
    /// LISTENs on the channel from a connection of its own until the node stops; a connection lost (the
    /// database restarting, failing over) is opened again after a second, and every agent is woken after each
    /// (re)connect for whatever committed while nobody listened.
    /// </summary>
    private async Task ListenAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => Wake(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresqlListenWakeup.DefaultChannel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                Wake("");
                while (!ct.IsCancellationRequested)
                    await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The agents poll meanwhile; the database being away is reported by the health check.
                _logger.LogDebug("Listening for committed events failed ({Error}); listening again in a second", e.GetType().Name);
                Wake("");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Wakes the agents of the databases named in <paramref name="payload"/> and those of no known database; all of them when it names none.</summary>
    private void Wake(string payload)
    {
        var woken = new List<TaskCompletionSource>();
        lock (_waitGate)
        {
            if (payload.Length == 0)
            {
                _countAll++;
                woken.AddRange(_signals.Values);
                _signals.Clear();
            }
            else
            {
                foreach (var database in payload.Split(','))
                {
                    _counts[database] = _counts.GetValueOrDefault(database) + 1;
                    if (_signals.Remove(database, out var waiting))
                        woken.Add(waiting);
                }
            }
            woken.Add(_anySignal);
            _anySignal = NewSignal();
        }
        foreach (var signal in woken)
            signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    void IDisposable.Dispose() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listening is { } listening)
            await listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _dataSource.DisposeAsync();
        _stop.Dispose();
    }
}

/// <summary>
/// Wolverine's family of projection and subscription agents, unchanged, except that each agent is built and
/// started with its province database in <see cref="DaemonWakeup.Database"/>: the daemon's high-water agent,
/// started with the first of them, then waits for that database's wake-ups only. Registered after
/// Wolverine's own (the agent controller keeps the last family of a scheme).
/// </summary>
internal sealed class ScopedSubscriptionAgents(EventSubscriptionAgentFamily inner) : IStaticAgentFamily
{
    public string Scheme => inner.Scheme;

    public ValueTask<IReadOnlyList<Uri>> AllKnownAgentsAsync() => inner.AllKnownAgentsAsync();

    public ValueTask<IReadOnlyList<Uri>> SupportedAgentsAsync() => inner.SupportedAgentsAsync();

    public ValueTask EvaluateAssignmentsAsync(AssignmentGrid assignments) => inner.EvaluateAssignmentsAsync(assignments);

    /// <summary>
    /// Not <c>async</c> on purpose: a value set here stays in the caller's execution context, where Wolverine
    /// starts the agent right after building it (an async method would restore the context on return).
    /// </summary>
    public ValueTask<IAgent> BuildAgentAsync(Uri uri, IWolverineRuntime wolverineRuntime)
    {
        DaemonWakeup.Database.Value = ReadSideDistribution.DatabaseKeyOf(uri);
        return inner.BuildAgentAsync(uri, wolverineRuntime);
    }
}
