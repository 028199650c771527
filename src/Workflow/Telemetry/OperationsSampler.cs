using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Rules;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Telemetry;

/// <summary>
/// Refreshes the gauges that need the database (overdue entries by level, the outbox and the dead
/// letters) every <see cref="Interval"/>, in the background: a scrape or an export never waits on a
/// query. Counts, not rows: the statements read no personal data.
/// </summary>
public sealed class OperationsSampler(IDocumentStore store, RuleBook rules, CaseEngineMetrics metrics, ILogger<OperationsSampler> logger,
    IServiceProvider services) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(Interval);
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug("Sampling the operational gauges failed ({Error}); retrying on the next tick", e.GetType().Name);
            }
        }
    }

    /// <summary>Reads the counts now (tests call it instead of waiting for the tick).</summary>
    public async Task SampleAsync(CancellationToken ct = default)
    {
        var table = ReadSideSchema.Qualified(store.Options.DatabaseSchemaName, ReadSideSchema.OverdueTable);
        var byDepartment = new List<(string Department, long Count)>();
        foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
        {
            await using var connection = database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var count = new NpgsqlCommand($"select department_id, count(*) from {table} group by department_id", connection);
            try
            {
                await using var reader = await count.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    byDepartment.Add((reader.GetString(0), reader.GetInt64(1)));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Before the schema step created it: nothing is overdue yet.
            }
        }
        var directory = rules.Directory;
        metrics.SetOverdue([.. Enum.GetValues<Level>().Select(level => (Level: level.ToString().ToUpperInvariant(),
            Count: byDepartment.Where(d => directory.FindDepartment(d.Department)?.Level == level).Sum(d => d.Count)))]);
        // Wolverine's store: every outgoing envelope waiting (any destination, a broker's included) and the dead letters.
        if (services.GetService<IWolverineRuntime>() is { } wolverine)
        {
            var counts = await wolverine.Storage.Admin.FetchCountsAsync();
            metrics.SetOutbox(counts.Outgoing, counts.DeadLetter);
        }
    }
}
