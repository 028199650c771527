namespace CaseEngine.Domain.Clocks;

public enum PeriodUnit { CalendarDays, WorkingDays, Fixed }

/// <summary>
/// A time limit as it stands. It keeps how it was counted (start date, length, unit and every
/// later shift) so that it can be recounted on a newer calendar without rewriting history.
/// </summary>
/// <param name="Stage">the stage the limit belongs to</param>
/// <param name="StartDate">d0: the starting event's date in the deployment's zone</param>
/// <param name="Length">N days (calendar or working)</param>
/// <param name="Unit">how N is counted; Fixed for a due moment set by a person (supervision notices)</param>
/// <param name="Shifts">extensions and hearing lengths in whole days, in the order applied</param>
/// <param name="LastDay">the last day of the period after shifts and the rest-day rule</param>
/// <param name="DueAt">00:00 of the day after the last day: an act is in time when it happens before it</param>
/// <param name="CalendarVersion">the business calendar the last day was computed with</param>
/// <param name="Provisional">true when a year the period touches had no published holidays</param>
public sealed record Due(
    Stage Stage,
    DateOnly StartDate,
    int Length,
    PeriodUnit Unit,
    IReadOnlyList<int> Shifts,
    DateOnly LastDay,
    DateTimeOffset DueAt,
    string CalendarVersion,
    bool Provisional)
{
    /// <summary>An act at this moment is in time: strictly before the due moment.</summary>
    public bool IsInTime(DateTimeOffset at) => at < DueAt;

    /// <summary>True once an extension (not only hearings) moved the period.</summary>
    public bool ExtensionApplied { get; init; }

    public bool Equals(Due? other) =>
        other is not null && Stage == other.Stage && StartDate == other.StartDate && Length == other.Length
        && Unit == other.Unit && Shifts.SequenceEqual(other.Shifts) && LastDay == other.LastDay
        && DueAt == other.DueAt && CalendarVersion == other.CalendarVersion && Provisional == other.Provisional
        && ExtensionApplied == other.ExtensionApplied;

    public override int GetHashCode() => HashCode.Combine(Stage, StartDate, Length, Unit, LastDay, DueAt, CalendarVersion);
}
