using System.Text.Json;
using CaseEngine.Domain.Petitions;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Integration;
using CaseEngine.Workflow.Tests.Scenarios;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.Workflow.Tests.Integration;

/// <summary>
/// Integration events on a real RabbitMQ node of this test class: every committed event, confirmed by
/// the broker before the publishing subscription's progress moves, routed by region and type, masked as the feed
/// masks it for an INTEGRATOR, read by a plain RabbitMQ client as an integrator would.
/// </summary>
[RunsLong]
public sealed class when_case_events_are_published(DatabaseFixture db, RabbitMqFixture broker, ITestOutputHelper output)
    : IClassFixture<DatabaseFixture>, IClassFixture<RabbitMqFixture>
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(90);

    private Task<Engine> StartAsync(string exchange) =>
        Engine.StartAsync(db, configure: o => o.Broker = broker.Node.Settings(exchange));

    private static async Task<IReadOnlyList<JasperFx.Events.IEvent>> LogAsync(Engine engine)
    {
        await using var session = engine.Store.QuerySession(Province.Demo);
        return await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
    }

    [Fact]
    public async Task each_committed_event_arrives_once_routed_by_region_and_type_with_the_petitioner_masked()
    {
        var exchange = $"ce-{Guid.NewGuid():N}"[..12];
        await using var engine = await StartAsync(exchange);
        var all = await BrokerQueue.BindAsync(broker.Node, exchange, "#");
        var county = await BrokerQueue.BindAsync(broker.Node, exchange, "340000.340100.340101.#");
        var otherCounty = await BrokerQueue.BindAsync(broker.Node, exchange, "340000.340100.340102.#");
        var forwards = await BrokerQueue.BindAsync(broker.Node, exchange, "*.*.*.PetitionForwarded");

        var submitted = await engine.SubmitAsync();
        var id = submitted.PetitionId;
        await engine.Forward(id);
        await engine.Accept(id);
        var log = (await LogAsync(engine)).Where(e => e.StreamId == id).ToList();

        await all.WaitUntilAsync(m => m.Count >= log.Count, Arrival);
        all.Messages.Select(m => (m.Sequence, m.Version, m.Json.GetProperty("type").GetString()))
            .ShouldBe(log.Select(e => (e.Sequence, (int)e.Version, (string?)e.EventType.Name)));
        all.Messages.Select(m => m.RoutingKey).ShouldAllBe(k => k.StartsWith("340000.340100.340101.", StringComparison.Ordinal));
        all.Messages[0].RoutingKey.ShouldBe("340000.340100.340101.PetitionSubmitted");
        (await county.DrainAsync()).ShouldBe(log.Count);
        (await forwards.DrainAsync()).ShouldBe(1);
        (await otherCounty.CountAsync()).ShouldBe(0u);

        // The integrator's view: the feed's masking, the sequence and the version to order and deduplicate by.
        var first = all.Messages[0];
        first.PetitionId.ShouldBe(id);
        var petitioner = first.Json.GetProperty("data").GetProperty("petitioner");
        petitioner.GetProperty("name").GetString().ShouldBe("张*");
        petitioner.GetProperty("phone").GetString().ShouldBe("138****5678");
        petitioner.GetProperty("idNumber").ValueKind.ShouldBe(JsonValueKind.Null);
        petitioner.GetProperty("address").ValueKind.ShouldBe(JsonValueKind.Null);
        first.Json.GetProperty("data").GetProperty("channel").GetString().ShouldBe("WEBSITE");
        foreach (var secret in new[] { "张三丰", "13812345678", "340101199001011234", "示范市1县1镇1", submitted.AccessCode! })
            all.Messages.ShouldAllBe(m => !m.Body.Contains(secret, StringComparison.Ordinal));
    }

    private static async Task<long> PublishedUpToAsync(Engine engine) =>
        (await engine.Store.Advanced.AllProjectionProgress(Province.Demo)).Single(p => p.ShardName == $"{CaseEventPublisher.SubscriptionName}:All").Sequence;

    [Fact]
    public async Task events_wait_in_the_log_while_the_broker_is_down_and_the_progress_moves_only_once_the_broker_confirmed_them()
    {
        var exchange = $"ce-{Guid.NewGuid():N}"[..12];
        await using var engine = await StartAsync(exchange);
        var integrator = await BrokerQueue.BindAsync(broker.Node, exchange, "#");
        var sender = engine.Host.Services.GetRequiredService<CaseEventSender>();
        var health = engine.Host.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>();
        var before = (await engine.SubmitAsync()).PetitionId;
        await integrator.WaitUntilAsync(m => m.Any(x => x.PetitionId == before), Arrival);
        (await health.CheckHealthAsync(c => c.Name == "broker")).Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

        long last;
        await broker.Node.StopAsync();
        try
        {
            // Readiness probes may come from anyone: within ProbeFor (fake clock unmoved) the first probe's
            // answer stands and no connection is tried, so a flood of probes cannot flood the broker.
            (await health.CheckHealthAsync(c => c.Name == "broker")).Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
            // Commands keep committing while the broker is down.
            var during = (await engine.SubmitAsync()).PetitionId;
            last = (await LogAsync(engine)).Where(e => e.StreamId == during).Max(e => e.Sequence);
            // The daemon hands the page over and the sender finds no broker (bounded wait on an external process).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (sender.Reachable && clock.Elapsed < Arrival)
                await Task.Delay(50);
            sender.Reachable.ShouldBeFalse("the sender noticed the broker is gone");
            // Not confirmed, so not passed: the subscription's progress stays below the new events.
            (await PublishedUpToAsync(engine)).ShouldBeLessThan(last);
            (await health.CheckHealthAsync(c => c.Name == "broker")).Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);

            // Held for longer than a stall (on the injected clock) once the read side has caught up: the
            // publisher is stalled, yet the node stays ready (Degraded): a downstream outage must not take
            // every node out of the load balancer.
            var monitor = engine.Host.Services.GetRequiredService<CaseEngine.Projections.Monitoring.ProjectionLagMonitor>();
            var settling = System.Diagnostics.Stopwatch.StartNew();
            while ((await monitor.SampleAsync()).Any(l => l.Projection != CaseEventPublisher.SubscriptionName && l.Behind > 0) && settling.Elapsed < Arrival)
                await Task.Delay(50);
            engine.Clock.Advance(monitor.Options.StallAfter + TimeSpan.FromSeconds(1));
            var lags = await monitor.SampleAsync();
            lags.Single(l => l.Projection == CaseEventPublisher.SubscriptionName).Stalled.ShouldBeTrue();
            lags.Where(l => l.Projection != CaseEventPublisher.SubscriptionName).ShouldAllBe(l => !l.Stalled);
            (await health.CheckHealthAsync(c => c.Name == "projections")).Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
        }
        finally
        {
            await broker.Node.StartAsync();
        }

        // Back: the waiting page is sent, then the progress moves past it.
        await integrator.WaitUntilAsync(m => m.Any(x => x.Sequence == last), TimeSpan.FromMinutes(2));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await PublishedUpToAsync(engine) < last && waited.Elapsed < Arrival)
            await Task.Delay(50);
        (await PublishedUpToAsync(engine)).ShouldBeGreaterThanOrEqualTo(last);
        sender.Reachable.ShouldBeTrue();
        engine.Clock.Advance(CaseEventSender.ProbeFor);
        (await health.CheckHealthAsync(c => c.Name == "broker")).Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
    }

    [Fact]
    public async Task a_node_stops_promptly_while_its_publisher_waits_for_a_broker_that_is_down()
    {
        var exchange = $"ce-{Guid.NewGuid():N}"[..12];
        var engine = await StartAsync(exchange);
        var sender = engine.Host.Services.GetRequiredService<CaseEventSender>();
        await broker.Node.StopAsync();
        try
        {
            await engine.SubmitAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (sender.Reachable && clock.Elapsed < Arrival)
                await Task.Delay(50);
            sender.Reachable.ShouldBeFalse("the publisher is waiting for the broker");
            // The daemon's stop cancels the page: the node does not hang until the host's shutdown timeout
            // (the page was not confirmed, so its progress was not stored and the next node sends it).
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await engine.DisposeAsync();
            stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        }
        finally
        {
            await broker.Node.StartAsync();
        }
    }

    [Fact]
    public async Task a_broker_stopped_and_restarted_under_load_loses_nothing_and_keeps_each_petitions_order()
    {
        var exchange = $"ce-{Guid.NewGuid():N}"[..12];
        await using var engine = await StartAsync(exchange);
        var integrator = await BrokerQueue.BindAsync(broker.Node, exchange, "#");

        // Four petitioners' workers, each petition submitted, forwarded, accepted and answered (4 events),
        // the broker stopped after the first third of the petitions and started again after the second.
        const int Workers = 4, PetitionsPerWorker = 12;
        var started = 0;
        var petitions = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var stopped = new TaskCompletionSource();
        var restart = new TaskCompletionSource();
        async Task WorkAsync()
        {
            for (var i = 0; i < PetitionsPerWorker; i++)
            {
                var n = Interlocked.Increment(ref started);
                if (n == Workers * PetitionsPerWorker / 3)
                    stopped.TrySetResult();
                if (n == 2 * Workers * PetitionsPerWorker / 3)
                    await restart.Task;
                var id = (await engine.SubmitAsync()).PetitionId;
                petitions.Add(id);
                await engine.Forward(id);
                await engine.Accept(id);
                await engine.Reply(id);
            }
        }
        var load = Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)));
        await stopped.Task;
        await broker.Node.StopAsync();
        // Commands keep committing while the broker is down; their events wait in the log.
        await broker.Node.StartAsync();
        restart.SetResult();
        await load;

        // This class's database also holds the other tests' petitions: only this test's count.
        var ours = petitions.ToHashSet();
        var log = (await LogAsync(engine)).Where(e => ours.Contains(e.StreamId)).ToList();
        log.Count.ShouldBe(Workers * PetitionsPerWorker * 4);
        await integrator.WaitUntilAsync(m => m.Where(x => ours.Contains(x.PetitionId)).Select(x => x.Sequence).Distinct().Count() >= log.Count,
            TimeSpan.FromMinutes(3));

        var arrived = integrator.Messages.Where(m => ours.Contains(m.PetitionId)).ToList();
        var duplicates = arrived.Count - arrived.Select(m => m.Sequence).Distinct().Count();
        // Per petition, the versions in the order they first arrived: 1, 2, 3, 4 when nothing overtook.
        var firstArrivals = arrived.GroupBy(m => m.PetitionId)
            .ToDictionary(g => g.Key, g => g.Select(m => m.Version).Distinct().ToList());
        var overtaken = firstArrivals.Values.Count(v => !v.SequenceEqual(Enumerable.Range(1, 4)));
        output.WriteLine($"{log.Count} events logged, {arrived.Count} messages received, {duplicates} duplicates, "
            + $"{overtaken} of {firstArrivals.Count} petitions with an event that overtook an earlier one");
        arrived.Select(m => m.Sequence).ToHashSet().SetEquals(log.Select(e => e.Sequence)).ShouldBeTrue("every logged event arrives, none missing, none invented");
        // Each petition's events first arrive in version order: a consumer that deduplicates by version
        // applies each event as it comes, never holding one back for an earlier one still on its way.
        firstArrivals.Where(p => !p.Value.SequenceEqual(Enumerable.Range(1, 4)))
            .Select(p => $"{p.Key}: {string.Join(",", p.Value)}").ShouldBeEmpty("petitions whose events arrived out of version order");
    }
}
