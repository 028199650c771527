using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Hosting;
using Marten;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>dotnet run --project src/GraphApi -- rebuild [ReadModels|inbox|overdue|statistics|SituationAnalysis|DuplicateIndex|all ...]</c>, with <c>ConnectionStrings__Marten</c> in the environment (arguments show in <c>ps</c>):
/// rebuilds read models from the event log. It refuses to run while a node of the deployment is running
/// (a fresh heartbeat in Wolverine's node table): the node running the projection's agent would go on applying
/// events to the table being refilled.
/// </summary>
public static class RebuildCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var names = args.Where(a => !a.StartsWith('-')).ToList();
        if (names.Count == 0 || names.Contains("all"))
            names = [ReadSideNames.ReadModels, ReadSideNames.DuplicateIndex];
        var unknown = names.Except(ProjectionRebuilds.Names).ToList();
        if (unknown.Count > 0)
        {
            error.WriteLine($"unknown projection(s): {string.Join(", ", unknown)}; known: {string.Join(", ", ProjectionRebuilds.Names)}, all");
            return 2;
        }
        var builder = WebApplication.CreateBuilder(ServerEnvironment.Options(args.Where(a => a.StartsWith('-')).ToArray()));
        builder.AddCaseEngine();
        await using var app = builder.Build();
        IDocumentStore store;
        int databasesAtOnce;
        try
        {
            databasesAtOnce = DatabasesAtOnce(app.Configuration);
            // The same keys as the server (the duplicate index hashes with the petitioner-hash key) and the same one-line failures.
            app.Services.GetRequiredService<ServerKeys>().CheckRequired();
            await app.Services.GetRequiredService<ConfiguredDatabase>().CheckReachableAsync();
            store = app.Services.GetRequiredService<IDocumentStore>();
            var nodes = $"{store.Options.DatabaseSchemaName}.wolverine_nodes";
            if (await RunningNodesAsync(app.Services.GetRequiredService<CaseEngineDatabase>().ConnectionString, nodes) is > 0 and var running)
            {
                error.WriteLine($"rebuild refused: {running} CaseEngine node(s) of this deployment are running (a heartbeat in " +
                    $"{nodes} within {ReadSideDistribution.StaleAfterSeconds} s); stop them first, since the node running a " +
                    "projection would go on writing the table the rebuild refills");
                return 1;
            }
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            ServerStart.Report(e, error);
            return 1;
        }
        // Side by side: each projection replays the log on its own, and together they keep the cores and the
        // server busy where one alone leaves them waiting on each other (bench/tuning.md, change 25).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await ProjectionRebuilds.RebuildAsync(store, names, duplicateIndex: app.Services.GetRequiredService<DuplicateIndex>(), databasesAtOnce: databasesAtOnce);
        output.WriteLine($"rebuilt {string.Join(", ", names.Select(ReadSideNames.ShardOf).Distinct().Select(Described))} in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    /// <summary>A rebuilt shard as the operator reads it: the ReadModels shard names its read models (one asked for rebuilds all four).</summary>
    private static string Described(string shard) =>
        shard == ReadSideNames.ReadModels ? $"{shard} ({string.Join(", ", ReadSideNames.Members)})" : shard;

    /// <summary>
    /// The nodes in Wolverine's table of nodes in the master database (<paramref name="table"/>, where every running
    /// node beats every 2 s) with a heartbeat younger than a stale node's (<see cref="ReadSideDistribution.StaleAfterSeconds"/>):
    /// a node stopped gracefully removes its row, one killed stops beating and is stale after that long. None
    /// before any node has run (no table yet).
    /// </summary>
    private static async Task<long> RunningNodesAsync(string masterConnectionString, string table)
    {
        await using var connection = new Npgsql.NpgsqlConnection(masterConnectionString);
        await connection.OpenAsync();
        await using var exists = new Npgsql.NpgsqlCommand($"select to_regclass('{table}') is not null", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
            return 0;
        await using var count = new Npgsql.NpgsqlCommand(
            $"select count(*) from {table} where health_check > now() - make_interval(secs => {ReadSideDistribution.StaleAfterSeconds})", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>The setting naming how many province databases are rebuilt side by side.</summary>
    public const string DatabasesAtOnceSetting = "CaseEngine:Rebuild:DatabasesAtOnce";

    /// <summary><see cref="DatabasesAtOnceSetting"/>: a whole number from 1 (the default: one database after another).</summary>
    private static int DatabasesAtOnce(IConfiguration configuration) =>
        configuration[DatabasesAtOnceSetting] is not { } text ? 1
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
        : throw new StartupException($"{DatabasesAtOnceSetting} must be a whole number from 1 (how many province databases a rebuild does side by side)");
}
