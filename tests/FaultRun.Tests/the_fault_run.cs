using System.Text;
using CaseEngine.Bench.Faults;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.FaultRun.Tests;

/// <summary>
/// Issue 15's fault run, small, as CI runs it: the same scenario as <c>bench -- faults</c> (bench/Faults),
/// two nodes of the real server on one durable PostgreSQL, twelve clients, three nodes SIGKILLed and
/// PostgreSQL crashed once at random moments. Nothing acknowledged is lost, nothing is applied twice, the
/// feed and a resuming subscriber equal the log, every read model equals its rebuild, and it all
/// converges within 60 s of the last fault. The figures go to the test output.
/// </summary>
[RunsLong]
public class the_fault_run(ITestOutputHelper output)
{
    [Fact]
    public async Task loses_and_duplicates_nothing_through_three_node_kills_and_a_postgres_crash()
    {
        var options = new FaultRunOptions
        {
            Nodes = 2,
            Clients = 12,
            Kills = 3,
            Crashes = 1,
            Load = TimeSpan.FromSeconds(40),
            RequireCoverage = false,
            ServerDll = FaultRunOptions.ServerDllIn(FaultRunOptions.RepositoryRoot()),
            Keys = TestKeys.EnvironmentVariables,
            SigningKey = TestKeys.SigningKey,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var result = await Bench.Faults.FaultRun.RunAsync(options, new OutputWriter(output), timeout.Token);
        output.WriteLine(result.ToMarkdown(DateTimeOffset.UtcNow));

        result.Kills.ShouldBe(3);
        result.Crashes.ShouldBe(1);
        result.Acknowledged.ShouldBeGreaterThan(0);
        result.Lost.ShouldBe(0);
        result.Duplicated.ShouldBe(0);
        result.Failures.ShouldBeEmpty();
    }

    /// <summary>The run's progress lines into the test output.</summary>
    private sealed class OutputWriter(ITestOutputHelper output) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            try
            {
                output.WriteLine(value ?? "");
            }
            catch (InvalidOperationException)
            {
                // The test has already finished (a background line after the end).
            }
        }
    }
}
