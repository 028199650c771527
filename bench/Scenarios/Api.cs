using System.Text.Json;
using CaseEngine.Bench.Baselines;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.GraphApi;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Telemetry;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaseEngine.Bench.Scenarios;

/// <summary>What an operator turns on (issue 18): OTLP export to <paramref name="OtlpEndpoint"/>, the scrape on <paramref name="PrometheusPort"/>, publishing to <paramref name="Broker"/>.</summary>
public sealed record ServerOperations(Uri OtlpEndpoint, int PrometheusPort, CaseEngine.Workflow.Integration.BrokerSettings Broker);

/// <summary>T1, T2 and T6: the real server on Kestrel (loopback), driven over GraphQL over HTTP.</summary>
public sealed class Api : IAsyncDisposable
{
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

    /// <summary>The server's base address.</summary>
    public Uri Url => _http.BaseAddress!;

    /// <summary>
    /// <paramref name="count"/> PETITIONER tokens of distinct callers: the bench's load clients each hold
    /// one, as petitioners on their own devices do, so the per-caller rate limit applies to each as shipped.
    /// </summary>
    public string[] PetitionerTokens(int count, string prefix = "bench") =>
        [.. Enumerable.Range(0, count).Select(i => Mint($"petitioner-{prefix}-{i}", Role.Petitioner, null))];

    /// <param name="rules">The directory the data was generated with (default: the demo directory).</param>
    /// <param name="operations">tracing exported over OTLP, the Prometheus scrape and publishing to a broker (issue 18); null: none configured, as shipped</param>
    public static async Task<Api> StartAsync(string connectionString, RuleBook? rules = null, ServerOperations? operations = null) =>
        await StartOnMasterAsync(await Harness.BenchDatabase.MasterForAsync(connectionString), rules, operations, connectionString);

    /// <summary>The server given a master database that lists the province databases (the national data over 31 databases).</summary>
    /// <param name="publishedDatabase">with <paramref name="operations"/>: the one province database whose publishing starts at the end of its log</param>
    public static async Task<Api> StartOnMasterAsync(string master, RuleBook? rules = null, ServerOperations? operations = null, string? publishedDatabase = null)
    {
        var port = MinimalEndpoint.FreePort();
        // Production defaults (issue 17): the Production environment, rate limits on, the host's logging as shipped.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        // The shipped log levels (src/GraphApi/Program.cs): ASP.NET Core's four lines per request quiet, the request log's one line instead.
        ServerStart.QuietDefaults(builder.Configuration);
        // Random keys for this run: no key from the repository, nothing written to the user's data folder.
        foreach (var (key, value) in CaseEngine.Testing.TestKeys.Settings)
            builder.Configuration[key] = value;
        // The one setting changed from its default: T9's 1,000 subscribers all connect from this machine's
        // one address, and the per-address socket cap (meant for one client machine) would refuse most.
        builder.Configuration["GraphQL:WebSocket:MaxSocketsPerClient"] = "100000";
        if (operations is not null)
        {
            // The standard variables an operator sets (docs/operations.md, Telemetry), here as configuration
            // keys of this host only (OpenTelemetry reads OTEL_* through IConfiguration), so a later server
            // in the same bench process starts without them.
            builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = operations.OtlpEndpoint.ToString();
            builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            builder.Configuration["Telemetry:Prometheus:Port"] = operations.PrometheusPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        builder.AddCaseEngine(o =>
        {
            // The given database is the demo province's; the host is given the master database listing it.
            o.ConnectionString = master;
            o.RuleBook = rules;
            o.Broker = operations?.Broker;
        });
        builder.AddCaseEngineGraphApi();
        // As src/GraphApi/Program.cs: with nothing configured it only declares what an exporter would collect.
        builder.AddCaseEngineTelemetry();
        var app = builder.Build();
        long? publishedFrom = operations?.Broker is null ? null
            : await PublishFromTheEndAsync(app.Services.GetRequiredService<IDocumentStore>(),
                publishedDatabase ?? throw new ArgumentException("publishing is measured on one province database", nameof(publishedDatabase)));
        app.UseCaseEngineRequestLog();
        app.UseWebSockets();   // as src/GraphApi/Program.cs: /graphql upgrades to graphql-transport-ws
        app.MapCaseEngineHealth();
        app.MapCaseEngineGraphQL();
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return new Api(app, http, port) { PublishedFrom = publishedFrom };
    }

    /// <summary>With a broker: the sequence the publisher started after (every later event is published).</summary>
    public long? PublishedFrom { get; private init; }

    public IDocumentStore Store => _app.Services.GetRequiredService<IDocumentStore>();

    /// <summary>
    /// Sets the publishing subscription's progress to the end of the log as it stands: the bench measures
    /// what publishing costs per new event, not a first run that sends the data set's whole history.
    /// </summary>
    private static async Task<long> PublishFromTheEndAsync(IDocumentStore store, string connectionString)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            $"insert into {schema}.mt_event_progression (name, last_seq_id) select @name, coalesce(max(seq_id), 0) from {schema}.mt_events " +
            "on conflict (name) do update set last_seq_id = excluded.last_seq_id returning last_seq_id", conn);
        cmd.Parameters.AddWithValue("name", $"{CaseEngine.Workflow.Integration.CaseEventPublisher.SubscriptionName}:All");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private readonly SubmissionMix.Client _mix = new SubmissionMix(SubmissionMix.NewRun(), [EntryRegion]).For(0);
    private string[]? _tokens;
    private int _next;

    /// <summary>
    /// Warms the server up (handler code generation, JIT) with submissions whose failures do not count:
    /// on a loaded machine the very first one, which generates the handlers, may outlast the 30 s time limit.
    /// </summary>
    public async Task WarmUpAsync()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await SubmitAsync(0, 0);
                break;
            }
            catch (InvalidOperationException)
            {
            }
        }
        await Load.RunAsync(4, TimeSpan.FromSeconds(2), async (client, i) =>
        {
            try
            {
                await SubmitAsync(client, i);
            }
            catch (InvalidOperationException)
            {
            }
        });
    }

    /// <summary>Submissions from this process (warm-up, T3's probes, T9's driver), each its own petition.</summary>
    public Task<Measured> SubmissionsAsync(int clients, TimeSpan duration, int? maxOperationsPerClient = null) =>
        Load.RunAsync(clients, duration, (client, i) => SubmitAsync(client, i), maxOperationsPerClient);

    /// <summary>
    /// One WEBSITE submission from <see cref="SubmissionMix"/> (a petitioner of their own, now and then a
    /// resubmission) with one of 64 petitioner tokens in turn: its petition's id; throws when the server answers with errors.
    /// </summary>
    public async Task<string> SubmitAsync(int client, int i, string entryRegion = EntryRegion)
    {
        _tokens ??= PetitionerTokens(64, "inprocess");
        BenchSubmission s;
        lock (_mix)
            s = _mix.Next() with { EntryRegion = entryRegion };
        return await SubmissionClients.PostAsync(_http, SubmissionClients.Body(s), _tokens[(uint)Interlocked.Increment(ref _next) % _tokens.Length]);
    }

    /// <summary>Officers behind each inbox reader, taking turns (see <see cref="InboxPagesAsync"/>).</summary>
    public const int OfficersPerReader = 16;

    /// <summary>
    /// The first inbox page of a department, each reader a desk of <see cref="OfficersPerReader"/>
    /// officers of that department, each with a token of their own, taking turns page by page. The rate
    /// limit is per caller (issue 17: production defaults, one token per caller) and gives back 1,000 of
    /// cost a second, a few pages of 50 items: more than any person reads, less than a reader going flat
    /// out, which on one token measured the limiter's refusals (RATE_LIMITED) rather than the page.
    /// </summary>
    public Task<Measured> InboxPagesAsync(string departmentId, int clients, TimeSpan duration, int? maxOperationsPerClient = null)
    {
        var tokens = Enumerable.Range(0, clients)
            .Select(i => Enumerable.Range(0, OfficersPerReader)
                .Select(j => _app.Services.GetRequiredService<TokenService>().Mint($"officer-{departmentId}-{i}-{j}", Role.Officer, departmentId, TimeSpan.FromHours(4)))
                .ToArray())
            .ToArray();
        var turns = new int[clients];
        var body = JsonSerializer.Serialize(new { query = Inbox, variables = new { department = departmentId } });
        return Load.RunAsync(clients, duration, async (client, _) => await PostAsync(body, tokens[client][turns[client]++ % OfficersPerReader]), maxOperationsPerClient);
    }

    /// <summary>
    /// The department with the most open items over every province database the master lists: the heaviest
    /// inbox page to read. (It read the master database, which has no inbox, once provinces had databases.)
    /// </summary>
    public async Task<(string DepartmentId, long Items)> BusiestInboxAsync()
    {
        var busiest = ("340102-PO", 0L);
        foreach (var database in (await Store.Storage.AllDatabases()).OfType<Marten.Storage.IMartenDatabase>())
        {
            await using var conn = database.CreateConnection();
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                $"select department_id, count(*) from {Store.Options.DatabaseSchemaName}.{ReadSideSchema.InboxTable} group by 1 order by 2 desc limit 1", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetInt64(1) > busiest.Item2)
                busiest = (reader.GetString(0), reader.GetInt64(1));
        }
        return busiest;
    }

    private Task<string> PostAsync(string body, string? token) => SubmissionClients.PostGraphQLAsync(_http, body, token);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
