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
        // A submission, applied by the daemon, at the shipped log levels: no line per projection page.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.GraphQLUri)
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { query = Petitions.SubmitMutation, variables = Petitions.SubmitInput() }),
            };
            request.Headers.Authorization = new("Bearer", RemoteApi.Token(CaseEngine.Domain.Role.Petitioner, "citizen-1"));
            using var answer = await http.SendAsync(request);
            (await answer.Content.ReadAsStringAsync()).ShouldContain("caseNumber");
        }
        await InboxAppliedAsync();
        server.Output.ShouldNotContain("Executed updates for Event range");

        server.Signal(SigHup);

        var exitCode = await server.ExitCodeWithinAsync(TimeSpan.FromSeconds(60));
        exitCode.ShouldBe(0, $"the server did not stop gracefully on SIGHUP:\n{server.Output}");
        server.Output.ShouldNotContain("Unhandled exception");
        server.Output.ShouldNotContain("   at ");
    }

    /// <summary>Polls the database (the server is another process) until the read-models shard has applied an event, bounded.</summary>
    private async Task InboxAppliedAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using (var connection = new Npgsql.NpgsqlConnection(db.ProvinceConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand(
                    "select coalesce(max(last_seq_id), 0) from caseengine.mt_event_progression where name like 'ReadModels%'", connection);
                if ((long)(await command.ExecuteScalarAsync())! > 0)
                    return;
            }
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the daemon never applied the submission");
            await Task.Delay(100);
        }
    }
}
