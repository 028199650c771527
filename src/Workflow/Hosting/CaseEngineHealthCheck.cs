using CaseEngine.Projections.Monitoring;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

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
    // A singleton (CaseEngineSetup), so the probes in flight are this node's.
    private readonly OnePerProvince _probes = new();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
            return HealthCheckResult.Unhealthy("host is still starting", data: data);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return HealthCheckResult.Unhealthy("host is stopping", data: data);

        // The master database (listing the province databases) answers, and so does each province's.
        IReadOnlyList<IMartenDatabase> provinces;
        try
        {
            provinces = [.. (await store.Storage.AllDatabases()).OfType<IMartenDatabase>()];
            data["database"] = "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database does not answer", e, data);
        }
        // The provinces side by side, each within ProvinceBound: a database that hangs (a connect waiting out
        // its timeout) shows as down now rather than holding the answer past the load balancer's timeout.
        var answers = await Task.WhenAll(provinces.Select(async province =>
        {
            try
            {
                // One probe per province in flight: /health is anonymous, and each probe of a hanging
                // database would otherwise leave a connect behind it for Npgsql's 15 s.
                var name = string.Join(',', province.TenantIds);
                return await _probes.TryRunAsync(name, ProvinceBound, () => SelectOneAsync(province, CancellationToken.None), cancellationToken)
                    ? (Name: name, Failure: (Exception?)null)
                    : (Name: name, Failure: new TimeoutException($"no answer within {ProvinceBound.TotalSeconds:0} s"));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                return (Name: string.Join(',', province.TenantIds), Failure: e);
            }
        }));
        var down = new List<string>();
        Exception? failure = null;
        foreach (var (name, error) in answers)
        {
            data[name] = error is null ? "ok" : "down";
            if (error is null)
                continue;
            down.Add(name);
            failure ??= error;
        }
        // One province's database down leaves the others served: the node degrades rather than
        // leaving the load balancer, which would take every province with it.
        if (down.Count > 0 && down.Count == provinces.Count)
            return HealthCheckResult.Unhealthy("database does not answer", failure, data);

        // Which province work Wolverine's leader gave this node (ReadSideDistribution): not running a
        // province here is not a failure, another node holds it. Province codes only, never servers.
        if (services.GetService(typeof(IWolverineRuntime)) is IWolverineRuntime runtime)
        {
            var running = runtime.Agents.AllRunningAgentUris();
            data["node"] = runtime.Options.UniqueNodeId.ToString();
            data["readSideHere"] = provinces.Where(p => RunsReadSide(running, p)).SelectMany(p => p.TenantIds).Order().ToArray();
            // Per-province agents (ProvinceAgentFamily): the deadline sweep, the national relay, as scheme://province.
            data["agentsHere"] = running.Where(u => u.Host.Length == 6 && u.Host.All(char.IsAsciiDigit))
                .Select(u => $"{u.Scheme}://{u.Host}").Order(StringComparer.Ordinal).ToArray();
        }
        return down.Count > 0
            ? HealthCheckResult.Degraded($"province databases down: {string.Join(", ", down)}", failure, data)
            : HealthCheckResult.Healthy("database answers, host started", data);
    }

    /// <summary>How long the check waits for one province database.</summary>
    public static readonly TimeSpan ProvinceBound = TimeSpan.FromSeconds(2);

    private static async Task SelectOneAsync(IMartenDatabase province, CancellationToken ct)
    {
        await using var connection = province.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "select 1";
        await command.ExecuteScalarAsync(ct);
    }

    /// <summary>A province's projections and subscriptions run here (Wolverine's agents of its database, <see cref="ReadSideDistribution.DatabaseKey"/>).</summary>
    private static bool RunsReadSide(Uri[] running, IMartenDatabase province)
    {
        var key = ReadSideDistribution.DatabaseKey(province);
        return running.Any(u => ReadSideDistribution.DatabaseKeyOf(u) == key);
    }
}
