namespace CaseEngine.Projections.ReadSide;

/// <summary>The names of the async projections (their progress rows, metrics tags and rebuild arguments).</summary>
public static class ReadSideNames
{
    public const string Inbox = "inbox";
    public const string Overdue = "overdue";
    public const string Statistics = "statistics";

    public const string SituationAnalysis = "SituationAnalysis";
    public const string DuplicateIndex = "DuplicateIndex";

    /// <summary>The subscription that writes the duplicate index and flags suspected duplicates.</summary>
    public const string DuplicateDetection = "DuplicateDetection";

    /// <summary>The work-queue projections. Lag-monitored and health-checked with every other shard the store registers.</summary>
    public static IReadOnlyList<string> All { get; } = [Inbox, Overdue, Statistics];

    /// <summary>Every read model the rebuild command knows (the text read models included).</summary>
    public static IReadOnlyList<string> Rebuildable { get; } = [Inbox, Overdue, Statistics, SituationAnalysis, DuplicateIndex];

    /// <summary>Those the async daemon runs as projection shards (duplicate detection writes the duplicate index: it has none of its own).</summary>
    public static IReadOnlyList<string> Async { get; } = [Inbox, Overdue, Statistics, SituationAnalysis];
}
