using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CaseEngine.Testing;
using CaseEngine.Workflow.Integration;
using CaseEngine.Workflow.Tests.Scenarios;
using Marten;
using Xunit.Abstractions;

namespace CaseEngine.Workflow.Tests.Integration;

/// <summary>
/// docs/examples/case-event-consumer.cs run exactly as docs/operations.md says
/// (<c>CASEENGINE_AMQP=… BINDING=… dotnet run docs/examples/case-event-consumer.cs</c>), as a child process,
/// against this class's private broker while an engine publishes petitions' events to the default
/// exchange: what it prints must be each event of its region applied once, in version order.
/// </summary>
public sealed partial class when_the_documented_consumer_runs(DatabaseFixture db, RabbitMqFixture broker, ITestOutputHelper output)
    : IClassFixture<DatabaseFixture>, IClassFixture<RabbitMqFixture>
{
    /// <summary>The example's line per applied event: sequence, petition, version, event type.</summary>
    [GeneratedRegex(@"^\s*(\d+) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) v(\d+) (\w+)$")]
    private static partial Regex AppliedLine();

    [FileBasedAppsFact]
    public async Task it_applies_each_event_of_its_region_once_in_version_order()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("run");
        start.ArgumentList.Add(Path.Combine("docs", "examples", "case-event-consumer.cs"));
        var node = broker.Node;
        start.Environment["CASEENGINE_AMQP"] = $"amqp://{RabbitMqNode.UserName}:{Uri.EscapeDataString(node.Password)}@127.0.0.1:{node.AmqpPort.ToString(CultureInfo.InvariantCulture)}/";
        // One county's petitions, as in the docs' example binding (province.city.county.type).
        start.Environment["BINDING"] = "340000.340100.340101.#";
        var printed = new StringBuilder();
        var errors = new StringBuilder();
        using var consumer = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet run");
        consumer.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (printed) printed.AppendLine(e.Data); };
        consumer.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        consumer.BeginOutputReadLine();
        consumer.BeginErrorReadLine();
        string Printed() { lock (printed) lock (errors) return printed + (errors.Length > 0 ? "\nstderr:\n" + errors : ""); }
        try
        {
            // The first `dotnet run` of a file compiles it (restore and build, 30-60 s, longer on a busy machine).
            await UntilAsync(() => Printed().Contains("bound integrator.case-events to caseengine.events with '340000.340100.340101.#'", StringComparison.Ordinal),
                consumer, TimeSpan.FromMinutes(4), Printed, "the consumer did not bind its queue");

            // The default exchange (this class's broker is private), so the example needs nothing but the documented variables.
            await using var engine = await Engine.StartAsync(db, configure: o => o.Broker = node.Settings(BrokerSettings.DefaultExchange));
            // Another county's petition first, so that its event is published before ours: not bound, never applied.
            var elsewhere = (await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"))).PetitionId;
            var ours = new List<Guid>();
            for (var i = 0; i < 3; i++)
            {
                var id = (await engine.SubmitAsync()).PetitionId;
                ours.Add(id);
                await engine.Forward(id);
                await engine.Accept(id);
                await engine.Reply(id);
            }
            await using var session = engine.Store.QuerySession(Province.Demo);
            var log = (await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync()).Where(e => ours.Contains(e.StreamId)).ToList();
            log.Count.ShouldBe(12);

            await UntilAsync(() => Applied(Printed()).Count >= log.Count, consumer, TimeSpan.FromSeconds(90), Printed, "not every event was applied");
            var applied = Applied(Printed());
            output.WriteLine(string.Join("\n", applied.Select(a => $"{a.Sequence} {a.Petition} v{a.Version} {a.Type}")));

            // Each event once: exactly the log's events of the bound county, with their sequence, version and type.
            applied.OrderBy(a => a.Sequence).ShouldBe(log.Select(e => (e.Sequence, e.StreamId, (int)e.Version, e.EventType.Name)), Printed());
            applied.ShouldNotContain(a => a.Petition == elsewhere);
            // In version order per petition, in the order the consumer printed them.
            foreach (var petition in ours)
                applied.Where(a => a.Petition == petition).Select(a => a.Version).ShouldBe([1, 2, 3, 4], Printed());
        }
        finally
        {
            if (!consumer.HasExited)
            {
                consumer.Kill(entireProcessTree: true);
                await consumer.WaitForExitAsync();
            }
        }
    }

    private static List<(long Sequence, Guid Petition, int Version, string Type)> Applied(string printed) =>
        [.. printed.Split('\n').Select(l => AppliedLine().Match(l.TrimEnd('\r'))).Where(m => m.Success)
            .Select(m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Guid.Parse(m.Groups[2].Value),
                int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), m.Groups[4].Value))];

    /// <summary>Polls the child process's output (an external process) until <paramref name="done"/>, at most <paramref name="timeout"/>.</summary>
    private static async Task UntilAsync(Func<bool> done, Process process, TimeSpan timeout, Func<string> printed, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (process.HasExited)
                throw new ShouldAssertException($"{failure}: the consumer exited with {process.ExitCode}:\n{printed()}");
            if (clock.Elapsed > timeout)
                throw new ShouldAssertException($"{failure} within {timeout}:\n{printed()}");
            await Task.Delay(200);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CaseEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException("CaseEngine.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// A fact that needs <c>dotnet run file.cs</c> (file-based apps, .NET SDK 10 or later): skipped, saying
/// why, only when the SDK on the PATH is older. Any other failure of the example fails the test.
/// </summary>
public sealed class FileBasedAppsFactAttribute : FactAttribute
{
    public FileBasedAppsFactAttribute()
    {
        var version = SdkVersion();
        if (version is null || version.Major < 10)
            Skip = $"`dotnet run file.cs` needs the .NET 10 SDK; `dotnet --version` says {version?.ToString() ?? "nothing"}";
    }

    private static Version? SdkVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null)
                return null;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return Version.TryParse(text.Split('-')[0], out var version) ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
