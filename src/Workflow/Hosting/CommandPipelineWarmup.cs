using System.Diagnostics;
using CaseEngine.Workflow.Commands;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// Builds the command pipeline when the host starts, before the server listens. Wolverine generates and
/// compiles a message's handler chain on the message's first use: on a fresh node the first command
/// waited for it (3.7 s on an idle 2-core machine, the later ones 40–80 ms; over a minute while other
/// processes kept the cores busy, past the operation's 30 s limit). A node now answers its first command
/// as fast as its hundredth, and its readiness probe answers only when it can.
/// </summary>
public sealed class CommandPipelineWarmup(IWolverineRuntime runtime, ILogger<CommandPipelineWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        // Every command travels as a CommandEnvelope: one handler chain.
        runtime.FindInvoker(typeof(CommandEnvelope));
        logger.LogInformation("Command pipeline built in {Milliseconds} ms", watch.ElapsedMilliseconds);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
