namespace CaseEngine.Projections.ReadSide;

/// <summary>The names of the async projections (their progress rows, metrics tags and rebuild arguments).</summary>
public static class ReadSideNames
{
    /// <summary>
    /// The one shard that applies every page of events to the inbox, the overdue list, the statistics and the
    /// situation analysis, in that order and in one transaction (<see cref="ReadModelsProjection"/>).
    /// </summary>
    public const string ReadModels = "ReadModels";

    // The read models the shard keeps. Each claims its own applied mark (AppliedSequence) and names its
    // page's span; as rebuild arguments each means the whole shard (they are rebuilt together).
    public const string Inbox = "inbox";
    public const string Overdue = "overdue";
    public const string Statistics = "statistics";
    public const string SituationAnalysis = "SituationAnalysis";

    public const string DuplicateIndex = "DuplicateIndex";

    /// <summary>The subscription that writes the duplicate index and flags suspected duplicates.</summary>
    public const string DuplicateDetection = "DuplicateDetection";

    /// <summary>The read models of the <see cref="ReadModels"/> shard, in the order each page is applied to them.</summary>
    public static IReadOnlyList<string> Members { get; } = [Inbox, Overdue, Statistics, SituationAnalysis];

    /// <summary>Lag-monitored and health-checked with every other shard the store registers.</summary>
    public static IReadOnlyList<string> All { get; } = [ReadModels];

    /// <summary>Every name the rebuild command knows: the shard, each of its read models (meaning the shard), and the duplicate index.</summary>
    public static IReadOnlyList<string> Rebuildable { get; } = [ReadModels, .. Members, DuplicateIndex];

    /// <summary>Those the async daemon runs as projection shards (duplicate detection writes the duplicate index: it has none of its own).</summary>
    public static IReadOnlyList<string> Async { get; } = [ReadModels];

    /// <summary>The shard a rebuild argument names: a read model of the shard means the shard; any other name itself.</summary>
    public static string ShardOf(string name) => Members.Contains(name) ? ReadModels : name;

    /// <summary>The progress rows of the separate shards that ran each read model before they were one (see ReadModelsProgress).</summary>
    public static IReadOnlyList<string> FormerShards { get; } = [.. Members.Select(AppliedSequence.Shard)];
}
