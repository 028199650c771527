using System.Diagnostics;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Telemetry;
using JasperFx.OpenTelemetry;
using Marten;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CaseEngine.GraphApi.Telemetry;

/// <summary>
/// Traces and metrics (docs/operations.md, Telemetry). OpenTelemetry's providers exist only when an
/// exporter needs them: OTLP when a standard <c>OTEL_EXPORTER_OTLP_*ENDPOINT</c> variable is set (and
/// <c>OTEL_SDK_DISABLED</c> is not true), or <c>Telemetry:Tracing=true</c> for an exporter added in
/// code; the Prometheus scrape (<see cref="PrometheusScrape"/>, <c>Telemetry:Prometheus:Port</c>) needs the
/// meter provider only; without them no span is recorded and nothing is sent. What they collect is configured here
/// either way: the engine's, ASP.NET Core's, Wolverine's, Marten's and Npgsql's sources and meters.
/// </summary>
public static class TelemetrySetup
{
    public const string ServiceName = "caseengine";

    /// <summary>Sources of the spans exported: the engine (projection pages), Wolverine (handlers), Marten (sessions, the daemon), Npgsql (every statement, the commit).</summary>
    public static readonly string[] Sources = [ProjectionTracing.Source.Name, "Wolverine", "Marten", "Npgsql"];

    /// <summary>Meters exported over OTLP; Wolverine's meter is named after the service (<c>Wolverine:…</c>).</summary>
    public static readonly string[] Meters = [CaseEngineMetrics.MeterName, ProjectionLagMonitor.MeterName, "Wolverine*", "Marten", "Npgsql"];

    public static WebApplicationBuilder AddCaseEngineTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // The node's live subscriptions, read when the gauge is collected.
        services.AddHostedService<SubscriberGauge>();

        // Marten's connection spans and its event counter (marten.event.append by event type).
        services.ConfigureMarten(opts =>
        {
            opts.OpenTelemetry.TrackConnections = TrackLevel.Normal;
            opts.OpenTelemetry.TrackEventCounters();
        });

        // What a tracer or meter provider collects, whoever creates it (OTLP below, or a test's in-memory exporter).
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(Sources)
            .AddAspNetCoreInstrumentation(o =>
            {
                // Probes and scrapes are not traffic.
                o.Filter = http => !http.Request.Path.StartsWithSegments(HealthEndpoint.Path, StringComparison.Ordinal);
                // A GET /graphql carries the document and variables (case numbers) in its query string: never exported.
                o.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                o.RecordException = false;
            }));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(Meters)
            .AddAspNetCoreInstrumentation());

        var configuration = builder.Configuration;
        var otlp = OtlpConfigured(configuration);
        var tracing = otlp || configuration.GetValue<bool>(TracingSetting);
        // The scrape (off unless Telemetry:Prometheus:Port is set) needs only the meter provider, not tracing.
        services.AddSettings<PrometheusOptions>(PrometheusOptions.Section, o => o.Invalid());
        var prometheus = PrometheusOptions.From(configuration);
        var scrape = prometheus.Enabled && prometheus.Invalid() is null;
        if (tracing || scrape)
        {
            var telemetry = services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? ServiceName))
                .WithMetrics(metrics =>
                {
                    if (scrape)
                        metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0); // every scrape collects: no stale answer to a second scraper
                });
            if (tracing)
                telemetry.WithTracing();
            if (otlp)
                telemetry.UseOtlpExporter();
            if (scrape)
                services.AddHostedService<PrometheusScrape>();
        }
        return builder;
    }

    /// <summary>Records spans for an exporter added in code (tests, an embedding host) without OTLP.</summary>
    public const string TracingSetting = "Telemetry:Tracing";

    /// <summary>The standard variables: an OTLP endpoint for any signal, unless the SDK is disabled.</summary>
    public static bool OtlpConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase))
            return false;
        return new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" }
            .Any(v => !string.IsNullOrWhiteSpace(configuration[v]));
    }

    private sealed class SubscriberGauge(CaseEngineMetrics metrics, LiveEvents live, NationalRelay relay) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            metrics.ObserveSubscribers(() => live.LiveCount);
            metrics.ObserveNationalRelay(relay.Ages);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
