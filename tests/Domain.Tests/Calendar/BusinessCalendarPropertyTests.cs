using CaseEngine.Domain.Calendar;

namespace CaseEngine.Domain.Tests.Calendar;

/// <summary>Exhaustive checks over every day of the published years 2024–2026 (and a little beyond).</summary>
public class BusinessCalendarPropertyTests
{
    private static readonly BusinessCalendar China = BusinessCalendar.China;

    private static IEnumerable<DateOnly> EveryDay2024To2026()
    {
        for (var day = new DateOnly(2024, 1, 1); day <= new DateOnly(2026, 12, 31); day = day.AddDays(1))
            yield return day;
    }

    private static int WorkingDaysIn(DateOnly fromInclusive, DateOnly toExclusive)
    {
        var count = 0;
        for (var day = fromInclusive; day < toExclusive; day = day.AddDays(1))
        {
            if (China.IsWorkingDay(day))
                count++;
        }

        return count;
    }

    [Fact]
    public void on_or_next_working_day_is_the_first_working_day_on_or_after_every_day()
    {
        foreach (var day in EveryDay2024To2026())
        {
            var result = China.OnOrNextWorkingDay(day);
            China.IsWorkingDay(result).ShouldBeTrue($"{day:yyyy-MM-dd} → {result:yyyy-MM-dd}");
            result.ShouldBeGreaterThanOrEqualTo(day);
            WorkingDaysIn(day, result).ShouldBe(0, $"{day:yyyy-MM-dd} → {result:yyyy-MM-dd}");
        }
    }

    [Fact]
    public void add_working_days_lands_on_a_working_day_with_exactly_n_working_days_after_the_start()
    {
        foreach (var day in EveryDay2024To2026())
        {
            foreach (var n in new[] { 1, 2, 3, 5, 7, 10, 15, 20, 30, 60 })
            {
                var result = China.AddWorkingDays(day, n);
                China.IsWorkingDay(result).ShouldBeTrue($"{day:yyyy-MM-dd} + {n}");
                WorkingDaysIn(day.AddDays(1), result.AddDays(1)).ShouldBe(n, $"{day:yyyy-MM-dd} + {n} → {result:yyyy-MM-dd}");
            }
        }
    }

    [Fact]
    public void adding_working_days_one_at_a_time_equals_adding_them_at_once()
    {
        foreach (var day in EveryDay2024To2026())
            China.AddWorkingDays(China.AddWorkingDays(day, 4), 1).ShouldBe(China.AddWorkingDays(day, 5));
    }

    [Fact]
    public void every_day_is_either_a_working_day_or_a_rest_day_and_a_plain_weekday_outside_the_data_is_working()
    {
        var listed = China.Years.SelectMany(y => y.Holidays.Concat(y.Workdays)).Select(d => d.Date).ToHashSet();
        foreach (var day in EveryDay2024To2026())
        {
            China.IsRestDay(day).ShouldBe(!China.IsWorkingDay(day));
            if (!listed.Contains(day))
                China.IsRestDay(day).ShouldBe(day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{day:yyyy-MM-dd}");
        }
    }
}
