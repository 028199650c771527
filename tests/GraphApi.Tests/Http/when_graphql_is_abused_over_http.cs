using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Alba;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// Issue 15, findings 8-12: the attacks on GraphQL over HTTP, each as an attacker sends it over HTTP,
/// and what the server must answer.
/// </summary>
public class when_graphql_is_abused_over_http(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string Key = "a-test-signing-key-that-is-long-enough-0123456789";
    private const string StrictJson = "application/graphql-response+json";

    private static async Task<GqlResult> Post(ApiHost api, object body, string accept = StrictJson, Action<Scenario>? configure = null) =>
        await PostRaw(api, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body, ApiHost.JsonOptions)), accept, configure);

    private static async Task<GqlResult> PostRaw(ApiHost api, byte[] body, string accept = StrictJson, Action<Scenario>? configure = null)
    {
        var result = await api.Alba.Scenario(s =>
        {
            s.Post.ByteArray(body).ToUrl("/graphql").ContentType("application/json").Accepts(accept);
            configure?.Invoke(s);
            s.IgnoreStatusCode();
        });
        var text = result.ReadAsText();
        JsonElement root = default;
        try
        {
            root = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        }
        catch (JsonException)
        {
            // Not JSON (an error page): only the status and the text are known.
        }
        return new GqlResult(result.Context.Response.StatusCode, result.Context.Response.ContentType ?? "", text, root);
    }

    private static Task<ApiHost> Production(DatabaseFixture db, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Auth:SigningKey"] = Key };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
            settings[k] = v;
        return ApiHost.StartAsync(db, environment: "Production", settings: settings);
    }

    // Finding 8: a kept document must not let a second operation of the same text skip the limits.
    [Fact]
    public async Task the_limits_apply_to_the_operation_executed_even_when_its_text_was_kept()
    {
        await using var api = await ApiHost.StartAsync(db);
        var big = string.Join(' ', Enumerable.Range(0, 1001).Select(i => $"a{i}: __typename"));
        var query = "query Small { __typename } query Big { " + big + " }";

        var small = await Post(api, new { query, operationName = "Small" });
        small.Status.ShouldBe(200, small.Body);
        small.HasErrors.ShouldBeFalse(small.Body);

        var refused = await Post(api, new { query, operationName = "Big" });
        refused.Status.ShouldBe(400, refused.Body[..Math.Min(300, refused.Body.Length)]);
        refused.Code.ShouldBe("QUERY_TOO_COMPLEX");
    }

    // Finding 9: a flood of directives is refused by a cheap count before the parser and validators see it.
    [Fact]
    public async Task a_flood_of_directives_is_refused_before_parsing_with_one_short_error()
    {
        await using var api = await ApiHost.StartAsync(db);
        var query = "{ __typename " + string.Concat(Enumerable.Range(0, 60_000).Select(_ => "@a ")) + "}";
        query.Length.ShouldBeGreaterThan(100_000);
        await Post(api, new { query = "{ __typename }" });   // the first request warms the host up; the time below is the flood's
        var clock = Stopwatch.StartNew();
        var result = await Post(api, new { query });
        output.WriteLine($"{query.Length} chars: {result.Status} in {clock.ElapsedMilliseconds} ms, {result.Body.Length} bytes");
        result.Body.Length.ShouldBeLessThan(2_000);
        result.Status.ShouldBe(400);
        result.Code.ShouldBe("QUERY_TOO_COMPLEX");
    }

    // Finding 9: a document under the caps that still breaks many rules gets a bounded list of errors.
    [Fact]
    public async Task the_errors_of_one_document_are_capped()
    {
        await using var api = await ApiHost.StartAsync(db);
        var query = "{ " + string.Join(' ', Enumerable.Range(0, 250).Select(i => $"noSuchField{i}")) + " }";
        var result = await Post(api, new { query });
        result.Status.ShouldBe(400);
        result.Root.GetProperty("errors").GetArrayLength().ShouldBeLessThanOrEqualTo(21, result.Body[..300]);
    }

    // Finding 9: the operation's time limit covers validation, not only the resolvers: with the
    // document caps lifted, a document that takes seconds to validate is stopped at the limit.
    [Fact]
    public async Task the_time_limit_covers_validation()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:Limits:OperationTimeoutSeconds"] = "0.3",
            ["GraphQL:Limits:MaxQueryLength"] = "1000000",
            ["GraphQL:Limits:MaxTokens"] = "1000000",
            ["GraphQL:Limits:MaxDirectives"] = "1000000",
        });
        var query = "{ __typename " + string.Concat(Enumerable.Range(0, 60_000).Select(_ => "@a ")) + "}";
        var clock = Stopwatch.StartNew();
        var result = await Post(api, new { query }, Json);
        output.WriteLine($"{result.Status} in {clock.ElapsedMilliseconds} ms, {result.Body.Length} bytes");
        result.Code.ShouldBe("INTERNAL", result.Body[..Math.Min(300, result.Body.Length)]);
        result.Message.ShouldContain("limit");
    }

    private const string Json = "application/json";

    // Finding 10: no input value and no schema suggestion in an error outside Development.
    [Fact]
    public async Task errors_outside_development_echo_no_input_and_suggest_no_field()
    {
        await using var api = await Production(db);
        const string Secret = "340101199001011234";

        var suggestion = await Post(api, new { query = "{ personalDataAccessLo { id } }" });
        output.WriteLine(suggestion.Body);
        suggestion.Code.ShouldBe("VALIDATION");
        suggestion.Body.ShouldNotContain("Did you mean");
        suggestion.Body.ShouldNotContain("personalDataAccessLog");

        var asVariable = await Post(api, new { query = "query($first: Int) { inbox(departmentId: \"340101-PO\", first: $first) { totalCount } }", variables = new { first = Secret } });
        output.WriteLine(asVariable.Body);
        asVariable.Code.ShouldBe("VALIDATION");
        asVariable.Body.ShouldNotContain(Secret);

        var asEnum = await Post(api, new { query = $"{{ inbox(departmentId: \"340101-PO\", orderBy: ID{Secret}) {{ totalCount }} }}" });
        output.WriteLine(asEnum.Body);
        asEnum.Codes.ShouldAllBe(c => c == "VALIDATION");
        asEnum.Body.ShouldNotContain(Secret);

        var asNumber = await Post(api, new { query = $"{{ inbox(departmentId: \"340101-PO\", first: {Secret}) {{ totalCount }} }}" });
        output.WriteLine(asNumber.Body);
        asNumber.Codes.ShouldAllBe(c => c == "VALIDATION");
        asNumber.Body.ShouldNotContain(Secret);

        var inList = await Post(api, new { query = $"{{ departments(level: [ID{Secret}]) {{ id }} }}" });
        output.WriteLine(inList.Body);
        inList.Codes.ShouldAllBe(c => c == "VALIDATION");
        inList.Body.ShouldNotContain(Secret);

        var asObject = await Post(api, new { query = "query($n: String!) { trackPetition(caseNumber: $n, accessCode: \"x\") { id } }", variables = new { n = new { idNumber = Secret } } });
        output.WriteLine(asObject.Body);
        asObject.Code.ShouldBe("VALIDATION");
        asObject.Body.ShouldNotContain(Secret);
    }

    // Finding 10: malformed UTF-8 and lone surrogates are the client's error: 400 with a code, not 500.
    [Fact]
    public async Task malformed_text_is_a_400_with_a_code()
    {
        await using var api = await ApiHost.StartAsync(db);
        var prefix = Encoding.UTF8.GetBytes("{\"query\":\"{ __typename }\",\"variables\":{\"x\":\"");
        var suffix = Encoding.UTF8.GetBytes("\"}}");
        byte[] badUtf8 = [.. prefix, 0xC3, 0x28, 0xFF, .. suffix];
        var utf8 = await PostRaw(api, badUtf8);
        utf8.Status.ShouldBe(400, utf8.Body);
        utf8.Code.ShouldBe("VALIDATION");

        var surrogateInQuery = await PostRaw(api, Encoding.UTF8.GetBytes("{\"query\":\"{ __typename } # \\ud800\"}"));
        surrogateInQuery.Status.ShouldBe(400, surrogateInQuery.Body);
        surrogateInQuery.Code.ShouldBe("VALIDATION");

        var surrogateInVariables = await PostRaw(api, Encoding.UTF8.GetBytes("{\"query\":\"query($n: String!) { trackPetition(caseNumber: $n, accessCode: \\\"x\\\") { id } }\",\"variables\":{\"n\":\"\\udc00\"}}"));
        surrogateInVariables.Status.ShouldBe(400, surrogateInVariables.Body);
        surrogateInVariables.Code.ShouldBe("VALIDATION");
    }

    // Finding 11: one request of 140 aliased access-code guesses is not one request's worth.
    [Fact]
    public async Task aliased_access_code_guesses_in_one_request_are_refused()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (_, caseNumber, _) = await api.SubmitAsync();
        var guesses = "{ " + string.Join(' ', Enumerable.Range(0, 140).Select(i => $"g{i}: trackPetition(caseNumber: \"{caseNumber}\", accessCode: \"GUESS{i:D7}\") {{ id }}")) + " }";
        var result = await Post(api, new { query = guesses });
        result.Status.ShouldBeOneOf(400, 429);
        result.Codes.ShouldAllBe(c => c == "QUERY_TOO_COMPLEX" || c == "RATE_LIMITED");
        result.Root.TryGetProperty("data", out var data).ShouldBeFalse(data.ToString());
    }

    // Finding 11: the rate limit counts work (aliases, list sizes), not requests.
    [Fact]
    public async Task the_rate_limit_counts_the_work_of_a_request()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:RateLimit:Burst"] = "100",
            ["GraphQL:RateLimit:PermitsPerSecond"] = "1",
        });
        var sixty = "{ " + string.Join(' ', Enumerable.Range(0, 60).Select(i => $"a{i}: __typename")) + " }";
        var auditor = api.Auditor();
        (await api.GraphQL(sixty, token: auditor)).Status.ShouldBe(200);
        var second = await api.GraphQL(sixty, token: auditor);
        second.Status.ShouldBe(429, second.Body[..Math.Min(200, second.Body.Length)]);
        second.Code.ShouldBe("RATE_LIMITED");

        // A page of 100 events is 100 items of work, not one request.
        var admin = api.Admin();
        (await api.GraphQL("{ events(first: 60) { sequence } }", token: admin)).Status.ShouldBe(200);
        (await api.GraphQL("{ events(first: 60) { sequence } }", token: admin)).Status.ShouldBe(429);
    }

    // Finding 11: behind a trusted reverse proxy, each anonymous client has its own bucket; an untrusted sender's header is ignored.
    [Fact]
    public async Task behind_a_trusted_proxy_each_client_has_its_own_bucket()
    {
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["GraphQL:RateLimit:Burst"] = "3",
            ["GraphQL:RateLimit:PermitsPerSecond"] = "1",
            ["GraphQL:ForwardedHeaders:KnownProxies:0"] = "10.0.0.5",
        });
        Action<Scenario> Via(string sender, string client) => s =>
        {
            s.ConfigureHttpContext(c => c.Connection.RemoteIpAddress = IPAddress.Parse(sender));
            s.WithRequestHeader("X-Forwarded-For", client);
        };
        var statuses = new List<int>();
        for (var i = 0; i < 10; i++)
            statuses.Add((await Post(api, new { query = "{ __typename }" }, configure: Via("10.0.0.5", "203.0.113.1"))).Status);
        statuses.ShouldContain(429);
        // Other clients behind the same proxy are not refused.
        for (var i = 2; i < 6; i++)
            (await Post(api, new { query = "{ __typename }" }, configure: Via("10.0.0.5", $"203.0.113.{i}"))).Status.ShouldBe(200);
        // A sender that is not a trusted proxy cannot pick its bucket with the header.
        var untrusted = new List<int>();
        for (var i = 0; i < 10; i++)
            untrusted.Add((await Post(api, new { query = "{ __typename }" }, configure: Via("192.0.2.9", $"203.0.113.{10 + i}"))).Status);
        untrusted.ShouldContain(429);
    }

    // Finding 12: an access code never travels in a URL, and no /graphql answer may be kept by a cache.
    [Fact]
    public async Task an_access_code_over_get_is_refused_and_no_answer_is_cached()
    {
        await using var api = await ApiHost.StartAsync(db);
        var (_, caseNumber, accessCode) = await api.SubmitAsync();
        var track = $"{{ trackPetition(caseNumber: \"{caseNumber}\", accessCode: \"{accessCode}\") {{ id petitioner {{ name phone }} }} }}";

        var overGet = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphql?query=" + Uri.EscapeDataString(track));
            s.IgnoreStatusCode();
        });
        overGet.Context.Response.StatusCode.ShouldBe(405);
        overGet.Context.Response.Headers.CacheControl.ToString().ShouldContain("no-store");
        var withVariable = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphql?query=" + Uri.EscapeDataString("query($c: String!) { trackPetition(caseNumber: \"x\", accessCode: $c) { id } }")
                + "&variables=" + Uri.EscapeDataString("{\"c\":\"" + accessCode + "\"}"));
            s.IgnoreStatusCode();
        });
        withVariable.Context.Response.StatusCode.ShouldBe(405);

        var overPost = await api.Alba.Scenario(s =>
        {
            s.Post.Text(JsonSerializer.Serialize(new { query = track })).ToUrl("/graphql").ContentType("application/json");
            s.IgnoreStatusCode();
        });
        overPost.Context.Response.StatusCode.ShouldBe(200);
        overPost.ReadAsText().ShouldContain("张三丰");
        overPost.Context.Response.Headers.CacheControl.ToString().ShouldContain("no-store");

        var queryOverGet = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/graphql?query=" + Uri.EscapeDataString("{ region(code: \"34\") { name } }"));
            s.IgnoreStatusCode();
        });
        queryOverGet.Context.Response.StatusCode.ShouldBe(200);
        queryOverGet.Context.Response.Headers.CacheControl.ToString().ShouldContain("no-store");

        var refused = await api.Alba.Scenario(s =>
        {
            s.Post.Text("{").ToUrl("/graphql").ContentType("application/json");
            s.IgnoreStatusCode();
        });
        refused.Context.Response.Headers.CacheControl.ToString().ShouldContain("no-store");
    }
}
