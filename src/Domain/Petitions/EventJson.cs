using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// How events look as JSON everywhere (the event store, the feeds, schema/events): camelCase
/// properties and enums as the contract's UPPER_SNAKE names (ReReviewWindow → RE_REVIEW_WINDOW).
/// </summary>
public static class EventJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Every event type a petition stream can hold, for registration and the event catalogue.</summary>
    public static IReadOnlyList<Type> EventTypes { get; } =
        [.. typeof(IPetitionEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IPetitionEvent).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];
}
