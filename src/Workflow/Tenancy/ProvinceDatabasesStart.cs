using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine.Persistence.Durability;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// The databases at start, before Wolverine starts (registered ahead of it): Wolverine's tables in the
/// master database, then every listed province database readied side by side (<see cref="ProvinceDatabases.ReadyAsync"/>).
/// A province whose database does not answer does not stop the node: it is logged, its requests are answered
/// UNAVAILABLE meanwhile, and it is readied in the background as soon as it answers — one province's outage
/// (a server down, a failover) must not take the country's API down at the next deployment or node crash.
/// Marten's and Wolverine's own start-up schema steps are off for that reason (CaseEngineSetup): each
/// touched every database in turn and stopped the host at the first that failed. A failure that is not
/// the database being unreachable (a schema change that cannot be applied) still stops the start.
/// </summary>
internal sealed class ProvinceDatabasesStart(ProvinceDatabases provinces, IMessageStore messageStore, ILogger<ProvinceDatabasesStart> logger) : IHostedService
{
    /// <summary>How long the start waits for the province databases before it serves those that are ready.</summary>
    internal static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    /// <summary>How often the provinces not ready on this node are tried (one that was down, one registered since).</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _readying = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Node registration and leadership live in the master database: it must answer, else nothing runs.
        // Node registration and leadership live in the master database: it must answer, else nothing runs. The store
        // from the container, as Wolverine's integration with Marten builds it (the runtime's is set up only as it starts).
        if (messageStore is MultiTenantedMessageStore messages)
            await ProvinceDatabases.MigrateAsync(messages.Main);
        var all = await provinces.AllAsync();
        if (all.Count == 0)
            throw new StartupException($"no province database is registered in the master database: set {ProvinceSettings.Section}:<code> "
                + $"(env CaseEngine__Provinces__340000) to a PostgreSQL database for each province this deployment serves");

        var readying = all.ToDictionary(p => p, provinces.ReadyAsync, StringComparer.Ordinal);
        // Real time, not the injected clock: this bounds waiting on PostgreSQL, which a fake clock does not move.
        await ((Task)Task.WhenAny(Task.WhenAll(readying.Values), Task.Delay(StartWait, cancellationToken))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (province, ready) in readying)
        {
            if (ready.IsCompletedSuccessfully)
                continue;
            if (ready.IsFaulted && !DatabaseUnavailable.Is(ready.Exception))
                await ready; // not an outage: the schema could not be applied, which a restart will not mend
            // The type and SQLSTATE only: a connection failure's message names the server.
            logger.LogWarning("Province {Province}'s database is not ready at start ({Failure}); its commands and queries are answered "
                + "UNAVAILABLE until it answers, and it is readied then", province,
                ready.IsFaulted ? DatabaseUnavailable.Describe(ready.Exception!.InnerException ?? ready.Exception) : "still connecting");
            _down[province] = 0;
        }
        _readying = Task.Run(() => ReadyingAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>Provinces reported not ready: their return is logged once.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _down = new(StringComparer.Ordinal);

    /// <summary>
    /// While the node runs: every province listed in the master table and not yet ready on this node — one that was
    /// down at start, or one registered since — is readied, so that its read side, timers and Wolverine's inbox
    /// need no request first. One master read per interval; a province that hangs holds up no other.
    /// </summary>
    private async Task ReadyingAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // Real time: it paces connection attempts to databases, which a test's fake clock does not move.
            await Task.Delay(RetryInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                var known = await provinces.KnownAsync(RetryInterval);
                await Task.WhenAll(known.Where(p => !provinces.IsReady(p)).Select(async province =>
                {
                    try
                    {
                        await provinces.ReadyAsync(province).WaitAsync(StartWait, ct);
                        if (_down.TryRemove(province, out _))
                            logger.LogInformation("Province {Province}'s database answers again and is ready", province);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        if (_down.TryAdd(province, 0))
                            logger.LogWarning("Province {Province}'s database is not ready ({Failure}); tried again every {Interval} s",
                                province, DatabaseUnavailable.Describe(e), RetryInterval.TotalSeconds);
                    }
                }));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the master database not answering: the next round tries again; the node keeps serving
            catch (Exception e)
            {
                logger.LogDebug("Listing the province databases failed ({Failure})", DatabaseUnavailable.Describe(e));
            }
#pragma warning restore CA1031
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await ((Task)Task.WhenAny(_readying, Task.Delay(Timeout.Infinite, cancellationToken))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
