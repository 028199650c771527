using System.Text.Json;
using Alba;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Http;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>The real API host (Program) on a test database with a fake clock, driven over HTTP with Alba.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private ApiHost(IAlbaHost alba, FakeClock clock)
    {
        Alba = alba;
        Clock = clock;
    }

    public IAlbaHost Alba { get; }
    public FakeClock Clock { get; }
    public IServiceProvider Services => Alba.Services;

    public static Task<ApiHost> StartAsync(DatabaseFixture db, FakeClock? clock = null,
        Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null, string environment = "Development") =>
        StartAsync(db.ConnectionString, clock, services, settings, environment);

    /// <summary>The host on any database, e.g. one of a <see cref="RestartableCluster"/>.</summary>
    public static async Task<ApiHost> StartAsync(string connectionString, FakeClock? clock = null,
        Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        clock ??= new FakeClock();
        var alba = await AlbaHost.For<Program>(web =>
        {
            web.UseEnvironment(environment);
            web.UseSetting("ConnectionStrings:Marten", connectionString);
            // Detection appends DuplicateSuspected in the background, which would race tests that count
            // events; the duplicate tests (tests/Workflow.Tests/DuplicateDetection) switch it on.
            web.UseSetting("CaseEngine:DuplicateDetection", "false");
            // The periodic sweep would race the tests; tests that need it sweep explicitly.
            web.UseSetting(DeadlineSweepOptions.Section + ":IntervalSeconds", "3600");
            // Keys random for this test run, in every environment: no host runs on a key from the repository.
            foreach (var (key, value) in TestKeys.Settings)
                web.UseSetting(key, value);
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                web.UseSetting(key, value);
            web.ConfigureTestServices(s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                s.AddSingleton(clock);
                services?.Invoke(s);
            });
        });
        return new ApiHost(alba, clock);
    }

    /// <summary>A token signed with the host's key, valid for a day from the real now (tokens live on wall-clock time).</summary>
    public string Token(Role role, string? dept = null, string? sub = null) =>
        Services.GetRequiredService<TokenService>().Mint(sub ?? $"{role.ToString().ToLowerInvariant()}@{dept ?? "none"}", role, dept, TimeSpan.FromDays(1));

    public string Officer(string dept, string? sub = null) => Token(Role.Officer, dept, sub ?? $"officer@{dept}");
    public string Supervisor(string dept) => Token(Role.Supervisor, dept, $"supervisor@{dept}");
    public string Auditor() => Token(Role.Auditor, sub: "auditor-1");
    public string Admin() => Token(Role.Admin, sub: "admin-1");
    public string Citizen(string sub = "citizen-1") => Token(Role.Petitioner, sub: sub);

    /// <summary>POSTs a GraphQL request; the HTTP status is returned, not asserted.</summary>
    public async Task<GqlResult> GraphQL(string query, object? variables = null, string? token = null, string? accept = null,
        IDictionary<string, string>? headers = null)
    {
        var body = JsonSerializer.Serialize(new { query, variables }, JsonOptions);
        var result = await Alba.Scenario(s =>
        {
            var send = s.Post.Text(body).ToUrl(GraphApiSetup.Path);
            send.ContentType("application/json");
            if (accept is not null)
                send.Accepts(accept);
            if (token is not null)
                s.WithBearerToken(token);
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
                s.WithRequestHeader(name, value);
            s.IgnoreStatusCode();
        });
        return GqlResult.From(result);
    }

    /// <summary>Like <see cref="GraphQL"/> but fails unless the response is 200 without errors; returns data.</summary>
    public async Task<JsonElement> Data(string query, object? variables = null, string? token = null)
    {
        var result = await GraphQL(query, variables, token);
        result.Status.ShouldBe(200, result.Body);
        result.HasErrors.ShouldBeFalse(result.Body);
        return result.Data;
    }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync() => await Alba.DisposeAsync();
}

public sealed record GqlResult(int Status, string ContentType, string Body, JsonElement Root)
{
    public static GqlResult From(IScenarioResult result)
    {
        var body = result.ReadAsText();
        var root = body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : default;
        return new GqlResult(result.Context.Response.StatusCode, result.Context.Response.ContentType ?? "", body, root);
    }

    public JsonElement Data => Root.GetProperty("data");

    public bool HasErrors => Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty("errors", out var e) && e.GetArrayLength() > 0;

    public IReadOnlyList<string> Codes => HasErrors
        ? [.. Root.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("extensions").GetProperty("code").GetString()!)]
        : [];

    /// <summary>The one error's code; fails when there is not exactly one error.</summary>
    public string Code => Codes.ShouldHaveSingleItem(Body);

    public string Message => Root.GetProperty("errors")[0].GetProperty("message").GetString()!;
}
