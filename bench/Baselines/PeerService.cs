using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.GraphApi;
using CaseEngine.GraphApi.Schema;
using CaseEngine.GraphApi.Telemetry;
using CaseEngine.Projections.PetitionView;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weasel.Core;

namespace CaseEngine.Bench.Baselines;

/// <summary>
/// B6 and B6R (issue 17): what a team would otherwise build — a minimal ASP.NET Core + GraphQL.NET 8
/// service whose <c>submitPetition</c> takes the same input and answers the same selection as
/// CaseEngine's, and does a Marten <c>StartStream</c> of the same <see cref="PetitionSubmitted"/>
/// (decided by the same domain rule, <see cref="Submission.Decide"/>) with the same inline snapshot
/// (<see cref="PetitionSnapshotProjection"/>) and one <c>SaveChangesAsync</c>. B6R adds one async inbox
/// projection (<see cref="PeerInboxProjection"/>) run by Marten's daemon in the same process, on the same cores.
/// <para>
/// Not a straw man (its profile is in bench/tuning.md): Kestrel in the bench process, as CaseEngine's server
/// runs in the bench (same runtime, same GC settings), driven by the same client process;
/// the same connection string (so the same Npgsql pool, 100 connections); Marten with the same
/// serializer settings (System.Text.Json, enums as strings, camelCase), lightweight sessions, the same
/// event metadata and event types, SQL logged the same way (<see cref="PersonalDataLogging"/>);
/// GraphQL.NET with the same System.Text.Json serializer settings and a validated-document cache like
/// CaseEngine's (a query text seen before is neither parsed nor validated again); the host's logging as
/// CaseEngine ships it (console, its quiet defaults, one line per request). Case numbers come from a Marten HiLo
/// sequence (reserved blocks, no round trip per number); the command id is the stream id, so a repeat
/// fails on the stream's primary key. What it does not do is what CaseEngine adds: tokens, rate limits,
/// cost limits, the command record, durable timers, the tamper-evident chain, duplicate detection,
/// masking and the access log, and three more read models.
/// </para>
/// </summary>
public sealed class PeerService : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PeerService(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base address (POST /graphql).</summary>
    public Uri Url { get; }

    public IDocumentStore Store => _app.Services.GetRequiredService<IDocumentStore>();

    /// <param name="withInbox">B6R: one async inbox projection run by the daemon in this process</param>
    public static async Task<PeerService> StartAsync(string connectionString, RuleBook rules, bool withInbox)
    {
        var port = MinimalEndpoint.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        // As CaseEngine's host logs: its quiet defaults (ASP.NET Core, Marten and Wolverine at Warning) and one line per
        // request (RequestLog). With only the hosting diagnostics filtered, ASP.NET Core's endpoint routing wrote two
        // lines per request at Information, twice CaseEngine's (bench/tuning.md, session 26).
        ServerStart.QuietDefaults(builder.Configuration);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.AddSingleton(rules);
        builder.Services.AddSingleton(TimeProvider.System);
        var marten = builder.Services.AddMarten(sp =>
            {
                var opts = new StoreOptions();
                opts.Connection(connectionString);
                opts.DatabaseSchemaName = "peer";
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                opts.Events.StreamIdentity = StreamIdentity.AsGuid;
                opts.Events.MetadataConfig.EnableAll();
                opts.Events.AddEventTypes(EventJson.EventTypes);
                opts.Projections.Add(new PetitionSnapshotProjection(), ProjectionLifecycle.Inline);
                opts.Schema.For<PeerCaseNumber>();
                if (withInbox)
                    opts.Projections.Add(new PeerInboxProjection(), ProjectionLifecycle.Async);
                PersonalDataLogging.Apply(opts, sp.GetService<ILoggerFactory>());
                return opts;
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        if (withInbox)
            marten.AddAsyncDaemon(DaemonMode.Solo);
        // The contract's own enum types (the same input as CaseEngine's), registered as AddGraphTypes registers the peer's.
        builder.Services.AddTransient<ChannelEnum>();
        builder.Services.AddTransient<PetitionCategoryEnum>();
        builder.Services.AddGraphQL(graphql => graphql
            .AddSchema<PeerSchema>()
            .AddGraphTypes(typeof(PeerSchema).Assembly)
            .AddSystemTextJson(json => json.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping));
        var app = builder.Build();
        app.UseCaseEngineRequestLog();
        var documents = new ConcurrentDictionary<string, GraphQLDocument>();
        app.MapPost("/graphql", async (HttpContext context, IDocumentExecuter executer, ISchema schema,
            IGraphQLTextSerializer serializer, GraphQL.Execution.IDocumentBuilder parser) =>
        {
            var request = await serializer.ReadAsync<GraphQLRequest>(context.Request.Body, context.RequestAborted);
            if (request?.Query is not { } query)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            var cached = documents.TryGetValue(query, out var document);
            var result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Schema = schema,
                Query = query,
                Document = document ?? parser.Build(query),
                OperationName = request.OperationName,
                Variables = request.Variables,
                RequestServices = context.RequestServices,
                CancellationToken = context.RequestAborted,
                ValidationRules = cached ? [] : DocumentValidator.CoreRules,
            });
            if (!cached && result.Executed && result.Document is { } parsed && documents.Count < 1000)
                documents.TryAdd(query, parsed);
            context.Response.ContentType = "application/graphql-response+json; charset=utf-8";
            context.Response.StatusCode = result.Executed ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
            await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
        });
        await app.StartAsync();
        return new PeerService(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The HiLo sequence the peer's case numbers come from (a document type only for its sequence).</summary>
public sealed class PeerCaseNumber
{
    public long Id { get; set; }
}

/// <summary>B6R's read model: one row per petition with what an inbox page shows.</summary>
public sealed class PeerInboxItem
{
    public Guid Id { get; set; }
    public string DepartmentId { get; set; } = "";
    public string CaseNumber { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
}

/// <summary>The inbox as a team would write it first: a single-stream projection of the submission.</summary>
public sealed class PeerInboxProjection : SingleStreamProjection<PeerInboxItem, Guid>
{
    public PeerInboxProjection() => Name = "PeerInbox";

    public override PeerInboxItem? Evolve(PeerInboxItem? snapshot, Guid id, IEvent e) => e.Data switch
    {
        PetitionSubmitted s => new PeerInboxItem
        {
            Id = s.PetitionId,
            DepartmentId = s.DepartmentId,
            CaseNumber = s.CaseNumber,
            Subject = s.Subject,
            Status = "REGISTERED",
            ReceivedAt = s.ReceivedAt,
            DueAt = s.Routing.DueAt,
        },
        _ => snapshot,
    };
}

/// <summary>What the resolver returns: the selection <c>caseNumber petition { id version }</c> (and the access code field).</summary>
public sealed record PeerSubmitted(string CaseNumber, PeerPetition Petition);

public sealed record PeerPetition(Guid Id, int Version);

/// <summary>The input as CaseEngine's contract spells it (schema/schema.graphql: SubmitPetitionInput).</summary>
public sealed record PeerSubmitInput(Guid CommandId, Channel Channel, string EntryRegionCode, PetitionCategory Category,
    string Subject, string Content, PetitionerDetails Petitioner, DateTimeOffset? ReceivedAt);

public sealed class PeerSchema : Schema
{
    public PeerSchema(IServiceProvider services, PeerQueryType query, PeerMutationType mutation) : base(services)
    {
        Query = query;
        Mutation = mutation;
    }
}

public sealed class PeerQueryType : ObjectGraphType
{
    public PeerQueryType()
    {
        Name = "Query";
        Field<NonNullGraphType<StringGraphType>>("ping").Resolve(_ => "pong");
    }
}

public sealed class PeerMutationType : ObjectGraphType
{
    public PeerMutationType()
    {
        Name = "Mutation";
        Field<NonNullGraphType<PeerSubmitPayloadType>>("submitPetition")
            .Argument<NonNullGraphType<PeerSubmitInputType>>("input")
            .ResolveAsync(async context =>
            {
                var input = context.GetArgument<PeerSubmitInput>("input");
                var services = context.RequestServices!;
                var store = services.GetRequiredService<IDocumentStore>();
                var rules = services.GetRequiredService<RuleBook>();
                var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
                var command = new SubmitPetition(input.Channel, input.EntryRegionCode, input.Category, input.Subject, input.Content,
                    input.Petitioner, input.ReceivedAt);
                var ctx = new DecisionContext(new Actor("petitioner", Role.Petitioner, null), now, rules.Directory, rules.Clock, Anonymous: true);
                var office = Submission.Validate(command, ctx);
                var number = store.Storage.Database.Sequences.SequenceFor(typeof(PeerCaseNumber)).NextLong();
                var caseNumber = $"{office.RegionCode}-{now.Year}-{number:000000}";
                var events = Submission.Decide(command, new Allocation(input.CommandId, caseNumber), ctx);
                await using var session = store.LightweightSession();
                session.Events.StartStream<Petition>(input.CommandId, events);
                await session.SaveChangesAsync(context.CancellationToken);
                return new PeerSubmitted(caseNumber, new PeerPetition(input.CommandId, events.Length));
            });
    }
}

public sealed class PeerSubmitPayloadType : ObjectGraphType<PeerSubmitted>
{
    public PeerSubmitPayloadType()
    {
        Name = "SubmitPetitionPayload";
        Field<NonNullGraphType<StringGraphType>>("caseNumber").Resolve(c => c.Source.CaseNumber);
        Field<NonNullGraphType<PeerPetitionType>>("petition").Resolve(c => c.Source.Petition);
    }
}

public sealed class PeerPetitionType : ObjectGraphType<PeerPetition>
{
    public PeerPetitionType()
    {
        Name = "Petition";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IntGraphType>>("version").Resolve(c => c.Source.Version);
    }
}

public sealed class PeerPetitionerInputType : InputObjectGraphType<PetitionerDetails>
{
    public PeerPetitionerInputType()
    {
        Name = "PetitionerInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<StringGraphType>("phone");
        Field<StringGraphType>("idNumber");
        Field<StringGraphType>("address");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new PetitionerDetails((string)value["name"]!, value.TryGetValue("phone", out var phone) ? (string?)phone : null,
            value.TryGetValue("idNumber", out var id) ? (string?)id : null, value.TryGetValue("address", out var address) ? (string?)address : null);
    }
}

public sealed class PeerSubmitInputType : InputObjectGraphType<PeerSubmitInput>
{
    public PeerSubmitInputType()
    {
        Name = "SubmitPetitionInput";
        Field<NonNullGraphType<IdGraphType>>("commandId");
        Field<NonNullGraphType<ChannelEnum>>("channel");
        Field<NonNullGraphType<IdGraphType>>("entryRegionCode");
        Field<NonNullGraphType<PetitionCategoryEnum>>("category");
        Field<NonNullGraphType<StringGraphType>>("subject");
        Field<NonNullGraphType<StringGraphType>>("content");
        Field<NonNullGraphType<PeerPetitionerInputType>>("petitioner");
        Field<DateTimeOffsetGraphType>("receivedAt");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new PeerSubmitInput(Guid.Parse(value["commandId"]!.ToString()!), (Channel)value["channel"]!, value["entryRegionCode"]!.ToString()!,
            (PetitionCategory)value["category"]!, (string)value["subject"]!, (string)value["content"]!, (PetitionerDetails)value["petitioner"]!,
            value.TryGetValue("receivedAt", out var at) ? (DateTimeOffset?)at : null);
    }
}
