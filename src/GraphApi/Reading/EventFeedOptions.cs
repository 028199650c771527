namespace CaseEngine.GraphApi.Reading;

/// <summary>Configuration section <c>GraphQL:Feed</c>: the committed prefix that the feed and the subscriptions read to.</summary>
public sealed class EventFeedOptions
{
    public const string Section = "GraphQL:Feed";

    /// <summary>
    /// A hole in the event sequence seen for longer than this is a rolled-back append, not one still
    /// committing (the async daemon's own rule for dead gaps); an append that commits within it is delivered in order.
    /// </summary>
    public double DeadGapSeconds { get; set; } = 5;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        DeadGapSeconds is > 0 and <= 3600 ? null : $"{Section}:DeadGapSeconds must be above 0 and at most 3600";
}
