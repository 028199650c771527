using CaseEngine.Domain.Calendar;

namespace CaseEngine.Domain.Clocks;

/// <summary>
/// Counts statutory periods exactly as domain.md says: with d0 the starting event's date in the
/// deployment's zone, N calendar days end on d0 + N (moved to the next working day when that is a
/// rest day), N working days end on the N-th working day after d0, and the due moment is 00:00
/// of the day after the last day.
/// </summary>
public sealed class StatutoryClock
{
    public StatutoryClock(ClockPolicy policy, BusinessCalendar calendar)
    {
        Policy = policy;
        Calendar = calendar;
    }

    public ClockPolicy Policy { get; }
    public BusinessCalendar Calendar { get; }

    public static StatutoryClock Default { get; } = new(ClockPolicy.Default, BusinessCalendar.China);

    /// <summary>The calendar date of a moment in the deployment's zone.</summary>
    public DateOnly DateOf(DateTimeOffset moment) => DeploymentZone.DayOf(moment);

    /// <summary>00:00 of a date in the deployment's zone.</summary>
    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, DeploymentZone.Zone.GetUtcOffset(local));
    }

    /// <summary>A moment expressed in the deployment's zone (what clients are shown).</summary>
    public DateTimeOffset InZone(DateTimeOffset moment) => TimeZoneInfo.ConvertTime(moment, DeploymentZone.Zone);

    /// <summary>The limit of a stage that starts at <paramref name="at"/>, per the policy.</summary>
    public Due Start(Stage stage, DateTimeOffset at) => stage switch
    {
        Stage.Routing => CalendarDays(stage, at, Policy.RoutingDays),
        Stage.Acceptance => CalendarDays(stage, at, Policy.AcceptanceDays),
        Stage.Handling => CalendarDays(stage, at, Policy.HandlingDays),
        Stage.ReviewWindow => CalendarDays(stage, at, Policy.ReviewRequestDays),
        Stage.Review => CalendarDays(stage, at, Policy.ReviewDecisionDays),
        Stage.ReReviewWindow => CalendarDays(stage, at, Policy.ReReviewRequestDays),
        Stage.ReReview => CalendarDays(stage, at, Policy.ReReviewDecisionDays),
        Stage.Evaluation => CalendarDays(stage, at, Policy.EvaluationWindowDays),
        Stage.SupervisionResponse => CalendarDays(stage, at, Policy.SupervisionResponseDays),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "the stage has no time limit"),
    };

    /// <summary>The 5-working-day right of a handling agency to return a forwarded petition.</summary>
    public Due ReturnWindow(DateTimeOffset arrivedAt) => WorkingDays(Stage.Acceptance, arrivedAt, Policy.ReturnWorkingDays);

    public Due CalendarDays(Stage stage, DateTimeOffset at, int days) =>
        Count(stage, DateOf(at), days, PeriodUnit.CalendarDays, [], extensionApplied: false);

    public Due WorkingDays(Stage stage, DateTimeOffset at, int days) =>
        Count(stage, DateOf(at), days, PeriodUnit.WorkingDays, [], extensionApplied: false);

    /// <summary>A due moment set by a person (a supervision notice): kept as given.</summary>
    public Due Fixed(Stage stage, DateTimeOffset issuedAt, DateTimeOffset dueAt)
    {
        var lastDay = DateOf(dueAt.AddTicks(-1));
        return new Due(stage, DateOf(issuedAt), 0, PeriodUnit.Fixed, [], lastDay, dueAt, Calendar.Version, false);
    }

    /// <summary>An extension by k days moves the current last day by k, then the rest-day rule.</summary>
    public Due Extend(Due due, int days) =>
        Count(due.Stage, due.StartDate, due.Length, due.Unit, [.. due.Shifts, days], extensionApplied: true, fixedDue: due);

    /// <summary>A concluded hearing moves the last day by its length rounded up to whole days, then the rest-day rule.</summary>
    public Due ResumeAfterHearing(Due due, TimeSpan hearing)
    {
        // Rounded up exactly, on ticks: a hearing a moment longer than N days counts as N + 1 days.
        var days = (int)((hearing.Ticks + TimeSpan.TicksPerDay - 1) / TimeSpan.TicksPerDay);
        return days <= 0 ? due
            : Count(due.Stage, due.StartDate, due.Length, due.Unit, [.. due.Shifts, days], due.ExtensionApplied, fixedDue: due);
    }

    /// <summary>The same limit counted on this clock's calendar (used when a new year's holidays are loaded).</summary>
    public Due Recount(Due due) =>
        Count(due.Stage, due.StartDate, due.Length, due.Unit, due.Shifts, due.ExtensionApplied, fixedDue: due);

    private Due Count(Stage stage, DateOnly start, int length, PeriodUnit unit, IReadOnlyList<int> shifts,
        bool extensionApplied, Due? fixedDue = null)
    {
        // A due moment a person set is theirs: no calendar rule moves it.
        if (unit == PeriodUnit.Fixed)
            return fixedDue!;
        var lastDay = unit == PeriodUnit.CalendarDays
            ? Calendar.OnOrNextWorkingDay(start.AddDays(length))
            : Calendar.AddWorkingDays(start, length);
        foreach (var shift in shifts)
            lastDay = Calendar.OnOrNextWorkingDay(lastDay.AddDays(shift));
        var provisional = Calendar.IsProvisional(start, lastDay);
        return new Due(stage, start, length, unit, shifts, lastDay, StartOf(lastDay.AddDays(1)), Calendar.Version, provisional)
        {
            ExtensionApplied = extensionApplied,
        };
    }
}
