using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime.Agents;

namespace CaseEngine.Workflow.Deadlines;

/// <summary>
/// The deadline sweep of each province database as a Wolverine agent (<c>deadline-sweep://340000</c>),
/// every <see cref="DeadlineSweepOptions.IntervalSeconds"/> of real time on the node that holds it: the
/// due moments come from the injected clock (<see cref="DeadlineSweeper"/>), and tests with a fake clock
/// sweep themselves rather than wait for a tick.
/// </summary>
public sealed class DeadlineSweepAgents(DeadlineSweeper sweeper, ProvinceDatabases provinces, DeadlineSweepOptions options,
    ILogger<DeadlineSweeper> logger) : ProvinceAgentFamily(provinces)
{
    public const string SchemeName = "deadline-sweep";

    public override string Scheme => SchemeName;

    protected override IAgent Build(Uri uri, string province) =>
        new ProvinceLoopAgent(uri, $"Fires the due deadline timers of province {province}", TimeSpan.FromSeconds(options.IntervalSeconds), async ct =>
        {
            try
            {
                await sweeper.SweepAsync(province, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The timers stay in the table: the next tick retries them. Type only: a message can quote a value.
                logger.LogWarning("Deadline sweep of province {Province} failed ({Error}); retrying on the next tick", province, e.GetType().Name);
            }
        });
}
