using System.Diagnostics;
using System.Text.Json;
using Alba;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// GraphiQL on GET /graphql for browsers: in Development or with GraphiQL:Enabled, from assets that ship
/// with the server; every other GET still reaches GraphQL over HTTP.
/// </summary>
[RunsLong]
public class when_graphiql_is_opened(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string Chromium = Support.Chromium.Path;
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    private static readonly string ProductionKey = TestKeys.New();

    [Fact]
    public async Task a_browser_gets_the_page_with_local_assets_only_in_development()
    {
        await using var api = await ApiHost.StartAsync(db);
        var page = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphql").Accepts(BrowserAccept);
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        var html = page.ReadAsText();
        html.ShouldContain("<title>CaseEngine GraphiQL</title>");
        foreach (var asset in new[] { "/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/react.production.min.js", "/graphiql/react-dom.production.min.js", "/graphiql/page.js" })
            html.ShouldContain($"\"{asset}\"");
        html.ShouldNotContain("https://");
        html.ShouldNotContain("//cdn", Case.Insensitive);
        var csp = page.Context.Response.Headers.ContentSecurityPolicy.ToString();
        csp.ShouldContain("script-src 'self'");
        csp.ShouldContain("connect-src 'self'");

        var script = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphiql/graphiql.min.js");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/javascript; charset=utf-8");
        });
        script.ReadAsText().ShouldContain("graphql-transport-ws");
        await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphiql/package.json");
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task production_serves_no_page_unless_graphiql_is_enabled()
    {
        var key = new Dictionary<string, string?> { ["Auth:SigningKey"] = ProductionKey };
        await using (var production = await ApiHost.StartAsync(db, environment: "Production", settings: key))
        {
            // Not the page: the GraphQL-over-HTTP handler answers (it serves no text/html, hence 406).
            var refused = await production.Alba.Scenario(s =>
            {
                s.Get.Url("/graphql").Accepts("text/html");
                s.StatusCodeShouldBe(406);
            });
            refused.ReadAsText().ShouldNotContain("GraphiQL");
            await production.Alba.Scenario(s =>
            {
                s.Get.Url("/graphiql/graphiql.min.js");
                s.StatusCodeShouldBe(404);
            });
        }
        await using var enabled = await ApiHost.StartAsync(db, environment: "Production",
            settings: new Dictionary<string, string?>(key) { ["GraphiQL:Enabled"] = "true" });
        var page = await enabled.Alba.Scenario(s =>
        {
            s.Get.Url("/graphql").Accepts(BrowserAccept);
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        page.ReadAsText().ShouldContain("/graphiql/graphiql.min.js");
    }

    [Fact]
    public async Task a_get_that_does_not_accept_html_still_runs_the_query()
    {
        await using var api = await ApiHost.StartAsync(db);
        foreach (var accept in new[] { "application/json", "application/graphql-response+json", "*/*" })
        {
            var result = await api.Alba.Scenario(s =>
            {
                s.Get.Url("/graphql?query=" + Uri.EscapeDataString("{ __typename }")).Accepts(accept);
                s.StatusCodeShouldBe(200);
            });
            var body = result.ReadAsText();
            JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("__typename").GetString().ShouldBe("Query", body);
        }
    }

    [Fact]
    public async Task headless_chromium_runs_an_officers_inbox_query_in_the_page()
    {
        await EnsureChromiumAsync();
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        using var api = new RemoteApi(server.GraphQLUri);
        await api.SubmitAsync();
        var officer = RemoteApi.Token(Role.Officer, "officer@340101-PO", "340101-PO");
        var headers = JsonSerializer.Serialize(new Dictionary<string, string> { ["Authorization"] = $"Bearer {officer}" });
        const string query = "{ inbox(departmentId: \"340101-PO\", first: 10) { totalCount edges { node { stage } } } }";

        var (code, text) = await Node.ScriptAsync("graphiql.mjs", [server.GraphQLUri.ToString(), query, headers, "totalCount", Chromium], TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement;
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        report.GetProperty("title").GetString().ShouldBe("CaseEngine GraphiQL");
        var result = report.GetProperty("result").GetString()!;
        result.ShouldContain("\"inbox\"");
        result.ShouldContain("\"totalCount\"");
        result.ShouldNotContain("\"errors\"");
        // The pane shows the response as JSON: the submitted petition waits in the office's inbox (the class shares one database).
        var inbox = JsonDocument.Parse(result).RootElement.GetProperty("data").GetProperty("inbox");
        inbox.GetProperty("totalCount").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        inbox.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("stage").GetString()).ShouldContain("ROUTING");
        report.GetProperty("foreignRequests").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("failedResponses").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0, text);
    }

    [Fact]
    public async Task headless_chromium_follows_the_event_feed_over_graphql_ws_from_the_page()
    {
        await EnsureChromiumAsync();
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        using var api = new RemoteApi(server.GraphQLUri);
        var id = await api.SubmitAsync();
        var auditor = RemoteApi.Token(Role.Auditor, "auditor-1");
        var headers = JsonSerializer.Serialize(new Dictionary<string, string> { ["Authorization"] = $"Bearer {auditor}" });
        const string query = "subscription { petitionEvents(after: 0) { sequence petitionId type } }";

        var (code, text) = await Node.ScriptAsync("graphiql.mjs", [server.GraphQLUri.ToString(), query, headers, "PetitionSubmitted", Chromium], TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement;
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        var result = report.GetProperty("result").GetString()!;
        result.ShouldContain("\"petitionEvents\"");
        result.ShouldContain(id.ToString());
        result.ShouldNotContain("\"errors\"");
        report.GetProperty("foreignRequests").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("failedResponses").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0, text);
    }

    private Task EnsureChromiumAsync() => Support.Chromium.EnsureAsync(output);
}
