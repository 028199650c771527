using CaseEngine.GraphApi.Telemetry;
using Microsoft.Extensions.Configuration;

namespace CaseEngine.GraphApi.Tests.Telemetry;

/// <summary>OTLP export follows the standard OTEL_* variables: on with an endpoint, off without one or when the SDK is disabled.</summary>
public class when_otlp_is_configured
{
    private static IConfiguration With(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void it_is_off_without_an_endpoint() => TelemetrySetup.OtlpConfigured(With()).ShouldBeFalse();

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")]
    public void an_endpoint_turns_it_on(string variable) =>
        TelemetrySetup.OtlpConfigured(With((variable, "http://collector:4317"))).ShouldBeTrue();

    [Fact]
    public void the_sdk_disabled_turns_it_off_again() =>
        TelemetrySetup.OtlpConfigured(With(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_SDK_DISABLED", "true"))).ShouldBeFalse();
}
