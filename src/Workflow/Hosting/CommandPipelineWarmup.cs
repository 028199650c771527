using System.Diagnostics;
using CaseEngine.Workflow.Commands;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// Builds the command pipeline as soon as the host has started, in the background. Wolverine generates and
/// compiles a message's handler chain on the message's first use: on a fresh node the first command waited
/// for it (3.7 s on an idle 2-core machine, the later ones 40–80 ms; over a minute while other processes
/// kept the cores busy, past the operation's 30 s limit). Built here, it is usually ready before the first
/// command arrives. Not inside the start: a node joining a cluster must listen and answer its health probe
/// while it compiles (built inside the start, the fault run's joining nodes twice missed their 2-minute start in CI).
/// </summary>
public sealed class CommandPipelineWarmup(IWolverineRuntime runtime, IHostApplicationLifetime lifetime, ILogger<CommandPipelineWarmup> logger)
    : IHostedService
{
    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the pipeline is built (faulted if building it failed; the first command then builds it).</summary>
    public Task Built => _built.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(Build, CancellationToken.None));
        return Task.CompletedTask;
    }

    private void Build()
    {
        var watch = Stopwatch.StartNew();
        try
        {
            // Every command travels as a CommandEnvelope: one handler chain.
            runtime.FindInvoker(typeof(CommandEnvelope));
            logger.LogInformation("Command pipeline built in {Milliseconds} ms", watch.ElapsedMilliseconds);
            _built.TrySetResult();
        }
#pragma warning disable CA1031 // a failed warm-up costs only the first command's wait: logged, never fatal
        catch (Exception e)
        {
            logger.LogWarning("Building the command pipeline at start failed ({Failure}); the first command builds it", e.GetType().Name);
            _built.TrySetException(e);
        }
#pragma warning restore CA1031
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
