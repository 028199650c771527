using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// Which probe a health check answers: <c>/health/live</c> runs none (the process answers), <c>/health/ready</c>
/// runs the checks tagged <see cref="Ready"/> (the database, the read side, and a message broker when one is
/// configured: its check is added with this tag), <c>/health</c> runs every check.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";
}

/// <summary>
/// Healthy when the host has finished starting (schema applied, Wolverine and the daemon coordinator
/// started) and the database answers <c>SELECT 1</c>.
/// </summary>
public sealed class CaseEngineHealthCheck(IDocumentStore store, IHostApplicationLifetime lifetime, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
            return HealthCheckResult.Unhealthy("host is still starting", data: data);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return HealthCheckResult.Unhealthy("host is stopping", data: data);

        try
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "select 1";
            await command.ExecuteScalarAsync(cancellationToken);
            data["database"] = "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database does not answer", e, data);
        }

        // With HotCold only the elected node runs projections, so "not running here" is not a failure.
        if (services.GetService(typeof(IProjectionCoordinator)) is IProjectionCoordinator coordinator)
            data["daemonRunningHere"] = coordinator.DaemonForMainDatabase().IsRunning;
        return HealthCheckResult.Healthy("database answers, host started", data);
    }
}
