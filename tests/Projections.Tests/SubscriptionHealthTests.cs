using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// Issue 15, finding 22: after a PostgreSQL crash the duplicate detection subscription stopped
/// (ProgressionProgressOutOfOrderException) and stayed behind while the health check said Healthy:
/// it looked only at inbox, overdue and statistics. Every shard the daemon runs, projection or
/// subscription, must count.
/// </summary>
public class a_stopped_subscription_turns_the_health_check_unhealthy(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string DuplicateDetection = "DuplicateDetection";

    [Fact]
    public async Task the_duplicate_detection_subscription_behind_and_not_advancing_is_unhealthy()
    {
        await using var engine = await Engine.StartAsync(db, configure: o =>
        {
            o.DuplicateDetection = true;
            CaseEngineTestHost.KeepStoppedShardsStopped(o);
        });
        var services = engine.Host.Services;
        var health = services.GetRequiredService<HealthCheckService>();
        var monitor = services.GetRequiredService<ProjectionLagMonitor>();
        var daemon = await services.GetRequiredService<IProjectionCoordinator>().DaemonForDatabase(Province.Demo);
        await engine.SubmitAsync();
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(60));
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Healthy);

        // The subscription stops as it did after the crash; the projections go on.
        await daemon.StopAgentAsync($"{DuplicateDetection}:All", new InvalidOperationException("stopped as by ProgressionProgressOutOfOrderException"));
        await engine.SubmitAsync();
        var head = await two_daemons_running_the_same_shards_at_once.HeadAsync(engine.Store);
        foreach (var name in ReadSideNames.Async)
            await daemon.Tracker.WaitForShardState($"{name}:All", head, TimeSpan.FromSeconds(60));
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Healthy, "behind, but not yet for long");

        engine.Clock.Advance(monitor.Options.StallAfter + TimeSpan.FromSeconds(1));
        var report = await health.CheckHealthAsync(r => r.Name == "projections");
        output.WriteLine(report.Entries["projections"].Description);
        report.Status.ShouldBe(HealthStatus.Unhealthy, "the duplicate detection subscription has stopped and is behind");
        report.Entries["projections"].Description.ShouldNotBeNull().ShouldContain(DuplicateDetection);
    }
}
