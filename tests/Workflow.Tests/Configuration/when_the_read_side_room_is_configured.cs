using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.Workflow.Tests.Configuration;

/// <summary>CaseEngine:ReadSideCachedStreams: the streams the inbox and overdue projections keep between pages, bound like every setting.</summary>
public class when_the_read_side_room_is_configured
{
    private static ReadSideRoomOptions Resolve(string? value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(value is null ? [] : new Dictionary<string, string?> { ["CaseEngine:ReadSideCachedStreams"] = value })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddSettings<ReadSideRoomOptions>(ReadSideRoomOptions.Section, o => o.Invalid());
        return services.BuildServiceProvider().GetRequiredService<ReadSideRoomOptions>();
    }

    [Fact]
    public void without_a_setting_the_default_room_is_used() =>
        Resolve(null).ReadSideCachedStreams.ShouldBe(PetitionStreamsProjection.DefaultCachedStreams);

    [Theory]
    [InlineData("300000", 300_000)]
    [InlineData(" 0 ", 0)]
    public void the_configured_room_is_used(string value, int expected) =>
        Resolve(value).ReadSideCachedStreams.ShouldBe(expected);

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void a_value_that_is_not_a_whole_number_of_streams_stops_the_start_in_one_line_naming_the_setting(string value)
    {
        var failure = Should.Throw<Exception>(() => Resolve(value));
        var line = Settings.Describe(failure);
        line.ShouldNotBeNull();
        line.ShouldContain("CaseEngine:ReadSideCachedStreams");
        line.ShouldNotContain("\n");
    }
}
