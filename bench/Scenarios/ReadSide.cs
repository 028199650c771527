using System.Diagnostics;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;
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
    /// <summary>T5: rebuilds inbox, overdue and statistics from scratch; events per second over the three.</summary>
    public static async Task<(double EventsPerSecond, long Events, IReadOnlyDictionary<string, TimeSpan> Each)> RebuildAsync(Engine engine)
    {
        long events;
        await using (var session = engine.Store.QuerySession())
            events = await session.Events.QueryAllRawEvents().LongCountAsync();
        // The running host's own daemon rebuilds: a second daemon on the same database would double the work.
        var coordinator = engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var each = new Dictionary<string, TimeSpan>();
        var total = Stopwatch.StartNew();
        string[] names = [ReadSideNames.Inbox, ReadSideNames.Overdue, ReadSideNames.Statistics];
        foreach (var name in names)
        {
            var watch = Stopwatch.StartNew();
            await ProjectionRebuilds.RebuildAsync(coordinator, name, TimeSpan.FromHours(2));
            each[name] = watch.Elapsed;
        }
        return (events * names.Length / total.Elapsed.TotalSeconds, events, each);
    }

    /// <summary>
    /// T3: a probe submission to a region nobody else uses, while background clients keep the
    /// engine busy; the time from the command's reply until its inbox row and its statistics
    /// bucket are visible.
    /// </summary>
    public static async Task<(Measured Inbox, Measured Statistics)> LagAsync(Engine engine, string connectionString, int probes, int backgroundClients)
    {
        var schema = engine.Store.Options.DatabaseSchemaName;
        using var stop = new CancellationTokenSource();
        var background = Enumerable.Range(0, backgroundClients).Select(c => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"), Engine.As(new Actor($"load-{c}", Role.Petitioner, null)));
        })).ToList();

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
            var result = await engine.SendAsync(new SubmitPetitionMessage(Engine.As(new Actor("probe", Role.Petitioner, null)),
                Samples.Complaint(entryRegion: "340103")));
            var watch = Stopwatch.StartNew();
            double? inboxSeen = null, statisticsSeen = null;
            while (inboxSeen is null || statisticsSeen is null)
            {
                await using var conn = await source.OpenConnectionAsync();
                await using var cmd = new NpgsqlCommand(
                    $"select (select count(*) from {schema}.{ReadSideSchema.InboxTable} where petition_id = @p), " +
                    $"(select coalesce(sum(received), 0) from {schema}.{ReadSideSchema.StatisticsTable} where department_id = '340103-PO')", conn);
                cmd.Parameters.AddWithValue("p", result.PetitionId);
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
        await stop.CancelAsync();
        await Task.WhenAll(background);
        return (new Measured(probes, TimeSpan.Zero, [.. inbox]), new Measured(probes, TimeSpan.Zero, [.. statistics]));
    }
}
