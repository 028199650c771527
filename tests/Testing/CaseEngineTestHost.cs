using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Deadlines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CaseEngine.Testing;

/// <summary>Starts the real engine (Marten, Wolverine, daemon) on a fixture's database with a fake clock.</summary>
public static class CaseEngineTestHost
{
    /// <summary>
    /// Builds and starts a host with <see cref="CaseEngineSetup.AddCaseEngine"/>. Wolverine runs in Solo
    /// durability mode (no leader election, so a host is ready sooner) and duplicate detection is off;
    /// <paramref name="configure"/> runs after these defaults and may change them. Dispose the host at the end of the test.
    /// </summary>
    public static Task<IHost> StartAsync(DatabaseFixture db, FakeClock clock,
        Action<CaseEngineOptions>? configure = null, Action<HostApplicationBuilder>? configureHost = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        return StartAsync(db.ConnectionString, clock, configure, configureHost);
    }

    /// <summary>
    /// For a test that stops or pauses shards on purpose and then looks at them stopped: a Solo node (like a
    /// cluster's leader) looks at its agents every <c>CheckAssignmentPeriod</c> (5 s, ReadSideDistribution)
    /// and starts every shard it finds stopped (Wolverine's NodeAgentController), so a coordinator's
    /// <c>PauseAsync</c> or a daemon's <c>StopAgentAsync</c> would hold only until that look. This pushes the
    /// next look past the test; the shards the test stops stay stopped until it starts them. Use as
    /// <c>configure</c>, after the test's other options.
    /// </summary>
    public static void KeepStoppedShardsStopped(CaseEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var solo = options.ConfigureWolverine;
        options.ConfigureWolverine = opts =>
        {
            solo?.Invoke(opts);
            opts.Durability.CheckAssignmentPeriod = NoAssignmentCheck;
        };
    }

    /// <summary>The assignment period of <see cref="KeepStoppedShardsStopped"/>: longer than any test.</summary>
    public static readonly TimeSpan NoAssignmentCheck = TimeSpan.FromHours(1);

    /// <summary>The event chain key of every test host in this process (random, never in the repository).</summary>
    public static CaseEngine.Workflow.Integrity.EventChainKey TestEventChainKey { get; } = CaseEngine.Workflow.Integrity.EventChainKey.Generate("tests");

    /// <summary>The same on any database (the bench uses its own).</summary>
    public static async Task<IHost> StartAsync(string connectionString, FakeClock clock,
        Action<CaseEngineOptions>? configure = null, Action<HostApplicationBuilder>? configureHost = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Every key the engine requires outside Development: random for this test run (TestKeys).
        builder.Configuration.AddInMemoryCollection(TestKeys.Settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        // The periodic sweep would race the tests' own SweepAsync calls; tests sweep explicitly.
        builder.Configuration[DeadlineSweepOptions.Section + ":IntervalSeconds"] = "3600";
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton(clock);
        builder.AddCaseEngine(options =>
        {
            options.ConnectionString = connectionString;
            options.ConfigureWolverine = opts => opts.Durability.Mode = DurabilityMode.Solo;
            // Scenarios submit the same sample petitioner again and assert exact streams: duplicate tests opt in.
            options.DuplicateDetection = false;
            // Test hosts run as Production, where the chain needs a key: one random key per test process.
            options.EventChainKey = TestEventChainKey;
            configure?.Invoke(options);
        });
        configureHost?.Invoke(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }
}
