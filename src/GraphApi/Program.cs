using CaseEngine.GraphApi;
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

var builder = WebApplication.CreateBuilder(args);
builder.AddCaseEngine();
builder.AddCaseEngineGraphApi();

var app = builder.Build();
app.UseWebSockets();
app.MapCaseEngineHealth();
app.MapCaseEngineGraphQL();

// JasperFx's command line (codegen, db-apply, resources, describe, ...) answers its own verbs.
// Anything else, including no arguments or host options such as `--urls`, just runs the server:
// the host already read those options into configuration when the builder was created.
return args.Length > 0 && !args[0].StartsWith('-')
    ? await app.RunJasperFxCommands(args)
    : await RunServerAsync(app);

static async Task<int> RunServerAsync(WebApplication app)
{
    await app.RunAsync();
    return 0;
}

/// <summary>Entry point, public for Alba / WebApplicationFactory.</summary>
public partial class Program;
