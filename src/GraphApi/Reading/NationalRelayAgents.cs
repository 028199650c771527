using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using CaseEngine.Workflow.Tenancy;
using Wolverine.Runtime.Agents;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// The national log's relay of each province database as a Wolverine agent (<c>national-relay://340000</c>)
/// on the one node that holds it, so the master database sees one relay per province rather than one per
/// node and province. A round runs when the province's database commits (<see cref="NationalRelay.PauseAsync"/>),
/// or every <see cref="LiveEventsOptions.PollMilliseconds"/> while it relays, every
/// <see cref="LiveEventsOptions.IdlePollMilliseconds"/> while there is nothing to relay.
/// </summary>
public sealed class NationalRelayAgents(NationalRelay relay, ProvinceDatabases provinces, LiveEventsOptions options) : ProvinceAgentFamily(provinces)
{
    public const string SchemeName = "national-relay";

    public override string Scheme => SchemeName;

    protected override IAgent Build(Uri uri, string province) =>
        new ProvinceLoopAgent(uri, $"Relays province {province}'s committed events into the national log",
            TimeSpan.FromMilliseconds(options.PollMilliseconds), ct => relay.RelayOneAsync(province, ct), () => relay.Released(province),
            ct => relay.PauseAsync(province, ct));
}

/// <summary>
/// Degraded while this node holds the relay of a province whose log is behind the national log
/// (<see cref="ProvinceLogBehindException"/>), naming the provinces in <c>behind</c>. The node serves every
/// command and query meanwhile, so it stays ready; the province's national relay waits for an operator.
/// </summary>
public sealed class NationalRelayHealthCheck(NationalRelay relay) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var behind = relay.Behind();
        return Task.FromResult(behind.Count == 0
            ? HealthCheckResult.Healthy("relaying")
            : HealthCheckResult.Degraded(
                $"relay halted: province log behind the national log: {string.Join(", ", behind)}",
                data: new Dictionary<string, object> { ["behind"] = string.Join(",", behind) }));
    }
}
