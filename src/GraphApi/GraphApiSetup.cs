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

        services.TryAddSingleton(sp =>
        {
            var options = new AuthOptions();
            sp.GetRequiredService<IConfiguration>().GetSection(AuthOptions.Section).Bind(options);
            return options;
        });
        services.TryAddSingleton(sp => TokenService.Create(
            sp.GetRequiredService<AuthOptions>(), sp.GetRequiredService<ServerKeys>(), sp.GetRequiredService<RuleBook>()));
        // Outside Development a host without a token key must not start: checked when the host starts,
        // first, before any hosted service touches the database.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, TokenKeyCheck>());

        services.TryAddSingleton(sp => Bind<RateLimitOptions>(sp, "GraphQL:RateLimit"));
        services.TryAddSingleton(sp => Bind<TrustedProxyOptions>(sp, TrustedProxyOptions.Section));
        services.AddTransient<IStartupFilter, TrustedProxiesStartupFilter>();
        services.TryAddSingleton(sp => Bind<GraphQLWebSocketOptions>(sp, "GraphQL:WebSocket"));
        services.TryAddSingleton(sp => Bind<LiveEventsOptions>(sp, "GraphQL:Subscriptions"));
        services.TryAddSingleton<CallerRateLimiter>();
        services.TryAddSingleton<LiveEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveEvents>());
        services.TryAddSingleton<GraphQLWebSocketEndpoint>();
        services.TryAddSingleton<AccessLog>();
        services.TryAddSingleton<PetitionReader>();
        services.TryAddSingleton<EventFeed>();
        services.TryAddSingleton(sp => new Projections.ReadSide.CursorKey(sp.GetRequiredService<ServerKeys>().Ring(KeySettings.Cursor).Current.Secret));
        services.TryAddSingleton<GraphQLHttpEndpoint>();
        services.TryAddSingleton<GraphiQLPage>();
        services.ConfigureMarten(AccessLog.Configure);

        services.AddCaseEngineSchema();

        // Request URLs carry GET queries (case numbers, access codes): the hosting log must not print them.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return builder;
    }

    /// <summary>The schema, its graph types and the serializer; needs a <see cref="RuleBook"/> and a <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddCaseEngineSchema(this IServiceCollection services)
    {
        services.AddGraphQL(graphql => graphql
            .AddSchema<CaseEngineSchema>()
            .AddGraphTypes(typeof(CaseEngineSchema).Assembly)
            // Chinese text and "+08:00" as themselves, not \uXXXX escapes: responses are JSON, never embedded in HTML.
            .AddSystemTextJson(json => json.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
            .AddErrorInfoProvider<ContractErrorInfoProvider>());
        services.TryAddSingleton(sp => Bind<OperationLimitsOptions>(sp, "GraphQL:Limits"));
        services.TryAddSingleton<ValidatedDocumentCache>();
        services.AddSingleton<IConfigureExecution>(sp => sp.GetRequiredService<ValidatedDocumentCache>());
        return services;
    }

    private static T Bind<T>(IServiceProvider sp, string section) where T : new()
    {
        var options = new T();
        sp.GetService<IConfiguration>()?.GetSection(section).Bind(options);
        return options;
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
