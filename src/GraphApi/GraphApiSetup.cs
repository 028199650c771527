using System.Text.Encodings.Web;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Http;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Schema;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.DI;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaseEngine.GraphApi;

/// <summary>The GraphQL API's registrations: schema, tokens, the HTTP endpoint, masking and the access log.</summary>
public static class GraphApiSetup
{
    public const string Path = "/graphql";

    public static WebApplicationBuilder AddCaseEngineGraphApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // Every section bound the one way (Settings.AddSettings): a bad value stops the start with one line naming its key.
        services.AddSettings<AuthOptions>(AuthOptions.Section, o => o.Invalid());
        services.TryAddSingleton(sp => TokenService.Create(
            sp.GetRequiredService<AuthOptions>(), sp.GetRequiredService<ServerKeys>(), sp.GetRequiredService<RuleBook>()));
        // Outside Development a host without a token key must not start: checked when the host starts,
        // first, before any hosted service touches the database.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TokenKeyCheck>());

        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section, o => o.Invalid());
        services.AddSettings<TrustedProxyOptions>(TrustedProxyOptions.Section, o => o.Invalid());
        services.AddTransient<IStartupFilter, TrustedProxiesStartupFilter>();
        services.AddSettings<GraphQLWebSocketOptions>(GraphQLWebSocketOptions.Section, o => o.Invalid());
        services.AddSettings<LiveEventsOptions>(LiveEventsOptions.Section, o => o.Invalid());
        services.AddSettings<EventFeedOptions>(EventFeedOptions.Section, o => o.Invalid());
        services.TryAddSingleton<CallerRateLimiter>();
        services.TryAddSingleton<LiveEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveEvents>());
        services.TryAddSingleton<GraphQLWebSocketEndpoint>();
        services.TryAddSingleton<AccessLog>();
        services.TryAddSingleton<PetitionReader>();
        services.TryAddSingleton<EventFeed>();
        services.TryAddSingleton<CommittedPrefix>();
        services.TryAddSingleton<NationalLog>();
        services.TryAddSingleton<NationalRelay>();
        // Each province's relay into the national log runs on one node (Wolverine's leader gives it one).
        services.AddSingleton<Wolverine.Runtime.Agents.IAgentFamily, NationalRelayAgents>();
        services.AddHealthChecks().AddCheck<NationalRelayHealthCheck>("nationalRelay", tags: [Workflow.Hosting.HealthTags.Ready]);
        services.TryAddSingleton(sp => new Projections.ReadSide.CursorKey(sp.GetRequiredService<ServerKeys>().Ring(KeySettings.Cursor).Current.Secret));
        services.TryAddSingleton<GraphQLHttpEndpoint>();
        services.AddSettings<GraphiQLOptions>(GraphiQLOptions.Section);
        services.TryAddSingleton<GraphiQLPage>();
        services.AddSettings<CitizenPagesOptions>(CitizenPagesOptions.Section, o => o.Invalid());
        services.TryAddSingleton<CitizenPages>();
        services.ConfigureMarten(AccessLog.Configure);

        services.AddCaseEngineSchema();

        // Request URLs carry GET queries (case numbers, access codes): the hosting log must not print them.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return builder;
    }

    /// <summary>The schema, its graph types and the serializer; needs a <see cref="RuleBook"/>, a <see cref="TimeProvider"/> and the configuration (its <c>GraphQL:Limits</c>).</summary>
    public static IServiceCollection AddCaseEngineSchema(this IServiceCollection services)
    {
        services.AddGraphQL(graphql => graphql
            .AddSchema<CaseEngineSchema>()
            .AddGraphTypes(typeof(CaseEngineSchema).Assembly)
            // Chinese text and "+08:00" as themselves, not \uXXXX escapes: responses are JSON, never embedded in HTML.
            .AddSystemTextJson(json => json.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
            .AddErrorInfoProvider<ContractErrorInfoProvider>());
        services.AddSettings<OperationLimitsOptions>(OperationLimitsOptions.Section, o => o.Invalid());
        services.TryAddSingleton<ValidatedDocumentCache>();
        services.TryAddSingleton<GraphQLExecution>();
        return services;
    }

    /// <summary>
    /// POST and GET /graphql over HTTP; a GET that upgrades is graphql-transport-ws (needs UseWebSockets before);
    /// a GET accepting text/html gets GraphiQL when it is on (Development or GraphiQL:Enabled), its assets under /graphiql.
    /// </summary>
    public static IEndpointRouteBuilder MapCaseEngineGraphQL(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var endpoint = endpoints.ServiceProvider.GetRequiredService<GraphQLHttpEndpoint>();
        var webSocket = endpoints.ServiceProvider.GetRequiredService<GraphQLWebSocketEndpoint>();
        var graphiql = endpoints.ServiceProvider.GetRequiredService<GraphiQLPage>();
        endpoints.MapPost(Path, endpoint.HandleAsync);
        endpoints.MapGet(Path, context =>
        {
            GraphQLHttpEndpoint.NoStore(context.Response);
            return context.WebSockets.IsWebSocketRequest ? webSocket.HandleAsync(context)
                : graphiql.Serves(context.Request) ? graphiql.PageAsync(context)
                : endpoint.HandleAsync(context);
        });
        endpoints.MapGet(GraphiQLPage.AssetPath + "/{file}", (HttpContext context, string file) => graphiql.AssetAsync(context, file));
        // The citizen pages (issue 21) on this API: the page at /, its script and stylesheet under /web.
        var pages = endpoints.ServiceProvider.GetRequiredService<CitizenPages>();
        endpoints.MapGet("/", pages.PageAsync);
        endpoints.MapGet("/workbench", pages.WorkbenchAsync);
        endpoints.MapGet(CitizenPages.AssetPath + "/{file}", (HttpContext context, string file) => pages.AssetAsync(context, file));
        endpoints.MapMethods(Path, ["PUT", "PATCH", "DELETE"], context =>
        {
            GraphQLHttpEndpoint.NoStore(context.Response);
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, POST";
            return Task.CompletedTask;
        });
        return endpoints;
    }

    private sealed class TokenKeyCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<TokenService>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
