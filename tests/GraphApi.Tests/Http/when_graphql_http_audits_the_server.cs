using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>graphql-http's auditServer against the real server on a loopback socket: no MUST item may fail.</summary>
public class when_graphql_http_audits_the_server(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task no_must_item_fails()
    {
        await Node.EnsureInstalledAsync();
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        var (code, report) = await Node.ScriptAsync("audit.mjs", [server.GraphQLUri.ToString()], TimeSpan.FromMinutes(2));
        output.WriteLine(report);
        code.ShouldBe(0, report);
        report.ShouldContain("0 failing MUST item(s)");
    }
}
