using System.Diagnostics;

namespace CaseEngine.GraphApi.Telemetry;

/// <summary>
/// One line per HTTP request, when it ends: method, path (never the query string: a GET /graphql
/// carries case numbers there), status and duration. ASP.NET Core's own request lines (four per
/// request, with the full URL) stay capped at Warning (GraphApiSetup). Category
/// <c>CaseEngine.Requests</c>: Information, probes (<c>/health…</c>) at Debug.
/// </summary>
public static class RequestLog
{
    public const string Category = "CaseEngine.Requests";

    public static IApplicationBuilder UseCaseEngineRequestLog(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var level = context.Request.Path.StartsWithSegments(HealthEndpoint.Path, StringComparison.Ordinal) ? LogLevel.Debug : LogLevel.Information;
                if (logger.IsEnabled(level))
                {
                    var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
                    logger.Log(level, "{Method} {Path} {Status} {Milliseconds:0.0} ms", context.Request.Method, context.Request.Path.Value,
                        status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }
}
