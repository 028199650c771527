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
        var schema = store.Options.DatabaseSchemaName;
        var table = ReadSideSchema.Qualified(schema, ReadSideSchema.OverdueTable);
        var byDepartment = new List<(string Department, long Count)>();
        var linksWaiting = new List<(string Province, long Count)>();
        long outgoing = 0, deadLetters = 0;
        var provinces = services.GetRequiredService<Tenancy.ProvinceDatabases>();
        foreach (var province in await provinces.AllAsync())
        {
            // One database that does not answer leaves its own figures out, not every province's.
            try
            {
                var database = await provinces.DatabaseAsync(province);
                await using var connection = database.CreateConnection();
                await connection.OpenAsync(ct);
                await using var count = new NpgsqlCommand($"select department_id, count(*) from {table} group by department_id", connection);
                await using (var reader = await count.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                        byDepartment.Add((reader.GetString(0), reader.GetInt64(1)));
                }
                // Commands for another database (issue 20) stored in this one's inbox and not yet handled.
                await using var links = new NpgsqlCommand(Linking.LinkCommand.WaitingSql(schema), connection);
                linksWaiting.Add((province, (long)(await links.ExecuteScalarAsync(ct))!));
                // Its outbox and dead letters, counted here rather than by Wolverine's count over every
                // database, which fails as a whole when one of them does not answer.
                await using var envelopes = new NpgsqlCommand(
                    $"select (select count(*) from {schema}.wolverine_outgoing_envelopes), (select count(*) from {schema}.wolverine_dead_letters)", connection);
                await using var counted = await envelopes.ExecuteReaderAsync(ct);
                if (await counted.ReadAsync(ct))
                {
                    outgoing += counted.GetInt64(0);
                    deadLetters += counted.GetInt64(1);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Before the schema step created it: nothing is overdue or waiting yet.
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException || Hosting.DatabaseUnavailable.Is(e))
            {
                logger.LogDebug("Sampling province {Province} failed ({Error}); its gauges wait for the next tick", province, e.GetType().Name);
            }
        }
        metrics.SetLinksWaiting(linksWaiting);
        var directory = rules.Directory;
        metrics.SetOverdue([.. Enum.GetValues<Level>().Select(level => (Level: level.ToString().ToUpperInvariant(),
            Count: byDepartment.Where(d => directory.FindDepartment(d.Department)?.Level == level).Sum(d => d.Count)))]);
        // Wolverine's store: every outgoing envelope waiting (any destination, a broker's included) and the dead
        // letters, the province databases' (above) and the master database's own.
        if (services.GetService<IWolverineRuntime>() is { } wolverine)
        {
            var main = wolverine.Storage is Wolverine.Persistence.Durability.MultiTenantedMessageStore tenanted ? tenanted.Main : wolverine.Storage;
            try
            {
                var counts = await main.Admin.FetchCountsAsync();
                outgoing += counts.Outgoing;
                deadLetters += counts.DeadLetter;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException || Hosting.DatabaseUnavailable.Is(e))
            {
                logger.LogDebug("Sampling the master database's outbox failed ({Error})", e.GetType().Name);
            }
            metrics.SetOutbox(outgoing, deadLetters);
        }
    }
}
