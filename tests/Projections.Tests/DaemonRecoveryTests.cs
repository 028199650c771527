using System.Diagnostics;
using System.Net.Sockets;
using CaseEngine.Domain;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Hosting;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// Marten #4961: with LISTEN/NOTIFY wake-ups on, a database outage once stopped the daemon's high-water
/// agent for good (writes worked again, projections never moved). The engine runs with its shipped
/// configuration; the server goes away for a few seconds and comes back on the same port.
/// </summary>
[RunsLong]
public class the_read_side_recovers_after_a_database_restart(RestartableCluster cluster, ITestOutputHelper output)
    : IClassFixture<RestartableCluster>
{
    private const string Office = "340101-PO";

    /// <summary>Long enough for the daemon to poll, and to try to listen again, while the server is down.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_petition_submitted_after_the_restart_reaches_the_inbox(bool crash)
    {
        var started = Stopwatch.StartNew();
        await using var engine = await Engine.StartAsync(await cluster.CreateDatabaseAsync());
        output.WriteLine($"engine started in {started.ElapsedMilliseconds} ms");
        var listens = ((DocumentStore)engine.Store).Options.Projections.Wakeup is Marten.Events.Daemon.HighWater.PostgresqlListenWakeup;
        output.WriteLine($"listen/notify wake-ups: {listens}");

        var before = await engine.SubmitAsync();
        await engine.Store.SettleAsync(TimeSpan.FromSeconds(30));
        (await InboxAsync(engine)).ShouldContain(before.PetitionId);
        if (listens)
            (await ListenersAsync()).ShouldBeGreaterThan(0, "the daemon listens for appends before the outage");

        // The outage: every connection is cut; the daemon, Wolverine and the pools see errors for a while.
        var watch = Stopwatch.StartNew();
        cluster.Server.StopServer(immediate: crash);
        await Task.Delay(Outage);
        cluster.Server.StartServer();
        output.WriteLine($"server {(crash ? "crashed" : "stopped")} and started again in {watch.ElapsedMilliseconds} ms");

        // The pools still hold connections the server has closed: the first commands may fail on them.
        // The same command id makes a retry safe (exactly-once commands).
        watch.Restart();
        var (after, attempts) = await SubmitUntilTheDatabaseAnswersAsync(engine);
        output.WriteLine($"first command accepted {watch.ElapsedMilliseconds} ms after the restart, at attempt {attempts}");

        watch.Restart();
        try
        {
            await engine.Store.SettleAsync(Recovery);
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException(
                $"the async projections did not catch up within {Recovery} after the restart (Marten #4961?): {e.Message}");
        }
        (await InboxAsync(engine)).ShouldContain(after.PetitionId);
        output.WriteLine($"visible in the inbox {watch.ElapsedMilliseconds} ms after the command");

        var health = await engine.Host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(r => r.Name == "projections");
        health.Status.ShouldBe(HealthStatus.Healthy);

        if (listens)
        {
            // Not just the polling fallback: the daemon listens again, so the lag is back to its normal.
            watch.Restart();
            var deadline = DateTime.UtcNow + Recovery;
            while (await ListenersAsync() == 0)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the daemon never listened for appends again after the restart");
                await Task.Delay(100);
            }
            output.WriteLine($"listening again after {watch.ElapsedMilliseconds} ms more");
        }
        watch.Restart();
    }

    private static async Task<(CommandResult Result, int Attempts)> SubmitUntilTheDatabaseAnswersAsync(Engine engine)
    {
        var meta = Engine.As(new Actor("citizen-after-restart", Role.Petitioner, null));
        var deadline = DateTime.UtcNow + Recovery;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await engine.SubmitAsync(meta: meta), attempt);
            }
            catch (Exception e) when (IsConnectionFailure(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(attempt, 10)));
            }
        }
    }

    private static bool IsConnectionFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is NpgsqlException or SocketException or IOException or TimeoutException)
                return true;
        }
        return false;
    }

    private static async Task<List<Guid>> InboxAsync(Engine engine)
    {
        await using var session = engine.Store.QuerySession(Province.Demo);
        var page = await InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, 50, null, engine.Clock.GetUtcNow());
        return [.. page.Edges.Select(e => e.Node.PetitionId)];
    }

    /// <summary>Sessions whose last statement was a LISTEN: the daemon's wake-up connection.</summary>
    private async Task<long> ListenersAsync()
    {
        await using var connection = new NpgsqlConnection(RestartableCluster.Unpooled(cluster.Server.ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where query ilike 'listen %'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// Issue 15, finding 21, as it happened: two nodes (HotCold) on one durable PostgreSQL, submissions
/// in flight from both, PostgreSQL crashed (immediate stop) under that load. The daemon's advisory
/// lock dies with its connection, so both nodes may run the shards for a while after the restart.
/// Afterwards every read model equals its rebuild, and the statistics count each acknowledged
/// submission exactly once.
/// </summary>
[RunsLong]
public class the_read_side_stays_exact_when_postgres_crashes_under_load_with_two_nodes(RestartableCluster cluster, ITestOutputHelper output)
    : IClassFixture<RestartableCluster>
{
    private const int Clients = 6;
    private const int PerClientBefore = 15;
    private const int PerClientAfter = 15;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task every_read_model_equals_its_rebuild()
    {
        var database = await cluster.CreateDatabaseAsync();
        var first = await Engine.StartAsync(database);
        var second = await Engine.StartAsync(database);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<Guid, Guid>();
        var resent = 0;
        try
        {
            var crashed = new TaskCompletionSource();
            var halfway = new CountdownEvent(Clients);
            async Task Client(int client)
            {
                for (var i = 0; i < PerClientBefore + PerClientAfter; i++)
                {
                    if (i == PerClientBefore)
                    {
                        halfway.Signal();
                        await crashed.Task;
                    }
                    var engine = (client + i) % 2 == 0 ? first : second;
                    // An unknown outcome is resent with the same command id (exactly-once commands).
                    var commandId = Guid.NewGuid();
                    var meta = Engine.As(new Actor($"citizen-load-{client}", Role.Petitioner, null), commandId: commandId);
                    var deadline = DateTime.UtcNow + Recovery;
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            var result = await engine.SubmitAsync(meta: meta);
                            acknowledged[commandId] = result.PetitionId;
                            break;
                        }
                        catch (Exception e) when (IsConnectionFailure(e) && DateTime.UtcNow < deadline)
                        {
                            Interlocked.Increment(ref resent);
                            await Task.Delay(TimeSpan.FromMilliseconds(50 * Math.Min(attempt, 10)));
                        }
                    }
                }
            }
            var load = Enumerable.Range(0, Clients).Select(c => Task.Run(() => Client(c))).ToList();
            // The crash lands while the first half is committing and being projected.
            halfway.Wait(Recovery).ShouldBeTrue();
            cluster.Server.StopServer(immediate: true);
            await Task.Delay(Outage);
            cluster.Server.StartServer();
            crashed.SetResult();
            await Task.WhenAll(load);
            output.WriteLine($"{acknowledged.Count} submissions acknowledged, {resent} resends after connection failures");
            acknowledged.Count.ShouldBe(Clients * (PerClientBefore + PerClientAfter));
            acknowledged.Values.Distinct().Count().ShouldBe(acknowledged.Count, "one petition per command id");

            await WaitForNonStaleAsync(first);
            await WaitForNonStaleAsync(second);
        }
        finally
        {
            // One node left, so the rebuild below is not raced by the other node's daemon.
            await second.DisposeAsync();
        }
        await using (first)
        {
            await WaitForNonStaleAsync(first);
            var live = await TableDump.AllAsync(first.Store);
            two_daemons_running_the_same_shards_at_once.Received(live).ShouldBe(acknowledged.Count, "each acknowledged submission counted once");

            var coordinator = first.Host.Services.GetRequiredService<JasperFx.Events.Daemon.IProjectionCoordinator>();
            foreach (var name in CaseEngine.Projections.ReadSide.ReadSideNames.Async)
                await CaseEngine.Projections.Monitoring.ProjectionRebuilds.RebuildAsync(coordinator, name, Recovery);
            await WaitForNonStaleAsync(first);
            live.ShouldEqual(await TableDump.AllAsync(first.Store), "after a crash under load every read model equals its rebuild");
        }
    }

    private static async Task WaitForNonStaleAsync(Engine engine)
    {
        var deadline = DateTime.UtcNow + Recovery;
        while (true)
        {
            try
            {
                await engine.Store.SettleAsync(Recovery);
                return;
            }
            catch (Exception e) when (IsConnectionFailure(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private static bool IsConnectionFailure(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is NpgsqlException or SocketException or IOException or TimeoutException)
                return true;
        }
        return false;
    }
}
