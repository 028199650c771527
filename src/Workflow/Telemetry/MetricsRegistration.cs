using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CaseEngine.Workflow.Telemetry;

public static class MetricsRegistration
{
    /// <summary>The engine's instruments and the sampler of its database gauges (every host: API nodes, tests, the bench).</summary>
    public static IServiceCollection AddCaseEngineMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<CaseEngineMetrics>();
        services.AddSingleton<OperationsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<OperationsSampler>());
        return services;
    }
}
