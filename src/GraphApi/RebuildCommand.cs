using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Workflow.Configuration;
using Marten;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>dotnet run --project src/GraphApi -- rebuild [inbox|overdue|statistics|all ...]</c>, with <c>ConnectionStrings__Marten</c> in the environment (arguments show in <c>ps</c>):
/// rebuilds read models from the event log. Run it with the API nodes stopped:
/// the node running the projection's agent would go on applying events to the table being refilled.
/// </summary>
public static class RebuildCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var names = args.Where(a => !a.StartsWith('-')).ToList();
        if (names.Count == 0 || names.Contains("all"))
            names = [.. ProjectionRebuilds.Names];
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
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            ServerStart.Report(e, error);
            return 1;
        }
        foreach (var name in names)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await ProjectionRebuilds.RebuildAsync(store, name, duplicateIndex: app.Services.GetRequiredService<DuplicateIndex>(), databasesAtOnce: databasesAtOnce);
            output.WriteLine($"rebuilt {name} in {watch.Elapsed.TotalSeconds:0.0} s");
        }
        return 0;
    }

    /// <summary>The setting naming how many province databases are rebuilt side by side.</summary>
    public const string DatabasesAtOnceSetting = "CaseEngine:Rebuild:DatabasesAtOnce";

    /// <summary><see cref="DatabasesAtOnceSetting"/>: a whole number from 1 (the default: one database after another).</summary>
    private static int DatabasesAtOnce(IConfiguration configuration) =>
        configuration[DatabasesAtOnceSetting] is not { } text ? 1
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
        : throw new StartupException($"{DatabasesAtOnceSetting} must be a whole number from 1 (how many province databases a rebuild does side by side)");
}
