using System.Diagnostics.Metrics;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

public class projection_lag_is_measured_and_a_stalled_daemon_is_unhealthy(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_gauges_report_lag_under_load_and_the_health_check_follows_the_daemon()
    {
        // The daemon is paused below and must stay paused while the load piles up.
        await using var engine = await Engine.StartAsync(db, configure: CaseEngineTestHost.KeepStoppedShardsStopped);
        var services = engine.Host.Services;
        var monitor = services.GetRequiredService<ProjectionLagMonitor>();
        var health = services.GetRequiredService<HealthCheckService>();
        var coordinator = services.GetRequiredService<IProjectionCoordinator>();

        var measured = new List<(string Instrument, string Projection, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == monitor.Meter)
                l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var projection = "";
            foreach (var t in tags)
                if (t.Key == "projection")
                    projection = (string)t.Value!;
            lock (measured)
                measured.Add((i.Name, projection, v));
        }
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();

        await engine.SubmitAsync();
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));
        (await monitor.SampleAsync()).ShouldAllBe(l => l.Behind == 0 && !l.Stalled);
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Healthy);

        // Load with the daemon running: the gauges are sampled while 100 petitions arrive.
        var load = Task.WhenAll(Enumerable.Range(0, 100).Select(_ => engine.SubmitAsync()));
        var maxBehind = 0L;
        while (!load.IsCompleted)
        {
            maxBehind = Math.Max(maxBehind, (await monitor.SampleAsync()).Max(l => l.Behind));
            listener.RecordObservableInstruments();
        }
        await load;
        output.WriteLine($"largest lag seen while the daemon ran under load: {maxBehind} events");

        // The daemon stops (paused on this, the only node): load piles up, the gauges say so.
        await coordinator.PauseAsync();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => engine.SubmitAsync()));
        var lags = await monitor.SampleAsync();
        measured.Clear();
        listener.RecordObservableInstruments();
        foreach (var lag in lags)
        {
            output.WriteLine($"{lag}");
            lag.Behind.ShouldBeGreaterThanOrEqualTo(50);
            lag.Stalled.ShouldBeFalse("behind, but not yet for long");
        }
        foreach (var name in CaseEngine.Projections.ReadSide.ReadSideNames.All)
        {
            measured.ShouldContain(m => m.Instrument == ProjectionLagMonitor.LagInstrument && m.Projection == name && m.Value >= 50);
            measured.ShouldContain(m => m.Instrument == ProjectionLagMonitor.AgeInstrument && m.Projection == name);
        }
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Healthy);

        // Its oldest unprocessed event older than DegradedAfter, but not stalled yet: degraded (still ready).
        engine.Clock.Advance(monitor.Options.DegradedAfter + TimeSpan.FromSeconds(1));
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Degraded);

        // No progress for longer than StallAfter (on the injected clock): unhealthy.
        engine.Clock.Advance(monitor.Options.StallAfter - monitor.Options.DegradedAfter);
        var report = await health.CheckHealthAsync(r => r.Name == "projections");
        report.Status.ShouldBe(HealthStatus.Unhealthy);
        output.WriteLine(report.Entries["projections"].Description);
        (await monitor.SampleAsync()).ShouldAllBe(l => l.AgeSeconds >= monitor.Options.StallAfter.TotalSeconds);

        // The daemon resumes and catches up: healthy again, nothing behind.
        await coordinator.ResumeAsync();
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(60));
        (await health.CheckHealthAsync(r => r.Name == "projections")).Status.ShouldBe(HealthStatus.Healthy);
        measured.Clear();
        listener.RecordObservableInstruments();
        measured.Where(m => m.Instrument == ProjectionLagMonitor.LagInstrument).ShouldAllBe(m => m.Value == 0);
    }
}
