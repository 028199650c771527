using CaseEngine.Workflow.Tenancy;
using JasperFx;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace CaseEngine.Workflow.Deadlines;

/// <summary>
/// The deadline sweep of each province database as a Wolverine agent (<c>deadline-sweep://340000</c>):
/// Wolverine's leader runs each on exactly one node and starts it on another when that node stops
/// sending heartbeats (<see cref="Hosting.ReadSideDistribution"/>), as it does for the projections.
/// A province registered while running is listed on the leader's next assignment check.
/// </summary>
public sealed class DeadlineSweepAgents(DeadlineSweeper sweeper, ProvinceDatabases provinces, DeadlineSweepOptions options,
    ILogger<DeadlineSweeper> logger) : IAgentFamily
{
    public const string SchemeName = "deadline-sweep";

    public string Scheme => SchemeName;

    public static Uri UriFor(string province) => new($"{SchemeName}://{province}");

    public async ValueTask<IReadOnlyList<Uri>> AllKnownAgentsAsync() => [.. (await provinces.AllAsync()).Select(UriFor)];

    public ValueTask<IReadOnlyList<Uri>> SupportedAgentsAsync() => AllKnownAgentsAsync();

    public ValueTask<IAgent> BuildAgentAsync(Uri uri, IWolverineRuntime wolverineRuntime) =>
        ValueTask.FromResult<IAgent>(new DeadlineSweepAgent(uri, uri.Host, sweeper, options, logger));

    public ValueTask EvaluateAssignmentsAsync(AssignmentGrid assignments)
    {
        assignments.DistributeEvenly(SchemeName);
        return ValueTask.CompletedTask;
    }
}

/// <summary>One province's sweep, every <see cref="DeadlineSweepOptions.IntervalSeconds"/> of real time while this node holds it.</summary>
internal sealed class DeadlineSweepAgent(Uri uri, string province, DeadlineSweeper sweeper, DeadlineSweepOptions options,
    ILogger logger) : IAgent
{
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    public Uri Uri => uri;

    public AgentStatus Status { get; private set; } = AgentStatus.Stopped;

    public string Description => $"Fires the due deadline timers of province {province}";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        _loop = RunAsync(_stopping.Token);
        Status = AgentStatus.Running;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Status = AgentStatus.Stopped;
        if (_stopping is null || _loop is null)
            return;
        await _stopping.CancelAsync();
        // A sweep in flight finishes its batch or is cancelled; its firings are idempotent either way.
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _stopping = null;
        _loop = null;
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // Real time between sweeps: the due moments come from the injected clock (DeadlineSweeper), and
        // tests with a fake clock sweep themselves rather than wait for a tick.
        using var ticks = new PeriodicTimer(TimeSpan.FromSeconds(options.IntervalSeconds));
        try
        {
            while (await ticks.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sweeper.SweepAsync(province, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The timers stay in the table: the next tick retries them. Type only: a message can quote a value.
                    logger.LogWarning("Deadline sweep of province {Province} failed ({Error}); retrying on the next tick", province, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
