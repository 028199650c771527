using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CsCheck;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>Statutory periods counted in calendar days never end on a rest day (domain.md, "Clocks").</summary>
public class when_a_statutory_period_is_counted
{
    public const int Iterations = 1000;

    private static readonly StatutoryClock Clock = StatutoryClock.Default;
    private static readonly BusinessCalendar Calendar = Clock.Calendar;
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    /// <summary>Every stage with a time limit, and its length in calendar days under the default policy.</summary>
    private static readonly (Stage Stage, int Days)[] Limits =
    [
        (Stage.Routing, 15), (Stage.Acceptance, 15), (Stage.Handling, 60), (Stage.ReviewWindow, 30), (Stage.Review, 30),
        (Stage.ReReviewWindow, 30), (Stage.ReReview, 30), (Stage.Evaluation, 30), (Stage.SupervisionResponse, 30),
    ];

    /// <summary>A moment in 2024–2026 written with one of several offsets: the date that counts is Shanghai's.</summary>
    private static readonly Gen<DateTimeOffset> Start = Gen.Select(
        Walks.Moment, Gen.OneOfConst(0, 8, -5, 14), (at, offset) => at.ToOffset(TimeSpan.FromHours(offset)));

    /// <summary>Hearing lengths up to 90 days, often right at a whole day or a tick beside it.</summary>
    private static readonly Gen<TimeSpan> Hearing = Gen.Frequency(
        (3, Gen.Long[0, TimeSpan.TicksPerDay * 90].Select(TimeSpan.FromTicks)),
        (1, Gen.Select(Gen.Int[0, 90], Gen.Int[-1, 1], (days, ticks) => TimeSpan.FromTicks(Math.Max(0, days * TimeSpan.TicksPerDay + ticks)))));

    private static DateOnly ShanghaiDate(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(Shanghai).DateTime);

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Shanghai);

    /// <summary>The last day is the first working day on or after <paramref name="earliest"/>, and the due moment is the next midnight.</summary>
    private static void EndsOnTheFirstWorkingDayFrom(Due due, DateOnly earliest)
    {
        Calendar.IsWorkingDay(due.LastDay).ShouldBeTrue($"{due.Stage} ends on {due.LastDay:yyyy-MM-dd}, a rest day");
        due.LastDay.ShouldBeGreaterThanOrEqualTo(earliest);
        for (var day = earliest; day < due.LastDay; day = day.AddDays(1))
            Calendar.IsRestDay(day).ShouldBeTrue($"{due.Stage} skipped the working day {day:yyyy-MM-dd}");
        due.DueAt.ShouldBe(Midnight(due.LastDay.AddDays(1)));
        due.DueAt.Offset.ShouldBe(Shanghai);
        due.CalendarVersion.ShouldBe(Calendar.Version);
    }

    [Fact]
    public void no_calendar_day_period_ends_on_a_rest_day() =>
        Gen.Select(Start, Gen.Int[0, Limits.Length - 1]).Sample((at, index) =>
        {
            var (stage, days) = Limits[index];
            var due = Clock.Start(stage, at);
            var d0 = ShanghaiDate(at);
            due.StartDate.ShouldBe(d0);
            due.Stage.ShouldBe(stage);
            due.Length.ShouldBe(days);
            due.Unit.ShouldBe(PeriodUnit.CalendarDays);
            EndsOnTheFirstWorkingDayFrom(due, d0.AddDays(days));
            due.Provisional.ShouldBe(due.LastDay.Year > 2026);
            due.IsInTime(due.DueAt.AddTicks(-1)).ShouldBeTrue();
            due.IsInTime(due.DueAt).ShouldBeFalse();
            Clock.Recount(due).ShouldBe(due, "counting again on the same calendar changes nothing");
        }, iter: Iterations);

    [Fact]
    public void an_extension_or_a_hearing_still_ends_on_a_working_day() =>
        Gen.Select(Start, Gen.Int[0, Limits.Length - 1], Gen.Int[1, 30], Hearing, Gen.Bool)
            .Sample((at, index, extension, hearing, extendFirst) =>
            {
                var (stage, _) = Limits[index];
                // Rounded up to whole days, exactly: one tick over a day is two days.
                var hearingDays = (int)((hearing.Ticks + TimeSpan.TicksPerDay - 1) / TimeSpan.TicksPerDay);
                var due = Clock.Start(stage, at);

                var extended = Clock.Extend(due, extension);
                EndsOnTheFirstWorkingDayFrom(extended, due.LastDay.AddDays(extension));
                extended.ExtensionApplied.ShouldBeTrue();
                extended.Shifts.ShouldBe([extension]);

                var resumed = Clock.ResumeAfterHearing(due, hearing);
                if (hearingDays == 0)
                    resumed.ShouldBe(due, "a hearing of no time moves nothing");
                else
                    EndsOnTheFirstWorkingDayFrom(resumed, due.LastDay.AddDays(hearingDays));

                // Both, in either order: each shift moves the current last day, then the rest-day rule.
                var both = extendFirst ? Clock.ResumeAfterHearing(extended, hearing) : Clock.Extend(resumed, extension);
                var before = extendFirst ? extended : resumed;
                var shift = extendFirst ? hearingDays : extension;
                EndsOnTheFirstWorkingDayFrom(both, before.LastDay.AddDays(shift));
                both.ExtensionApplied.ShouldBeTrue();
                both.StartDate.ShouldBe(due.StartDate);
                Clock.Recount(both).ShouldBe(both);
            }, iter: Iterations);

    [Fact]
    public void the_return_window_ends_on_the_fifth_working_day_after_arrival() =>
        Start.Sample(at =>
        {
            var window = Clock.ReturnWindow(at);
            var d0 = ShanghaiDate(at);
            Calendar.IsWorkingDay(window.LastDay).ShouldBeTrue();
            var working = 0;
            for (var day = d0.AddDays(1); day <= window.LastDay; day = day.AddDays(1))
                working += Calendar.IsWorkingDay(day) ? 1 : 0;
            working.ShouldBe(5);
            window.DueAt.ShouldBe(Midnight(window.LastDay.AddDays(1)));
        }, iter: Iterations);
}
