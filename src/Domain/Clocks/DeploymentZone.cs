namespace CaseEngine.Domain.Clocks;

/// <summary>
/// The deployment's time zone, defined once: statutory periods (<see cref="StatutoryClock"/>),
/// statistics days and situation-analysis periods are all calendar dates in it, so a petition
/// received at 23:30 counts on the same day everywhere. Read-only: a read model written in one
/// zone and read in another would be wrong without any error.
/// </summary>
public static class DeploymentZone
{
    public const string Id = "Asia/Shanghai";

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(Id);

    /// <summary>The calendar date of a moment in the deployment's zone.</summary>
    public static DateOnly DayOf(DateTimeOffset moment) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, Zone).DateTime);
}
