using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CaseEngine.Bench.Scenarios;

/// <summary>The real engine (Marten, Wolverine, daemon) in-process on the bench database.</summary>
public sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(IHost host) => Host = host;

    public IHost Host { get; }

    /// <param name="eventChain">link every append in the tamper-evident chain (the default); off only to measure its cost</param>
    /// <param name="duplicateDetection">flag likely duplicates after each submission (the default)</param>
    public static async Task<EngineHost> StartAsync(string connectionString, bool eventChain = true, bool duplicateDetection = true)
    {
        var master = await Harness.BenchDatabase.MasterForAsync(connectionString);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        foreach (var (key, value) in CaseEngine.Testing.TestKeys.Settings)
            builder.Configuration[key] = value;
        builder.AddCaseEngine(o =>
        {
            // The given database is the demo province's; the host is given the master database listing it.
            o.ConnectionString = master;
            // A bench host runs as Production, where the chain needs a key: a random one per run.
            o.EventChainKey = CaseEngine.Workflow.Integrity.EventChainKey.Generate("bench");
            o.EventChain = eventChain;
            o.DuplicateDetection = duplicateDetection;
        });
        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host);
    }

    public async Task<CommandResult> SendAsync(CommandEnvelope message)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeCommandAsync(scope.ServiceProvider, message);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
