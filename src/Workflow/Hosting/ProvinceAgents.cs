using CaseEngine.Workflow.Tenancy;
using JasperFx;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// Work that must run once per province database, on whichever node holds it: one Wolverine agent per
/// province (<c>{scheme}://340000</c>), given to a node by Wolverine's leader and started on another when
/// that node stops sending heartbeats (<see cref="ReadSideDistribution"/>). A province registered while
/// running is listed on the leader's next assignment check. The deadline sweep and the national relay are two.
/// </summary>
public abstract class ProvinceAgentFamily(ProvinceDatabases provinces) : IAgentFamily
{
    public abstract string Scheme { get; }

    /// <summary>The agent running <paramref name="province"/>'s work under <paramref name="uri"/>.</summary>
    protected abstract IAgent Build(Uri uri, string province);

    public Uri UriFor(string province) => new($"{Scheme}://{province}");

    public async ValueTask<IReadOnlyList<Uri>> AllKnownAgentsAsync() => [.. (await provinces.AllAsync()).Select(UriFor)];

    public ValueTask<IReadOnlyList<Uri>> SupportedAgentsAsync() => AllKnownAgentsAsync();

    public ValueTask<IAgent> BuildAgentAsync(Uri uri, IWolverineRuntime wolverineRuntime) => ValueTask.FromResult(Build(uri, uri.Host));

    public ValueTask EvaluateAssignmentsAsync(AssignmentGrid assignments)
    {
        assignments.DistributeEvenly(Scheme);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A province agent that runs <paramref name="round"/> every <paramref name="interval"/> of real time while
/// this node holds it, or after each <paramref name="pause"/> when given (a wait that ends early when there
/// is work). The round handles (and logs) its own failures; <paramref name="stopped"/> runs when the node
/// gives the agent up.
/// </summary>
public sealed class ProvinceLoopAgent(Uri uri, string description, TimeSpan interval, Func<CancellationToken, Task> round, Action? stopped = null,
    Func<CancellationToken, Task>? pause = null) : IAgent
{
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    public Uri Uri => uri;

    public AgentStatus Status { get; private set; } = AgentStatus.Stopped;

    public string Description => description;

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
        // A round in flight finishes or is cancelled; each kind of work is safe either way (idempotent, or one transaction).
        var loop = _loop;
        await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _stopping = null;
        _loop = null;
        // Only once the loop has ended: a round still in flight when the wait was cut short would otherwise
        // record its province's state (a relay's age, a halt) after it was cleared, on a node that no longer holds it.
        if (stopped is not null)
            _ = loop.ContinueWith(_ => stopped(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var ticks = new PeriodicTimer(interval);
        try
        {
            while (pause is null ? await ticks.WaitForNextTickAsync(stoppingToken) : await PausedAsync(pause, stoppingToken))
                await round(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> PausedAsync(Func<CancellationToken, Task> pause, CancellationToken stoppingToken)
    {
        await pause(stoppingToken);
        return !stoppingToken.IsCancellationRequested;
    }
}
