using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.GraphApi;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaseEngine.Bench.Scenarios;

/// <summary>T1, T2 and T6: the real server on Kestrel (loopback), driven over GraphQL over HTTP.</summary>
public sealed class Api : IAsyncDisposable
{
    private const string Submit = """
        mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber petition { id version } } }
        """;
    private const string Inbox = """
        query($department: ID!) { inbox(departmentId: $department, first: 50) { totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { stage receivedAt dueAt overdue petition { id caseNumber subject status } } } } }
        """;

    /// <summary>瑶海区, Hefei: a county in the demo directory and in the real divisions.</summary>
    public const string EntryRegion = "340102";

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private Api(WebApplication app, HttpClient http, int port)
    {
        _app = app;
        _http = http;
        WebSocketUri = new Uri($"ws://127.0.0.1:{port}/graphql");
    }

    /// <summary>The graphql-transport-ws endpoint of this server.</summary>
    public Uri WebSocketUri { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A bearer token signed by this server's key.</summary>
    public string Mint(string subject, Role role, string? departmentId) =>
        _app.Services.GetRequiredService<TokenService>().Mint(subject, role, departmentId, TimeSpan.FromHours(4));

    /// <param name="rules">The directory the data was generated with (default: the demo directory).</param>
    public static async Task<Api> StartAsync(string connectionString, RuleBook? rules = null)
    {
        var port = MinimalEndpoint.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Configuration["GraphQL:RateLimit:Enabled"] = "false";
        // Random keys for this run: no key from the repository, nothing written to the user's data folder.
        foreach (var (key, value) in CaseEngine.Testing.TestKeys.Settings)
            builder.Configuration[key] = value;
        // T9's subscribers all connect from this process's one address: the per-client socket cap would refuse most.
        builder.Configuration["GraphQL:WebSocket:MaxSocketsPerClient"] = "100000";
        builder.AddCaseEngine(o =>
        {
            o.ConnectionString = connectionString;
            o.RuleBook = rules;
        });
        builder.AddCaseEngineGraphApi();
        var app = builder.Build();
        app.UseWebSockets();   // as src/GraphApi/Program.cs: /graphql upgrades to graphql-transport-ws
        app.MapCaseEngineHealth();
        app.MapCaseEngineGraphQL();
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return new Api(app, http, port);
    }

    public IDocumentStore Store => _app.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Anonymous WEBSITE submissions, each its own petition and command id.</summary>
    public Task<Measured> SubmissionsAsync(int clients, TimeSpan duration, int? maxOperationsPerClient = null) =>
        Load.RunAsync(clients, duration, (client, i) => SubmitAsync(client, i), maxOperationsPerClient);

    /// <summary>Submissions started at a fixed rate (an open loop), each its own petition.</summary>
    public Task<Measured> SubmissionsAtRateAsync(double perSecond, TimeSpan duration) =>
        Load.AtRateAsync(perSecond, duration, i => SubmitAsync(1000, i));

    /// <summary>Submissions started at a fixed rate until <paramref name="stop"/>: the background load of T3.</summary>
    public Task<Measured> SubmissionsAtRateAsync(double perSecond, CancellationToken stop) =>
        Load.AtRateAsync(perSecond, TimeSpan.FromHours(1), i => SubmitAsync(1000, i), stop);

    /// <summary>One anonymous WEBSITE submission (a new petition): its id; throws when the server answers with errors.</summary>
    public async Task<string> SubmitAsync(int client, int i, string entryRegion = EntryRegion)
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
                    entryRegionCode = entryRegion,
                    category = "COMPLAINT_REQUEST",
                    subject = $"村道损坏无人维修 {client}-{i}",
                    content = "村里的道路损坏已有半年，请求尽快维修。",
                    petitioner = new { name = "张三丰", phone = $"138{client:0000}{i % 10000:0000}" },
                },
            },
        });
        using var response = JsonDocument.Parse(await PostAsync(body, null));
        return response.RootElement.GetProperty("data").GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetString()!;
    }

    /// <summary>The first inbox page of a department, read by an officer of that department.</summary>
    public Task<Measured> InboxPagesAsync(string departmentId, int clients, TimeSpan duration, int? maxOperationsPerClient = null)
    {
        var token = _app.Services.GetRequiredService<TokenService>().Mint($"officer-{departmentId}", Role.Officer, departmentId, TimeSpan.FromHours(4));
        var body = JsonSerializer.Serialize(new { query = Inbox, variables = new { department = departmentId } });
        return Load.RunAsync(clients, duration, async (_, _) => await PostAsync(body, token), maxOperationsPerClient);
    }

    /// <summary>The department with the most open items: the heaviest inbox page to read.</summary>
    public async Task<(string DepartmentId, long Items)> BusiestInboxAsync()
    {
        await using var conn = new NpgsqlConnection(_app.Services.GetRequiredService<CaseEngineDatabase>().ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"select department_id, count(*) from {Store.Options.DatabaseSchemaName}.{ReadSideSchema.InboxTable} group by 1 order by 2 desc limit 1", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1)) : ("340102-PO", 0);
    }

    private async Task<string> PostAsync(string body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || text.Contains("\"errors\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"GraphQL request failed ({(int)response.StatusCode}): {text[..Math.Min(300, text.Length)]}");
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
