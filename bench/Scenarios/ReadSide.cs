using System.Diagnostics;
using CaseEngine.Bench.Harness;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// T3 and T5: how long the asynchronous read side takes to show a committed event, and to be
/// rebuilt from the whole log (<see cref="Dataset"/>).
/// </summary>
public static class ReadSide
{
    /// <summary>
    /// T5: rebuilds the ReadModels shard from scratch as the rebuild command does: one replay of the log
    /// applies each page to the inbox, the overdue list, the statistics and the situation analysis; events per
    /// second over the four read models (the runs before 2026-12-07 rebuilt three shards side by side and
    /// counted three).
    /// </summary>
    /// <param name="databasesAtOnce">province databases rebuilt side by side (the data's every database is rebuilt)</param>
    public static async Task<(double EventsPerSecond, long Events, IReadOnlyDictionary<string, TimeSpan> Each)> RebuildAsync(Engine engine,
        int databasesAtOnce = 1)
    {
        long events = 0;
        foreach (var database in (await engine.Store.Storage.AllDatabases()).OfType<Marten.Storage.IMartenDatabase>())
        {
            await using var session = engine.Store.QuerySession(database.TenantIds[0]);
            events += await session.Events.QueryAllRawEvents().LongCountAsync();
        }
        // The running host's own daemon rebuilds: a second daemon on the same database would double the work.
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var total = Stopwatch.StartNew();
        await ProjectionRebuilds.RebuildAsync(coordinator, ReadSideNames.ReadModels, TimeSpan.FromHours(2), databasesAtOnce: databasesAtOnce);
        return (events * ReadSideNames.Members.Count / total.Elapsed.TotalSeconds, events,
            new Dictionary<string, TimeSpan> { ["one pass"] = total.Elapsed });
    }

    /// <summary>
    /// T3 as every scenario measures it: <paramref name="background"/>'s open loop at half load from a client
    /// process of its own (<see cref="BackgroundSubmissions"/>) while <see cref="LagAsync"/> probes;
    /// <paramref name="loadStarted"/> runs once the load is submitting (a runtime sampler starts there).
    /// </summary>
    public static async Task<(Measured Inbox, Measured Statistics, Measured Background)> LagUnderLoadAsync(ClientSpec background,
        Func<Task<Guid>> submitProbe, string connectionString, string schema, int probes, Action? loadStarted = null)
    {
        await using var load = await BackgroundSubmissions.StartAsync(background);
        loadStarted?.Invoke();
        var (inbox, statistics) = await LagAsync(submitProbe, connectionString, schema, probes);
        var outcome = await load.StopAsync();
        if (outcome.Failures > 0)
            throw new InvalidOperationException($"T3: {outcome.Failures} of {outcome.Operations} background submissions failed, first: {outcome.FirstFailure}");
        return (inbox, statistics, outcome.Measured);
    }

    /// <summary>
    /// T3: submits <paramref name="probes"/> petitions at 340103 one after another, each through
    /// <paramref name="submitProbe"/> (its petition id, returned once committed), and times the reply
    /// → its row in the inbox and → 340103-PO's received count in statistics, polling every 5 ms.
    /// The caller runs the background load; nothing else may submit at 340103 meanwhile.
    /// </summary>
    public static async Task<(Measured Inbox, Measured Statistics)> LagAsync(Func<Task<Guid>> submitProbe, string connectionString,
        string schema, int probes)
    {
        var inbox = new List<double>();
        var statistics = new List<double>();
        await using var source = NpgsqlDataSource.Create(connectionString);
        // Loaded data may already count submissions at 340103-PO: a probe is seen when the count
        // passes what was there before the probes plus the probes so far (only probes go there).
        long before;
        await using (var conn = await source.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand(
            $"select coalesce(sum(received), 0) from {schema}.{ReadSideSchema.StatisticsTable} where department_id = '340103-PO'", conn))
            before = Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 1; i <= probes; i++)
        {
            var petitionId = await submitProbe();
            var watch = Stopwatch.StartNew();
            double? inboxSeen = null, statisticsSeen = null;
            while (inboxSeen is null || statisticsSeen is null)
            {
                await using var conn = await source.OpenConnectionAsync();
                await using var cmd = new NpgsqlCommand(
                    $"select (select count(*) from {schema}.{ReadSideSchema.InboxTable} where petition_id = @p), " +
                    $"(select coalesce(sum(received), 0) from {schema}.{ReadSideSchema.StatisticsTable} where department_id = '340103-PO')", conn);
                cmd.Parameters.AddWithValue("p", petitionId);
                await using var reader = await cmd.ExecuteReaderAsync();
                await reader.ReadAsync();
                if (inboxSeen is null && reader.GetInt64(0) > 0)
                    inboxSeen = watch.Elapsed.TotalMilliseconds;
                if (statisticsSeen is null && reader.GetInt64(1) >= before + i)
                    statisticsSeen = watch.Elapsed.TotalMilliseconds;
                if (watch.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException("the read side did not show a probe within a minute");
                await Task.Delay(5);
            }
            inbox.Add(inboxSeen.Value);
            statistics.Add(statisticsSeen.Value);
        }
        return (new Measured(probes, TimeSpan.Zero, [.. inbox]), new Measured(probes, TimeSpan.Zero, [.. statistics]));
    }
}
