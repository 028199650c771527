namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>Days and moments on the real calendar, in Shanghai time, for expectations computed by hand.</summary>
public static class Moments
{
    public static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    public static DateOnly Day(int month, int day, int year = 2025) => new(year, month, day);

    public static DateTimeOffset At(int month, int day, int hour = 9, int minute = 0, int year = 2025) =>
        new(year, month, day, hour, minute, 0, Shanghai);

    /// <summary>00:00 of the day after the last day: the due moment.</summary>
    public static DateTimeOffset DueAfter(DateOnly lastDay) =>
        new(lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), Shanghai);
}
