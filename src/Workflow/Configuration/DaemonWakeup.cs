using Marten;
using Marten.Events.Daemon.HighWater;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// Wakes the async daemon when events are committed, without a NOTIFY inside the commands' transactions.
/// <para>
/// Marten's <c>UseListenNotifyForEventAppends</c> puts a <c>pg_notify</c> in every append transaction,
/// and PostgreSQL holds its one cluster-wide notify lock from that transaction's pre-commit until its
/// commit record is flushed: every appending commit waits for the previous one's flush, so commits can
/// no longer share a flush (group commit) and the append path is serialised on the disk. Here the
/// commands' transactions carry no NOTIFY; after a commit that appended events, this listener asks for
/// one <c>pg_notify</c> on the same channel, sent from its own connection, one at a time per node:
/// commits that land while one is on its way ask for exactly one more. The daemon listens with
/// Marten's own <see cref="PostgresqlListenWakeup"/> (set as the daemon's wake-up in
/// <see cref="Configure"/>), and its polling still covers a wake-up lost with a node that crashed
/// between its commit and its notify.
/// </para>
/// </summary>
public sealed class DaemonWakeup : DocumentSessionListenerBase, IAsyncDisposable
{
    private const int Idle = 0, Sending = 1, SendingAndAgain = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private int _state;

    public DaemonWakeup(string connectionString, ILogger<DaemonWakeup> logger)
    {
        // Two connections at most: this notifier's and the daemon's LISTEN.
        _dataSource = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 2, ApplicationName = "caseengine-wakeup" } }.Build();
        _logger = logger;
    }

    /// <summary>Installs the wake-up on <paramref name="opts"/>: the daemon listens, appending commits notify after they commit.</summary>
    public void Configure(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.Projections.Wakeup = new PostgresqlListenWakeup(_dataSource, _logger);
        opts.Listeners.Add(this);
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.GetEvents().Any())
            Signal();
        return Task.CompletedTask;
    }

    /// <summary>Starts a notify, or asks the one on its way for one more (never more than one waiting).</summary>
    private void Signal()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Idle when Interlocked.CompareExchange(ref _state, Sending, Idle) == Idle:
                    _ = Task.Run(NotifyAsync);
                    return;
                case Sending when Interlocked.CompareExchange(ref _state, SendingAndAgain, Sending) == Sending:
                case SendingAndAgain:
                    return;
            }
        }
    }

    private async Task NotifyAsync()
    {
        while (true)
        {
            try
            {
                await using var command = _dataSource.CreateCommand($"select pg_notify('{PostgresqlListenWakeup.DefaultChannel}', '')");
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e)
            {
                // The daemon's polling picks the events up; the database being away is reported elsewhere.
                _logger.LogDebug("Waking the projection daemon failed ({Error}); it polls", e.GetType().Name);
            }
            // Commits landed while this one was sent: one more, so none waits for the next poll.
            if (Interlocked.CompareExchange(ref _state, Sending, SendingAndAgain) == SendingAndAgain)
                continue;
            if (Interlocked.CompareExchange(ref _state, Idle, Sending) == Sending)
                return;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
