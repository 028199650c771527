namespace CaseEngine.Domain.Clocks;

/// <summary>
/// The statutory time limits (信访工作条例) and the practice values domain.md marks as configurable.
/// Defaults are the regulation's numbers.
/// </summary>
public sealed record ClockPolicy
{
    /// <summary>Art. 22: the petition office routes or decides within 15 days of receipt.</summary>
    public int RoutingDays { get; init; } = 15;

    /// <summary>Art. 23: the handling agency decides acceptance within 15 days of receipt.</summary>
    public int AcceptanceDays { get; init; } = 15;

    /// <summary>Art. 23: an objection (return) within 5 working days of arrival.</summary>
    public int ReturnWorkingDays { get; init; } = 5;

    /// <summary>Art. 34: handled within 60 days of acceptance.</summary>
    public int HandlingDays { get; init; } = 60;

    /// <summary>Art. 34: one extension of at most 30 days.</summary>
    public int MaxExtensionDays { get; init; } = 30;

    /// <summary>Art. 35: review requested within 30 days of the reply.</summary>
    public int ReviewRequestDays { get; init; } = 30;

    /// <summary>Art. 35: review decided within 30 days.</summary>
    public int ReviewDecisionDays { get; init; } = 30;

    /// <summary>Art. 36: re-review requested within 30 days of the review.</summary>
    public int ReReviewRequestDays { get; init; } = 30;

    /// <summary>Art. 36: re-review decided within 30 days.</summary>
    public int ReReviewDecisionDays { get; init; } = 30;

    /// <summary>Practice: the petitioner evaluates within 30 days of the reply.</summary>
    public int EvaluationWindowDays { get; init; } = 30;

    /// <summary>Practice (2005 text): a supervised body answers within 30 days.</summary>
    public int SupervisionResponseDays { get; init; } = 30;

    /// <summary>Practice: which missed stages trigger automatic supervision.</summary>
    public IReadOnlySet<Stage> AutoSupervisedStages { get; init; } = new HashSet<Stage> { Stage.Acceptance, Stage.Handling };

    public static ClockPolicy Default { get; } = new();
}
