using CaseEngine.Domain.Calendar;

namespace CaseEngine.Domain.Tests.Calendar;

public class BusinessCalendarTests
{
    private static readonly BusinessCalendar China = BusinessCalendar.China;

    private static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<DateOnly> Days(string from, string to)
    {
        for (var day = D(from); day <= D(to); day = day.AddDays(1))
            yield return day;
    }

    private static CalendarYear Test2027 => new(
        2027,
        "test fixture (not the real 2027 notice)",
        [new CalendarDay(D("2027-01-01"), "元旦")],
        [new CalendarDay(D("2027-01-02"), "元旦调休")]);

    // ---- the embedded China calendar: real dates ----

    [Fact]
    public void the_embedded_china_calendar_publishes_2024_2025_and_2026()
    {
        China.PublishedYears.ShouldBe([2024, 2025, 2026]);
        // pinned: events record this string, so a change of data or of the hashing must be deliberate
        China.Version.ShouldBe("cn:2024,2025,2026:5dece1e8");
    }

    [Fact]
    public void the_2025_national_day_holiday_oct_1_to_8_consists_of_rest_days()
    {
        foreach (var day in Days("2025-10-01", "2025-10-08"))
            China.IsRestDay(day).ShouldBeTrue($"{day:yyyy-MM-dd}");
        China.IsWorkingDay(D("2025-10-09")).ShouldBeTrue();
    }

    [Fact]
    public void sunday_sept_28_2025_and_saturday_oct_11_2025_are_make_up_working_days()
    {
        D("2025-09-28").DayOfWeek.ShouldBe(DayOfWeek.Sunday);
        D("2025-10-11").DayOfWeek.ShouldBe(DayOfWeek.Saturday);
        China.IsWorkingDay(D("2025-09-28")).ShouldBeTrue();
        China.IsWorkingDay(D("2025-10-11")).ShouldBeTrue();
        China.IsRestDay(D("2025-09-27")).ShouldBeTrue();
        China.IsRestDay(D("2025-10-12")).ShouldBeTrue();
    }

    [Fact]
    public void the_rest_day_rule_moves_oct_3_2025_to_oct_9_2025() =>
        China.OnOrNextWorkingDay(D("2025-10-03")).ShouldBe(D("2025-10-09"));

    [Fact]
    public void the_rest_day_rule_keeps_a_working_day()
    {
        China.OnOrNextWorkingDay(D("2025-10-09")).ShouldBe(D("2025-10-09"));
        China.OnOrNextWorkingDay(D("2025-09-28")).ShouldBe(D("2025-09-28"));
    }

    [Fact]
    public void a_15_day_period_from_sept_18_2025_whose_last_day_oct_3_is_a_rest_day_ends_on_oct_9()
    {
        var d0 = D("2025-09-18");
        var lastDay = d0.AddDays(15);
        lastDay.ShouldBe(D("2025-10-03"));
        China.IsRestDay(lastDay).ShouldBeTrue();
        China.OnOrNextWorkingDay(lastDay).ShouldBe(D("2025-10-09"));
    }

    [Fact]
    public void a_make_up_sunday_counts_as_a_working_day()
    {
        // from Wed Sept 24, 2025: Thu 25, Fri 26, (Sat 27 rest), Sun 28 make-up, Mon 29, Tue 30
        China.AddWorkingDays(D("2025-09-24"), 5).ShouldBe(D("2025-09-30"));
        // on weekends only, Sunday 28 would not count
        BusinessCalendar.WeekendsOnly.AddWorkingDays(D("2025-09-24"), 5).ShouldBe(D("2025-10-01"));
    }

    [Fact]
    public void five_working_days_from_the_eve_of_national_day_2025_skip_the_whole_holiday()
    {
        // Tue Sept 30 → Thu Oct 9, Fri Oct 10, Sat Oct 11 (make-up), Mon Oct 13, Tue Oct 14
        China.AddWorkingDays(D("2025-09-30"), 5).ShouldBe(D("2025-10-14"));
    }

    [Fact]
    public void the_start_day_never_counts_as_a_working_day()
    {
        China.AddWorkingDays(D("2025-10-09"), 1).ShouldBe(D("2025-10-10"));
        China.AddWorkingDays(D("2025-10-05"), 1).ShouldBe(D("2025-10-09"));
    }

    [Fact]
    public void adding_fewer_than_one_working_day_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => China.AddWorkingDays(D("2025-10-09"), 0));

    [Fact]
    public void spring_festival_2026_feb_15_to_23_consists_of_rest_days_with_make_up_saturdays_feb_14_and_28()
    {
        foreach (var day in Days("2026-02-15", "2026-02-23"))
            China.IsRestDay(day).ShouldBeTrue($"{day:yyyy-MM-dd}");
        China.IsWorkingDay(D("2026-02-14")).ShouldBeTrue();
        China.IsWorkingDay(D("2026-02-24")).ShouldBeTrue();
        China.IsWorkingDay(D("2026-02-28")).ShouldBeTrue();
    }

    [Fact]
    public void new_year_2026_is_jan_1_to_3_and_sunday_jan_4_2026_is_a_working_day()
    {
        foreach (var day in Days("2026-01-01", "2026-01-03"))
            China.IsRestDay(day).ShouldBeTrue($"{day:yyyy-MM-dd}");
        D("2026-01-04").DayOfWeek.ShouldBe(DayOfWeek.Sunday);
        China.IsWorkingDay(D("2026-01-04")).ShouldBeTrue();
    }

    [Fact]
    public void spring_festival_2024_feb_10_to_17_consists_of_rest_days_with_make_up_sundays_feb_4_and_18()
    {
        foreach (var day in Days("2024-02-10", "2024-02-17"))
            China.IsRestDay(day).ShouldBeTrue($"{day:yyyy-MM-dd}");
        China.IsWorkingDay(D("2024-02-04")).ShouldBeTrue();
        China.IsWorkingDay(D("2024-02-18")).ShouldBeTrue();
    }

    [Theory]
    [InlineData(2024, 251)]
    [InlineData(2025, 248)]
    [InlineData(2026, 248)]
    public void each_published_year_has_the_officially_counted_number_of_working_days(int year, int expected) =>
        Days($"{year}-01-01", $"{year}-12-31").Count(China.IsWorkingDay).ShouldBe(expected);

    [Theory]
    [InlineData(2024, 28, 8)]
    [InlineData(2025, 28, 5)]
    [InlineData(2026, 33, 6)]
    public void each_published_year_lists_every_day_off_and_every_make_up_day(int year, int holidays, int workdays)
    {
        var data = China.Years.Single(y => y.Year == year);
        data.Holidays.Count.ShouldBe(holidays);
        data.Workdays.Count.ShouldBe(workdays);
        data.Source.ShouldContain($"{year}年部分节假日安排的通知");
        data.Workdays.ShouldAllBe(d => d.Date.DayOfWeek == DayOfWeek.Saturday || d.Date.DayOfWeek == DayOfWeek.Sunday);
    }

    // ---- provisional years and run-time loading ----

    [Fact]
    public void a_year_without_data_is_provisional_and_only_its_weekends_are_rest_days()
    {
        China.IsPublished(2027).ShouldBeFalse();
        China.IsProvisional(D("2027-01-01"), D("2027-01-31")).ShouldBeTrue();
        China.IsProvisional(D("2026-12-20"), D("2027-01-10")).ShouldBeTrue();
        China.IsProvisional(D("2024-01-01"), D("2026-12-31")).ShouldBeFalse();
        foreach (var day in Days("2027-01-01", "2027-12-31"))
            China.IsRestDay(day).ShouldBe(day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{day:yyyy-MM-dd}");
    }

    [Fact]
    public void a_range_that_ends_before_it_starts_is_refused() =>
        Should.Throw<ArgumentException>(() => China.IsProvisional(D("2025-01-02"), D("2025-01-01")));

    [Fact]
    public void loading_a_new_years_data_gives_a_new_calendar_with_a_new_version()
    {
        var loaded = China.WithYear(Test2027);

        loaded.Version.ShouldNotBe(China.Version);
        loaded.Version.ShouldStartWith("cn:2024,2025,2026,2027:");
        loaded.IsPublished(2027).ShouldBeTrue();
        loaded.IsProvisional(D("2026-12-20"), D("2027-01-10")).ShouldBeFalse();
        loaded.IsRestDay(D("2027-01-01")).ShouldBeTrue();
        loaded.IsWorkingDay(D("2027-01-02")).ShouldBeTrue();

        // the original calendar is unchanged
        China.IsPublished(2027).ShouldBeFalse();
        China.IsWorkingDay(D("2027-01-01")).ShouldBeTrue();
        China.IsRestDay(D("2027-01-02")).ShouldBeTrue();
    }

    [Fact]
    public void replacing_a_year_with_different_data_changes_the_version_and_the_days()
    {
        var y2025 = China.Years.Single(y => y.Year == 2025);
        var without = y2025 with { Workdays = y2025.Workdays.Where(d => d.Date != D("2025-10-11")).ToList() };
        var changed = China.WithYear(without);

        changed.Version.ShouldNotBe(China.Version);
        changed.Version.ShouldStartWith("cn:2024,2025,2026:");
        changed.IsRestDay(D("2025-10-11")).ShouldBeTrue();
        China.IsWorkingDay(D("2025-10-11")).ShouldBeTrue();
    }

    [Fact]
    public void the_calendar_keeps_its_own_copy_of_the_lists_it_was_given()
    {
        var holidays = new List<CalendarDay> { new(D("2027-01-01"), "元旦") };
        var calendar = BusinessCalendar.WeekendsOnly.WithYear(new CalendarYear(2027, "test", holidays, []));
        var version = calendar.Version;

        holidays.Add(new CalendarDay(D("2027-01-04"), "later edit"));

        calendar.IsWorkingDay(D("2027-01-04")).ShouldBeTrue();
        calendar.Version.ShouldBe(version);
    }

    [Fact]
    public void weekends_only_publishes_no_year()
    {
        var calendar = BusinessCalendar.WeekendsOnly;
        calendar.PublishedYears.ShouldBeEmpty();
        calendar.IsProvisional(D("2025-10-01"), D("2025-10-01")).ShouldBeTrue();
        calendar.IsWorkingDay(D("2025-10-01")).ShouldBeTrue();
        calendar.IsRestDay(D("2025-10-04")).ShouldBeTrue();
        calendar.WithYear(Test2027).PublishedYears.ShouldBe([2027]);
    }

    // ---- versions ----

    [Fact]
    public void the_version_is_deterministic_from_the_data()
    {
        var json = China.ToJson();
        BusinessCalendar.Parse(json).Version.ShouldBe(China.Version);
        BusinessCalendar.Parse(json).Version.ShouldBe(BusinessCalendar.Parse(json).Version);
        China.WithYear(Test2027).Version.ShouldBe(China.WithYear(Test2027).Version);
        BusinessCalendar.WeekendsOnly.WithYear(Test2027).Version
            .ShouldBe(BusinessCalendar.Parse(BusinessCalendar.WeekendsOnly.WithYear(Test2027).ToJson()).Version);
    }

    [Fact]
    public void the_version_does_not_depend_on_the_order_or_layout_of_the_json()
    {
        const string a = """{"name":"t","years":[{"year":2027,"source":"s","holidays":[{"date":"2027-01-01","name":"元旦"},{"date":"2027-02-08","name":"春节"}],"workdays":[]}]}""";
        const string b = """
            { "years": [ { "workdays": [], "holidays": [ { "name": "春节", "date": "2027-02-08" }, { "date": "2027-01-01", "name": "元旦" } ],
                           "source": "s", "year": 2027 } ],
              "name": "t" }
            """;
        BusinessCalendar.Parse(a).Version.ShouldBe(BusinessCalendar.Parse(b).Version);
    }

    [Fact]
    public void replacing_a_year_with_the_same_data_keeps_the_version()
    {
        var y2026 = China.Years.Single(y => y.Year == 2026);
        China.WithYear(y2026).Version.ShouldBe(China.Version);
    }

    [Fact]
    public void a_different_name_or_source_gives_a_different_version()
    {
        var y2026 = China.Years.Single(y => y.Year == 2026);
        China.WithYear(y2026 with { Source = "another notice" }).Version.ShouldNotBe(China.Version);
        var renamed = y2026.Holidays.Select(d => d.Date == D("2026-01-01") ? d with { Name = "New Year" } : d).ToList();
        China.WithYear(y2026 with { Holidays = renamed }).Version.ShouldNotBe(China.Version);
    }

    [Fact]
    public void to_json_round_trips_every_day()
    {
        var copy = BusinessCalendar.Parse(China.ToJson());
        copy.Name.ShouldBe("cn");
        copy.PublishedYears.ShouldBe(China.PublishedYears);
        foreach (var day in Days("2024-01-01", "2026-12-31"))
            copy.IsWorkingDay(day).ShouldBe(China.IsWorkingDay(day));
        China.ToJson().ShouldContain("国庆节");
    }

    // ---- validation ----

    [Fact]
    public void a_date_cannot_be_both_a_holiday_and_a_make_up_working_day()
    {
        var year = new CalendarYear(2027, "s", [new CalendarDay(D("2027-01-02"), "元旦")], [new CalendarDay(D("2027-01-02"), "调休")]);
        Should.Throw<ArgumentException>(() => China.WithYear(year))
            .Message.ShouldContain("2027-01-02 is listed both as a holiday and as a make-up working day");
    }

    [Fact]
    public void a_date_must_belong_to_its_year()
    {
        var year = new CalendarYear(2027, "s", [new CalendarDay(D("2026-12-31"), "元旦")], []);
        Should.Throw<ArgumentException>(() => China.WithYear(year))
            .Message.ShouldContain("the holiday 2026-12-31 does not belong to 2027");
    }

    [Fact]
    public void a_make_up_working_day_must_fall_on_a_weekend()
    {
        var year = new CalendarYear(2027, "s", [], [new CalendarDay(D("2027-01-04"), "调休")]);
        Should.Throw<ArgumentException>(() => China.WithYear(year))
            .Message.ShouldContain("2027-01-04 is a Monday");
    }

    [Fact]
    public void a_date_listed_twice_is_refused()
    {
        var year = new CalendarYear(2027, "s", [new CalendarDay(D("2027-01-01"), "a"), new CalendarDay(D("2027-01-01"), "b")], []);
        Should.Throw<ArgumentException>(() => China.WithYear(year)).Message.ShouldContain("listed more than once");
    }

    [Fact]
    public void a_year_needs_a_source() =>
        Should.Throw<ArgumentException>(() => China.WithYear(Test2027 with { Source = " " })).Message.ShouldContain("source");

    [Theory]
    [InlineData("not json", "malformed")]
    [InlineData("""{"name":"cn"}""", "lacks the property \"years\"")]
    [InlineData("""{"years":[]}""", "lacks the property \"name\"")]
    [InlineData("""{"name":"a:b","years":[]}""", "must not contain ':'")]
    [InlineData("""{"name":"cn","years":[],"version":"x"}""", "unknown property \"version\"")]
    [InlineData("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[],"workdays":[]},{"year":2027,"source":"s","holidays":[],"workdays":[]}]}""", "2027 is listed more than once")]
    [InlineData("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[{"date":"2027-13-01"}],"workdays":[]}]}""", "\"2027-13-01\" is not a date")]
    [InlineData("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[]}]}""", "lacks the property \"workdays\"")]
    [InlineData("""{"name":"cn","years":[{"year":"2027","source":"s","holidays":[],"workdays":[]}]}""", "must be an integer")]
    [InlineData("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[{"date":"2027-01-01"}],"workdays":[{"date":"2027-01-01"}]}]}""", "listed both")]
    [InlineData("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[{"date":"2028-01-01"}],"workdays":[]}]}""", "does not belong to 2027")]
    public void parse_refuses_invalid_data_with_a_clear_message(string json, string expected) =>
        Should.Throw<ArgumentException>(() => BusinessCalendar.Parse(json)).Message.ShouldContain(expected);

    [Fact]
    public void a_day_without_a_name_is_accepted() =>
        BusinessCalendar.Parse("""{"name":"cn","years":[{"year":2027,"source":"s","holidays":[{"date":"2027-01-01"}],"workdays":[]}]}""")
            .IsRestDay(D("2027-01-01")).ShouldBeTrue();
}
