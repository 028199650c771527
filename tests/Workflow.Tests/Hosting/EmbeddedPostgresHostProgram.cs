using CaseEngine.Workflow.Hosting;

namespace CaseEngine.Workflow.Tests.Hosting;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is switched off), so a test can run
/// a real process that hosts an <see cref="EmbeddedPostgres"/> and then kill it the way a terminal
/// does: <c>dotnet CaseEngine.Workflow.Tests.dll embedded-postgres-host &lt;root folder&gt;</c> starts a
/// cluster, prints <c>ready &lt;postmaster pid&gt; &lt;cluster folder&gt;</c> and waits to be killed.
/// </summary>
public static class EmbeddedPostgresHostProgram
{
    public const string Command = "embedded-postgres-host";

    public static int Main(string[] args)
    {
        if (args is not [Command, var root])
            return 0;
        using var server = EmbeddedPostgres.Start(new EmbeddedPostgresOptions { Name = "hangup", RootDirectory = root, FastUnsafe = true });
        var postmaster = File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First();
        Console.WriteLine($"ready {postmaster} {server.ClusterDirectory}");
        Console.Out.Flush();
        // Until a signal ends the process.
        using var never = new ManualResetEventSlim();
        never.Wait();
        return 0;
    }
}
