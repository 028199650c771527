using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Projections.Monitoring;

/// <summary>Unhealthy while any shard the daemon runs (async projection or subscription) is stalled (behind and not advancing); healthy once it catches up.</summary>
public sealed class ProjectionHealthCheck(ProjectionLagMonitor monitor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ProjectionLag> lags;
        try
        {
            lags = await monitor.SampleAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("projection progress cannot be read", e);
        }
        var data = lags.ToDictionary(l => l.Projection, l => (object)$"behind {l.Behind}, age {l.AgeSeconds:0.#} s");
        var stalled = lags.Where(l => l.Stalled).Select(l => l.Projection).ToList();
        return stalled.Count > 0
            ? HealthCheckResult.Unhealthy(
                $"stalled projections or subscriptions: {string.Join(", ", stalled)} (behind and not advancing for {monitor.Options.StallAfter})", data: data)
            : HealthCheckResult.Healthy("projections advancing", data);
    }
}

/// <summary>Refreshes the lag gauges in the background.</summary>
public sealed class ProjectionLagSampler(ProjectionLagMonitor monitor, ILogger<ProjectionLagSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(monitor.Options.SampleInterval);
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await monitor.SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sampling projection lag failed; retrying on the next tick");
            }
        }
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
