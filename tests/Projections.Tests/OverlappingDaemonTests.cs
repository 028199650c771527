using System.Diagnostics;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// Issue 15, finding 21: during a leadership handover (after a PostgreSQL crash) two nodes ran the
/// same shard over the same ranges. The loser's progress update affects no row, and Marten 9.58 only
/// logs that ("affected no rows … will become a thrown exception in a future major release") and
/// commits the batch: counters added twice, for good. Here two daemons are forced onto every async
/// shard at once, over the same events, and every read model must still equal a rebuild.
/// </summary>
public class two_daemons_running_the_same_shards_at_once(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task apply_every_event_once_and_the_read_models_equal_a_rebuild()
    {
        await using var engine = await Engine.StartAsync(db, configure: CaseEngineTestHost.KeepStoppedShardsStopped);
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        // Every shard has a progress row, as in a handover between running nodes, so the losing
        // batch's progress update affects no row (rather than failing on the row's primary key).
        await using (var session = engine.Store.LightweightSession(Province.Demo))
        {
            session.Events.StartStream(Guid.NewGuid(), new NotAPetitionEvent("progress rows"));
            await session.SaveChangesAsync();
        }
        await engine.Store.SettleAsync(CatchUp);
        // The host's own daemon stays out of the way (paused, and kept paused): the two daemons below are the overlap.
        await coordinator.PauseAsync();
        var report = await new Workload(engine, petitions: 80, seed: 15, ticks: 40).RunAsync();
        output.WriteLine($"workload: {report.Commands} commands, {report.Events} events");
        var head = await HeadAsync(engine.Store);

        // Two independent daemons on the same database, as two nodes in a handover: each reads the
        // stored progress when its shard starts and then follows its own position.
        var watch = Stopwatch.StartNew();
        var first = await engine.Store.BuildProjectionDaemonAsync(Province.Demo);
        var second = await engine.Store.BuildProjectionDaemonAsync(Province.Demo);
        try
        {
            foreach (var name in ReadSideNames.Async)
                await Task.WhenAll(first.StartAgentAsync($"{name}:All", CancellationToken.None),
                    second.StartAgentAsync($"{name}:All", CancellationToken.None));
            foreach (var daemon in new[] { first, second })
                foreach (var name in ReadSideNames.Async)
                    await daemon.Tracker.WaitForShardState($"{name}:All", head, CatchUp);
            output.WriteLine($"both daemons reached {head} in {watch.ElapsedMilliseconds} ms");
        }
        finally
        {
            foreach (var daemon in new[] { first, second })
            {
                await daemon.StopAllAsync();
                daemon.Dispose();
            }
        }
        var live = await TableDump.AllAsync(engine.Store);
        live.Statistics.Count.ShouldBeGreaterThan(0);

        await coordinator.ResumeAsync();
        foreach (var name in ReadSideNames.Async)
            await ProjectionRebuilds.RebuildAsync(coordinator, name, CatchUp);
        await engine.Store.SettleAsync(CatchUp);
        var rebuilt = await TableDump.AllAsync(engine.Store);
        output.WriteLine($"received: live {Received(live)}, rebuilt {Received(rebuilt)}");
        Received(live).ShouldBe(Received(rebuilt), "petitions counted as received, live and rebuilt");
        live.ShouldEqual(rebuilt, "two daemons over the same events must leave what one rebuild leaves");
    }

    /// <summary>The sum of the statistics' "received" counter (the first counter after the five key columns).</summary>
    internal static long Received(ReadModels models) => models.Statistics.Sum(row => long.Parse(row.Split('|')[5], System.Globalization.CultureInfo.InvariantCulture));

    internal static async Task<long> HeadAsync(IDocumentStore store)
    {
        await using var connection = (await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var max = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_events", connection);
        return (long)(await max.ExecuteScalarAsync())!;
    }
}

/// <summary>An event no read model counts: it only moves every shard's progress off zero.</summary>
public sealed record NotAPetitionEvent(string Note);
