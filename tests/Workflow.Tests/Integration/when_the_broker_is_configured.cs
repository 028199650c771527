using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Integration;
using Microsoft.Extensions.Configuration;

namespace CaseEngine.Workflow.Tests.Integration;

/// <summary>The broker's settings: off unless a host is set; outside Development its credentials are required, named in one line, never echoed.</summary>
public sealed class when_the_broker_is_configured
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"{BrokerSettings.Section}:{v.Key}", v.Value))).Build();

    [Fact]
    public void no_host_means_no_broker() => BrokerSettings.From(Config(), development: false).ShouldBeNull();

    [Theory]
    [InlineData("UserName")]
    [InlineData("Password")]
    public void outside_development_a_missing_credential_stops_the_start_naming_it(string missing)
    {
        var values = new List<(string, string)> { ("Host", "mq.internal"), ("UserName", "caseengine"), ("Password", "s3cret-value") };
        values.RemoveAll(v => v.Item1 == missing);
        var e = Should.Throw<StartupException>(() => BrokerSettings.From(Config([.. values]), development: false));
        e.Message.ShouldContain($"CaseEngine:Broker:{missing} (env CaseEngine__Broker__{missing})");
        e.Message.ShouldNotContain("s3cret-value");
        e.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void outside_development_the_default_guest_user_is_refused() =>
        Should.Throw<StartupException>(() => BrokerSettings.From(
            Config(("Host", "mq.internal"), ("UserName", "guest"), ("Password", "guest")), development: false))
            .Message.ShouldContain("guest");

    [Fact]
    public void in_development_a_local_broker_needs_no_credentials()
    {
        var settings = BrokerSettings.From(Config(("Host", "localhost")), development: true).ShouldNotBeNull();
        settings.EffectivePort.ShouldBe(5672);
        settings.Exchange.ShouldBe("caseengine.events");
    }

    [Fact]
    public void a_bad_port_is_named() =>
        Should.Throw<StartupException>(() => BrokerSettings.From(Config(("Host", "localhost"), ("Port", "amqp")), development: true))
            .Message.ShouldContain("CaseEngine:Broker:Port");

    [Theory]
    [InlineData("000000.340000.340100.340101", "340000.340100.340101.PetitionForwarded")]
    [InlineData("000000.340000.340100.340101.340101001", "340000.340100.340101.PetitionForwarded")]
    [InlineData("000000.340000", "340000._._.PetitionForwarded")]
    public void the_routing_key_is_province_city_county_and_type(string regionPath, string key) =>
        CaseEventRouting.Key(regionPath, "PetitionForwarded").ShouldBe(key);
}
