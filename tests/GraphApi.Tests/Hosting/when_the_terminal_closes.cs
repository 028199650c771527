using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Hosting;

/// <summary>
/// Closing the terminal sends SIGHUP to the server's process group: the server stops as it does on
/// SIGTERM (exit 0, no stack trace), so its embedded database is stopped with it, not left running.
/// </summary>
public class when_the_terminal_closes(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const int SigHup = 1;

    [Fact]
    public async Task a_hang_up_stops_the_server_gracefully()
    {
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);

        server.Signal(SigHup);

        var exitCode = await server.ExitCodeWithinAsync(TimeSpan.FromSeconds(60));
        exitCode.ShouldBe(0, $"the server did not stop gracefully on SIGHUP:\n{server.Output}");
        server.Output.ShouldNotContain("Unhandled exception");
        server.Output.ShouldNotContain("   at ");
    }
}
