namespace CaseEngine.Testing;

/// <summary>
/// A settable clock for tests. Only "now" is fake: timers, delays and timestamps stay on real
/// time (the base class), so Wolverine's and Marten's polling keep working while rules and stored
/// event timestamps see the fake time. Thread-safe.
/// </summary>
public sealed class FakeClock : TimeProvider
{
    /// <summary>Monday 2025-03-03 09:00 in Shanghai: a working day, far from holidays.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 3, 3, 1, 0, 0, TimeSpan.Zero);

    private static readonly TimeZoneInfo Shanghai = CaseEngine.Domain.Clocks.DeploymentZone.Zone;

    private long _utcTicks;

    public FakeClock() : this(DefaultStart) { }

    public FakeClock(DateTimeOffset start) => _utcTicks = start.UtcTicks;

    public override TimeZoneInfo LocalTimeZone => Shanghai;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Now, in the deployment's time zone (Asia/Shanghai).</summary>
    public DateTimeOffset LocalNow => TimeZoneInfo.ConvertTime(GetUtcNow(), Shanghai);

    public void SetUtcNow(DateTimeOffset now) => Interlocked.Exchange(ref _utcTicks, now.UtcTicks);

    /// <summary>Moves the clock; a negative span is refused because nothing in the domain runs backwards.</summary>
    public DateTimeOffset Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        return new DateTimeOffset(Interlocked.Add(ref _utcTicks, by.Ticks), TimeSpan.Zero);
    }
}
