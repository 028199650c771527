namespace CaseEngine.Bench.Faults;

/// <summary>
/// The size of a fault run. <see cref="Load"/> is the minimum time the clients send commands while
/// the faults are spread over it; a kill waits until every node is up again, so slow restarts make the run longer (every fault asked for is made).
/// </summary>
public sealed record FaultRunOptions
{
    public int Nodes { get; init; } = 2;
    public int Clients { get; init; } = 12;
    public int Kills { get; init; } = 100;
    public int Crashes { get; init; } = 25;
    public TimeSpan Load { get; init; } = TimeSpan.FromMinutes(20);
    public int Seed { get; init; } = 15;

    /// <summary>
    /// The provinces, a database of each behind the master (issue 19's federation): the demo province alone by
    /// default; several need the national directory (<see cref="Divisions"/>). Clients submit in all of them alike.
    /// </summary>
    public IReadOnlyList<FaultRegions> Provinces { get; init; } = [FaultRegions.Demo];

    /// <summary>
    /// With several provinces, the national office too (issue 20): a database of its own (tenant 000000), one
    /// submission in ten addressed to it, which it hands down to the provinces' agencies and offices.
    /// </summary>
    public bool National => Provinces.Count > 1;

    /// <summary>The administrative divisions the nodes run with (CaseEngine:Directory:Divisions); null for the demo directory.</summary>
    public string? Divisions { get; init; }

    /// <summary>
    /// Also require that the run covered what it is for: every command kind acknowledged, a deadline fired, a
    /// duplicate flagged, an unknown outcome resent. A full run must; a short one (CI) may not get that far
    /// on a loaded machine, and checks only that nothing was lost, duplicated or left inconsistent.
    /// </summary>
    public bool RequireCoverage { get; init; } = true;

    /// <summary>The server build to run (src/GraphApi/bin/&lt;configuration&gt;/net10.0/CaseEngine.GraphApi.dll).</summary>
    public required string ServerDll { get; init; }

    /// <summary>How long after the last fault everything must have converged.</summary>
    public TimeSpan ConvergenceLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Key settings (as environment variables) the nodes and the rebuild run with; the signing key signs the clients' tokens.</summary>
    public required IReadOnlyDictionary<string, string> Keys { get; init; }

    public required string SigningKey { get; init; }

    /// <summary>The server build next to a repository checkout, in the configuration this process was built in.</summary>
    public static string ServerDllIn(string repositoryRoot)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var dll = Path.Combine(repositoryRoot, "src", "GraphApi", "bin", configuration, "net10.0", "CaseEngine.GraphApi.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/GraphApi first", dll);
    }

    /// <summary>The folder of CaseEngine.sln above this process's build output.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CaseEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException("CaseEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
