using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.Configuration;

namespace CaseEngine.Workflow.Tests.Configuration;

/// <summary>CaseEngine:ReadSideCachedStreams: the streams the inbox and overdue projections keep between pages.</summary>
public class when_the_read_side_room_is_configured
{
    private static IConfiguration Configured(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["CaseEngine:ReadSideCachedStreams"] = value })
        .Build();

    [Fact]
    public void without_a_setting_the_default_room_is_used() =>
        CaseEngineSetup.ReadSideCachedStreams(new CaseEngineOptions(), Configured(null))
            .ShouldBe(PetitionStreamsProjection.DefaultCachedStreams);

    [Theory]
    [InlineData("300000", 300_000)]
    [InlineData(" 0 ", 0)]
    public void the_configured_room_is_used(string value, int expected) =>
        CaseEngineSetup.ReadSideCachedStreams(new CaseEngineOptions(), Configured(value)).ShouldBe(expected);

    [Fact]
    public void the_option_wins_over_configuration() =>
        CaseEngineSetup.ReadSideCachedStreams(new CaseEngineOptions { ReadSideCachedStreams = 5 }, Configured("300000")).ShouldBe(5);

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void a_value_that_is_not_a_whole_number_of_streams_stops_the_start_naming_the_setting(string value) =>
        Should.Throw<StartupException>(() => CaseEngineSetup.ReadSideCachedStreams(new CaseEngineOptions(), Configured(value)))
            .Message.ShouldContain("CaseEngine:ReadSideCachedStreams");
}
