using CaseEngine.GraphApi;
using CaseEngine.GraphApi.Telemetry;
using CaseEngine.Workflow.Configuration;
using JasperFx;

// `token` mints a development bearer token; it needs no database, so it runs before the host is built.
if (args is ["token", .. var tokenArgs])
    return TokenCommand.Run(tokenArgs, Console.Out, Console.Error);
// `rebuild` replays the event log into the read models, then exits.
if (args is ["rebuild", .. var rebuildArgs])
    return await RebuildCommand.RunAsync(rebuildArgs, Console.Out, Console.Error);
// `verify-chain` recomputes the tamper-evident event chain (and compares kept day roots), then exits.
if (args is ["verify-chain", .. var verifyArgs])
    return await VerifyChainCommand.RunAsync(verifyArgs, Console.Out, Console.Error);

// `accept-relay-loss` records that a province's relayed events are lost for good, so its national relay resumes.
if (args is ["accept-relay-loss", .. var acceptArgs])
    return await AcceptRelayLossCommand.RunAsync(acceptArgs, Console.Out, Console.Error);

// JasperFx's command line (codegen, db-apply, resources, describe, ...) answers its own verbs.
// Anything else, including no arguments or host options such as `--urls`, just runs the server:
// the host already read those options into configuration when the builder was created.
var serve = args.Length == 0 || args[0].StartsWith('-');
WebApplication? app = null;
try
{
    // The operator's environment wins; Development only when nothing is set and the launch profile asks (ServerEnvironment).
    var builder = WebApplication.CreateBuilder(ServerEnvironment.Options(args));
    ServerEnvironment.UseDefaultUrls(builder);
    ServerStart.QuietDefaults(builder.Configuration);
    ServerStart.QuietFailedStart(builder.Logging, builder.Configuration);
    builder.AddCaseEngine();
    builder.AddCaseEngineGraphApi();
    builder.AddCaseEngineTelemetry();
    app = builder.Build();
    // Keys, the connection string, free ports, the database's answer: before mapping the endpoints,
    // which resolves the store and so starts an embedded database.
    if (serve)
        await ServerStart.CheckAsync(app);
    app.UseCaseEngineRequestLog();
    app.UseWebSockets();
    app.MapCaseEngineHealth();
    app.MapCaseEngineGraphQL();
}
catch (Exception e) when (e is not HostAbortedException)
{
    ServerStart.Report(e, Console.Error);
    if (app is not null)
        await ServerStart.DisposeQuietlyAsync(app);
    return 1;
}

return serve ? await ServerStart.RunAsync(app, Console.Error) : await app.RunJasperFxCommands(args);

/// <summary>Entry point, public for Alba / WebApplicationFactory.</summary>
public partial class Program;
