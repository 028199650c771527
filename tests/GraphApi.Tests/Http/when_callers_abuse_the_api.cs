using System.Text;
using System.Text.Json;
using Alba;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>The abuse list of issue 7 over HTTP: each refused with its code, the server healthy afterwards.</summary>
public class when_callers_abuse_the_api(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static async Task<GqlResult> Post(ApiHost api, string body, string contentType = "application/json", string? token = null)
    {
        var result = await api.Alba.Scenario(s =>
        {
            s.Post.Text(body).ToUrl("/graphql").ContentType(contentType);
            if (token is not null)
                s.WithBearerToken(token);
            s.IgnoreStatusCode();
        });
        return GqlResult.From(result);
    }

    private static async Task ShouldBeHealthy(ApiHost api)
    {
        (await api.Alba.Scenario(s => s.Get.Url("/health"))).Context.Response.StatusCode.ShouldBe(200);
        (await api.GraphQL("{ region(code: \"34\") { name } }")).HasErrors.ShouldBeFalse();
    }

    [Fact]
    public async Task each_abuse_is_refused_with_its_code()
    {
        await using var api = await ApiHost.StartAsync(db);

        var deep = "{ region(code: \"34\") { " + string.Concat(Enumerable.Repeat("children { ", 19)) + "code" + new string('}', 20) + " }";
        (await api.GraphQL(deep)).Code.ShouldBe("QUERY_TOO_COMPLEX");

        var aliases = "{ " + string.Join(' ', Enumerable.Range(0, 1000).Select(i => $"a{i}: __typename")) + " }";
        (await api.GraphQL(aliases)).Code.ShouldBe("QUERY_TOO_COMPLEX");

        var one = JsonSerializer.Serialize(new { query = "{ region(code: \"34\") { name } }" });
        var batch100 = await Post(api, "[" + string.Join(',', Enumerable.Repeat(one, 100)) + "]");
        batch100.Status.ShouldBe(400);
        batch100.Code.ShouldBe("QUERY_TOO_COMPLEX");
        var batch2 = await Post(api, "[" + one + "," + one + "]");
        batch2.Status.ShouldBe(200);
        batch2.Root.GetArrayLength().ShouldBe(2);
        batch2.Root[1].GetProperty("data").GetProperty("region").GetProperty("name").GetString().ShouldBe("安徽省");

        var huge = await api.GraphQL("query($after: Long) { events(after: $after, first: 100000) { sequence } }", new { after = 0 }, api.Auditor());
        huge.Code.ShouldBe("VALIDATION");

        var fiveMegabytes = JsonSerializer.Serialize(new { query = "{ __typename " + new string(' ', 5 * 1024 * 1024) + "}" });
        (await Post(api, fiveMegabytes)).Status.ShouldBe(413);

        var malformed = await Post(api, "{\"query\": \"{ __typename }\"");
        malformed.Status.ShouldBe(400);
        malformed.Code.ShouldBe("VALIDATION");

        (await Post(api, one, "application/x-www-form-urlencoded")).Status.ShouldBe(415);

        await ShouldBeHealthy(api);
    }

    [Fact]
    public async Task a_caller_over_its_rate_gets_429_with_retry_after_and_others_are_not_affected()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:RateLimit:Burst"] = "5",
            ["GraphQL:RateLimit:PermitsPerSecond"] = "1",
        });
        var auditor = api.Auditor();
        var statuses = new List<int>();
        GqlResult? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var result = await api.GraphQL("{ __typename }", token: auditor);
            statuses.Add(result.Status);
            if (result.Status == 429)
                limited = result;
        }
        statuses.Count(s => s == 429).ShouldBeGreaterThanOrEqualTo(2, string.Join(",", statuses));
        limited.ShouldNotBeNull().Code.ShouldBe("RATE_LIMITED");

        var scenario = await api.Alba.Scenario(s =>
        {
            s.Post.Text("{\"query\":\"{ __typename }\"}").ToUrl("/graphql").ContentType("application/json");
            s.WithBearerToken(auditor);
            s.StatusCodeShouldBe(429);
        });
        int.Parse(scenario.Context.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(1);

        // Another caller has its own bucket.
        (await api.GraphQL("{ __typename }", token: api.Admin())).Status.ShouldBe(200);
    }

    [Fact]
    public async Task an_operation_over_its_time_limit_is_stopped()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:Limits:OperationTimeoutSeconds"] = "0.000001",
        });
        var result = await api.GraphQL("{ events(first: 10) { sequence } }", token: api.Auditor());
        result.Code.ShouldBe("INTERNAL");
        result.Message.ShouldContain("limit");
    }
}
