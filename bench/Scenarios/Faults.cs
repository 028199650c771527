using System.Globalization;
using CaseEngine.Bench.Faults;
using CaseEngine.Testing;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// <c>dotnet run -c Release --project bench -- faults [--nodes N] [--clients N] [--kills N] [--crashes N] [--seconds N] [--seed N] [--provinces N]</c>:
/// the fault run of issue 15 at the size asked (default: 2 nodes, 12 clients, 100 kills, 25 crashes over 20 minutes,
/// the demo province's database; <c>--provinces N</c>: N province databases over the national directory, issue 19),
/// its figures written to bench/results/&lt;date&gt;-faults.md. Exit code 1 when a check failed.
/// </summary>
public static class Faults
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int fallback) =>
            args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var root = FaultRunOptions.RepositoryRoot();
        var provinces = Arg("provinces", 1);
        var options = new FaultRunOptions
        {
            Nodes = Arg("nodes", 2),
            Clients = Arg("clients", 12),
            Kills = Arg("kills", 100),
            Crashes = Arg("crashes", 25),
            Load = TimeSpan.FromSeconds(Arg("seconds", 1200)),
            Seed = Arg("seed", 15),
            Provinces = provinces == 1 ? [FaultRegions.Demo] : FaultRegions.National(NationalDirectory.Rules().Directory, provinces),
            Divisions = provinces == 1 ? null : NationalDirectory.DivisionsFolder(),
            ServerDll = FaultRunOptions.ServerDllIn(root),
            // Keys generated for this run (none that appears in the repository is accepted outside Development).
            Keys = TestKeys.EnvironmentVariables,
            SigningKey = TestKeys.SigningKey,
        };
        var result = await FaultRun.RunAsync(options, Console.Out);
        var date = DateTimeOffset.UtcNow;
        var folder = Path.Combine(root, "bench", "results");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{date:yyyy-MM-dd}-faults.md");
        await File.WriteAllTextAsync(path, result.ToMarkdown(date));
        Console.WriteLine($"results: {path}");
        return result.Failures.Count == 0 ? 0 : 1;
    }
}
