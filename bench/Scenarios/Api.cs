using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.GraphApi;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Workflow.Configuration;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Bench.Scenarios;

/// <summary>T1, T2 and T6: the real server on Kestrel (loopback), driven over GraphQL over HTTP.</summary>
public sealed class Api : IAsyncDisposable
{
    private const string Submit = """
        mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber petition { id version } } }
        """;
    private const string Inbox = """
        { inbox(departmentId: "340101-PO", first: 50) { totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { stage receivedAt dueAt overdue petition { id caseNumber subject status } } } } }
        """;

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private Api(WebApplication app, HttpClient http, string officerToken)
    {
        _app = app;
        _http = http;
        OfficerToken = officerToken;
    }

    public string OfficerToken { get; }

    public static async Task<Api> StartAsync(string connectionString)
    {
        var port = MinimalEndpoint.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Configuration["GraphQL:RateLimit:Enabled"] = "false";
        builder.AddCaseEngine(o => o.ConnectionString = connectionString);
        builder.AddCaseEngineGraphApi();
        var app = builder.Build();
        app.MapCaseEngineHealth();
        app.MapCaseEngineGraphQL();
        await app.StartAsync();
        var token = app.Services.GetRequiredService<TokenService>().Mint("officer-bench", Role.Officer, "340101-PO", TimeSpan.FromHours(4));
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return new Api(app, http, token);
    }

    public IDocumentStore Store => _app.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Anonymous WEBSITE submissions, each its own petition and command id.</summary>
    public Task<Measured> SubmissionsAsync(int clients, TimeSpan duration, int? maxOperationsPerClient = null) =>
        Load.RunAsync(clients, duration, async (client, i) =>
        {
            var body = JsonSerializer.Serialize(new
            {
                query = Submit,
                variables = new
                {
                    input = new
                    {
                        commandId = Guid.NewGuid(),
                        channel = "WEBSITE",
                        entryRegionCode = "340101",
                        category = "COMPLAINT_REQUEST",
                        subject = $"村道损坏无人维修 {client}-{i}",
                        content = "村里的道路损坏已有半年，请求尽快维修。",
                        petitioner = new { name = "张三丰", phone = $"138{client:0000}{i % 10000:0000}" },
                    },
                },
            });
            await PostAsync(body, null);
        }, maxOperationsPerClient);

    public Task<Measured> InboxPagesAsync(int clients, TimeSpan duration, int? maxOperationsPerClient = null) =>
        Load.RunAsync(clients, duration, async (_, _) => await PostAsync(JsonSerializer.Serialize(new { query = Inbox }), OfficerToken),
            maxOperationsPerClient);

    private async Task PostAsync(string body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || text.Contains("\"errors\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"GraphQL request failed ({(int)response.StatusCode}): {text[..Math.Min(300, text.Length)]}");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
