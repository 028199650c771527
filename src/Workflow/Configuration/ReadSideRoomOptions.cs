using CaseEngine.Projections.ReadSide;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// Configuration key <c>CaseEngine:ReadSideCachedStreams</c>: how many petition streams the inbox and
/// overdue list keep in memory between pages, one cache for both (<see cref="CaseEngineOptions.ReadSideCachedStreams"/>
/// given in code wins). Bound by <see cref="Settings.AddSettings{T}"/> like every other setting.
/// </summary>
public sealed class ReadSideRoomOptions
{
    public const string Section = "CaseEngine";

    public const string Setting = "CaseEngine:ReadSideCachedStreams (env CaseEngine__ReadSideCachedStreams)";

    /// <summary>0 keeps none; more streams use more memory (about 9 events each) and make a rebuild read fewer streams again.</summary>
    public int ReadSideCachedStreams { get; set; } = PetitionStreamsProjection.DefaultCachedStreams;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        ReadSideCachedStreams >= 0 ? null : $"{Setting} must be a whole number of streams, 0 or more";
}
