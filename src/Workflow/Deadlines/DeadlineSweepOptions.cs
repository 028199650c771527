namespace CaseEngine.Workflow.Deadlines;

/// <summary>Configuration section <c>CaseEngine:DeadlineSweep</c> (docs/operations.md, Configuration).</summary>
public sealed class DeadlineSweepOptions
{
    public const string Section = "CaseEngine:DeadlineSweep";

    /// <summary>
    /// How often, in real time, the sweep looks for due timers. A timer fires at most this late; test
    /// hosts set it long and sweep themselves (<see cref="DeadlineSweeper.SweepAsync"/>), so no tick races them.
    /// </summary>
    public double IntervalSeconds { get; set; } = 1;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        IntervalSeconds is > 0 and <= 86_400 ? null : $"{Section}:IntervalSeconds must be above 0 and at most 86400 (a day)";
}
