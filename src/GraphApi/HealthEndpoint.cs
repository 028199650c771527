using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>GET /health</c>: every check, 200 with <c>{"status":"Healthy",...}</c> (or <c>Degraded</c>: the read side
/// lags but advances), 503 when a check fails. <c>/health/live</c>: the process answers (no check; restart the
/// node only when this fails). <c>/health/ready</c>: the checks tagged <see cref="HealthTags.Ready"/> — the
/// database, the read side (a stalled projection or subscription is not ready), a broker when configured;
/// route traffic to the node only while it answers 200.
/// </summary>
public static class HealthEndpoint
{
    public const string Path = "/health";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapCaseEngineHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(Path, new HealthCheckOptions { ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready), ResponseWriter = WriteAsync });
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    // The kind of failure only: a driver's message names databases, hosts, ports and users,
                    // and /health answers anyone (the node's log has the detail). A check that throws gets the
                    // exception's message as its description from the health-check service: not shown either.
                    description = e.Value.Exception is { } thrown && e.Value.Description == thrown.Message
                        ? "the check failed" : e.Value.Description,
                    error = e.Value.Exception?.GetType().Name,
                    data = e.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
