using System.Net.Sockets;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaseEngine.Projections.Monitoring;

/// <summary>Unhealthy while any shard the daemon runs (async projection or subscription) is stalled (behind and not advancing), except one that waits on an outside system (Degraded); healthy once it catches up.</summary>
public sealed class ProjectionHealthCheck(ProjectionLagMonitor monitor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ProjectionLag> lags;
        try
        {
            lags = await monitor.SampleOrJoinAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("projection progress cannot be read", e);
        }
        // Named "inbox@340000": each province database has its own daemon and positions.
        static string Name(ProjectionLag l) => $"{l.Projection}@{l.Province}";
        var data = lags.ToDictionary(Name, l => (object)$"behind {l.Behind}, age {l.AgeSeconds:0.#} s");
        var outside = monitor.Options.WaitOnOutsideSystems;
        var stalled = lags.Where(l => l.Stalled && !outside.Contains(l.Projection)).Select(Name).ToList();
        if (stalled.Count > 0)
            return HealthCheckResult.Unhealthy(
                $"stalled projections or subscriptions: {string.Join(", ", stalled)} (behind and not advancing for {monitor.Options.StallAfter})", data: data);
        // Behind but moving: the read side trails (a backlog, a rebuild); the node still serves, so ready, flagged.
        var lagging = lags.Where(l => l.AgeSeconds >= monitor.Options.DegradedAfter.TotalSeconds || (l.Stalled && outside.Contains(l.Projection)))
            .Select(Name).ToList();
        return lagging.Count > 0
            ? HealthCheckResult.Degraded(
                $"projections or subscriptions lagging: {string.Join(", ", lagging)} (oldest unprocessed event older than {monitor.Options.DegradedAfter})", data: data)
            : HealthCheckResult.Healthy("projections advancing", data);
    }
}

/// <summary>
/// Refreshes the lag gauges in the background, and restarts on this node a shard the daemon gave up
/// on after an outage or an overlap (see <see cref="ShardRestarts"/>).
/// </summary>
public sealed class ProjectionLagSampler(ProjectionLagMonitor monitor, IServiceProvider services, ILogger<ProjectionLagSampler> logger) : BackgroundService
{
    private readonly ShardRestarts _restarts = new(logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(monitor.Options.SampleInterval);
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await monitor.SampleAsync(stoppingToken);
                if (services.GetService(typeof(IProjectionCoordinator)) is IProjectionCoordinator coordinator)
                    foreach (var daemon in await coordinator.AllDaemonsAsync())
                        await _restarts.RestartGivenUpShardsAsync(daemon, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sampling projection lag failed; retrying on the next tick");
            }
        }
    }
}

/// <summary>
/// The daemon stops a shard for good on <see cref="ProgressionProgressOutOfOrderException"/> (two
/// nodes on it during a handover) and may leave one paused after the database went away in
/// the middle of a batch (seen: <c>ObjectDisposedException: NpgsqlTransaction</c> at a PostgreSQL
/// crash, the shard never resumed). Every projection and subscription here applies each event once
/// whoever else runs the shard (<c>AppliedSequence</c>, idempotent flags), so starting such a shard
/// again from its stored progress is safe. A shard found in that state on two samples in a row is
/// started again. Wolverine's own assignment check (every 5 s, ReadSideDistribution) starts again every
/// shard that stopped with no failure or one it classes as passing — also one an operator paused — but
/// leaves alone those it classes as recurring (a poison event, an unreadable body, a progression row two
/// processes fought over: Wolverine's GH-3638); this restarts the overlap and outage ones among them. A
/// shard stopped for any other reason stays stopped and the projections health check reports it once it
/// falls behind.
/// </summary>
public sealed class ShardRestarts(ILogger logger)
{
    private readonly HashSet<(IProjectionDaemon, string)> _seen = [];

    public async Task RestartGivenUpShardsAsync(IProjectionDaemon daemon, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var givenUp = daemon.Tracker.CurrentStates()
            .Where(s => s.Action is ShardAction.Stopped or ShardAction.Paused && s.Exception is { } e && Restartable(e))
            .Select(s => s.ShardName).ToHashSet(StringComparer.Ordinal);
        // One daemon per province database: a shard is known by its daemon and its name.
        _seen.RemoveWhere(s => s.Item1 == daemon && !givenUp.Contains(s.Item2));
        foreach (var shard in givenUp)
        {
            if (_seen.Add((daemon, shard)))
                continue;
            _seen.Remove((daemon, shard));
            try
            {
                logger.LogWarning("Starting shard {Shard} again: the daemon gave up on it after an outage or an overlap", shard);
                await daemon.StartAgentAsync(shard, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Starting shard {Shard} again failed; trying on a later tick", shard);
            }
        }
    }

    /// <summary>An overlap, or the database gone in the middle of a batch.</summary>
    public static bool Restartable(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is ProgressionProgressOutOfOrderException or NpgsqlException or ObjectDisposedException or IOException
                or SocketException or TimeoutException)
                return true;
        }
        return false;
    }
}

public static class ProjectionMonitoringRegistration
{
    /// <summary>The lag monitor, its background sampler and the options (the health check is added by the host's health checks).</summary>
    public static IServiceCollection AddProjectionMonitoring(this IServiceCollection services, Action<ProjectionMonitorOptions>? configure = null)
    {
        var options = new ProjectionMonitorOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<ProjectionLagMonitor>();
        services.AddHostedService<ProjectionLagSampler>();
        return services;
    }
}
