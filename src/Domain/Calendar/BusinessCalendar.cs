using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CaseEngine.Domain.Calendar;

/// <summary>One dated day of a published arrangement: a day off (放假) or a make-up working day (调休上班).</summary>
public sealed record CalendarDay(DateOnly Date, string Name);

/// <summary>
/// One year's published arrangement, e.g. the State Council notice for that year. Every date lies in
/// <see cref="Year"/>; <see cref="Holidays"/> lists every day off individually (also those that fall on a
/// weekend inside a holiday block); <see cref="Workdays"/> lists the weekend days that are worked instead.
/// </summary>
public sealed record CalendarYear(int Year, string Source, IReadOnlyList<CalendarDay> Holidays, IReadOnlyList<CalendarDay> Workdays);

/// <summary>
/// The business calendar statutory periods are counted on (domain.md, "Clocks"): working days are Monday to
/// Friday, minus the published holidays, plus the published make-up working days. A year without published
/// data is provisional: only weekends are rest days. Immutable; <see cref="WithYear"/> returns a new calendar
/// with a new <see cref="Version"/>, which is what events that set a due moment record.
/// </summary>
/// <remarks>
/// JSON format (see china-calendar.json):
/// <code>
/// { "name": "cn",
///   "years": [ { "year": 2025, "source": "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)",
///                "holidays": [ { "date": "2025-01-01", "name": "元旦" }, ... ],
///                "workdays": [ { "date": "2025-01-26", "name": "春节调休" }, ... ] } ] }
/// </code>
/// "name" is a non-blank identifier without ':'; each year needs "year", a non-blank "source", and both arrays
/// (possibly empty); a day needs an ISO "date" (yyyy-MM-dd) and may have a "name". Unknown properties are rejected.
/// </remarks>
public sealed class BusinessCalendar
{
    private const string ResourceName = "CaseEngine.Domain.china-calendar.json";

    private static readonly Lazy<BusinessCalendar> LazyChina = new(LoadChina);

    private readonly SortedDictionary<int, CalendarYear> years;

    /// <summary>Dates whose status differs from the weekday rule's default: true = make-up working day, false = holiday.</summary>
    private readonly Dictionary<DateOnly, bool> overrides;

    private BusinessCalendar(string name, SortedDictionary<int, CalendarYear> years)
    {
        Name = name;
        this.years = years;
        overrides = [];
        foreach (var year in years.Values)
        {
            foreach (var day in year.Holidays)
                overrides[day.Date] = false;
            foreach (var day in year.Workdays)
                overrides[day.Date] = true;
        }

        PublishedYears = years.Keys.ToArray().AsReadOnly();
        Years = years.Values.ToArray().AsReadOnly();
        Version = string.Create(
            CultureInfo.InvariantCulture,
            $"{name}:{(years.Count == 0 ? "none" : string.Join(',', years.Keys))}:{ShortHash(Write(indented: false))}");
    }

    /// <summary>The calendar's identifier, e.g. "cn".</summary>
    public string Name { get; }

    /// <summary>
    /// Deterministic from the data ("name:years:hash", e.g. "cn:2024,2025,2026:1a2b3c4d"): the same data always
    /// gives the same version, and any change of a date, name or source gives a different one.
    /// </summary>
    public string Version { get; }

    /// <summary>The years with published data, ascending.</summary>
    public IReadOnlyCollection<int> PublishedYears { get; }

    /// <summary>The published years' arrangements, ascending by year, each day list sorted by date.</summary>
    public IReadOnlyList<CalendarYear> Years { get; }

    /// <summary>The State Council arrangements embedded in the domain assembly, loaded once.</summary>
    public static BusinessCalendar China => LazyChina.Value;

    /// <summary>A calendar without published years: every year is provisional, only weekends are rest days.</summary>
    public static BusinessCalendar WeekendsOnly { get; } = new("weekends-only", []);

    /// <summary>Reads the JSON format described on the class; throws <see cref="ArgumentException"/> on invalid data.</summary>
    public static BusinessCalendar Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Calendar JSON is malformed: {e.Message}", nameof(json), e);
        }

        using (document)
        {
            var root = document.RootElement;
            Expect(root, JsonValueKind.Object, "the calendar");
            RejectUnknown(root, "the calendar", "name", "years");
            var name = RequiredString(root, "name", "the calendar");
            ValidateName(name);
            var yearsElement = Required(root, "years", "the calendar");
            Expect(yearsElement, JsonValueKind.Array, "\"years\"");

            var years = new SortedDictionary<int, CalendarYear>();
            foreach (var element in yearsElement.EnumerateArray())
            {
                var year = ReadYear(element);
                if (!years.TryAdd(year.Year, year))
                    throw new ArgumentException($"Calendar year {year.Year} is listed more than once.", nameof(json));
            }

            return new BusinessCalendar(name, years);
        }
    }

    /// <summary>Adds a year's arrangement, or replaces the one already there; returns a new calendar (new version).</summary>
    public BusinessCalendar WithYear(CalendarYear year)
    {
        var normalized = Normalize(year);
        var copy = new SortedDictionary<int, CalendarYear>(years) { [normalized.Year] = normalized };
        return new BusinessCalendar(Name, copy);
    }

    /// <summary>The calendar in the JSON format <see cref="Parse"/> reads (canonical: years and days sorted).</summary>
    public string ToJson() => Write(indented: true);

    public bool IsPublished(int year) => years.ContainsKey(year);

    /// <summary>A weekday that is not a holiday, or a published make-up working day.</summary>
    public bool IsWorkingDay(DateOnly day) =>
        overrides.TryGetValue(day, out var working)
            ? working
            : day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    public bool IsRestDay(DateOnly day) => !IsWorkingDay(day);

    /// <summary>The rest-day rule: a period whose last day is a rest day ends on the next working day.</summary>
    public DateOnly OnOrNextWorkingDay(DateOnly day)
    {
        while (IsRestDay(day))
            day = day.AddDays(1);
        return day;
    }

    /// <summary>The <paramref name="n"/>-th working day after <paramref name="start"/>; start itself never counts.</summary>
    public DateOnly AddWorkingDays(DateOnly start, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var day = start;
        while (n > 0)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day))
                n--;
        }

        return day;
    }

    /// <summary>True when any year from <paramref name="from"/>'s to <paramref name="to"/>'s is not published.</summary>
    public bool IsProvisional(DateOnly from, DateOnly to)
    {
        if (to < from)
            throw new ArgumentException($"The range ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd}).", nameof(to));
        for (var year = from.Year; year <= to.Year; year++)
        {
            if (!IsPublished(year))
                return true;
        }

        return false;
    }

    public override string ToString() => Version;

    private static BusinessCalendar LoadChina()
    {
        using var stream = typeof(BusinessCalendar).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd());
    }

    private static CalendarYear ReadYear(JsonElement element)
    {
        Expect(element, JsonValueKind.Object, "a calendar year");
        var yearElement = Required(element, "year", "a calendar year");
        if (yearElement.ValueKind != JsonValueKind.Number || !yearElement.TryGetInt32(out var year))
            throw new ArgumentException($"A calendar year's \"year\" must be an integer, not {yearElement.GetRawText()}.");
        var where = $"calendar year {year}";
        RejectUnknown(element, where, "year", "source", "holidays", "workdays");
        var source = RequiredString(element, "source", where);
        var holidays = ReadDays(Required(element, "holidays", where), $"{where} \"holidays\"");
        var workdays = ReadDays(Required(element, "workdays", where), $"{where} \"workdays\"");
        return Normalize(new CalendarYear(year, source, holidays, workdays));
    }

    private static List<CalendarDay> ReadDays(JsonElement array, string where)
    {
        Expect(array, JsonValueKind.Array, where);
        var days = new List<CalendarDay>();
        foreach (var element in array.EnumerateArray())
        {
            Expect(element, JsonValueKind.Object, $"an entry of {where}");
            RejectUnknown(element, $"an entry of {where}", "date", "name");
            var text = RequiredString(element, "date", $"an entry of {where}");
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new ArgumentException($"In {where}, \"{text}\" is not a date in the form yyyy-MM-dd.");
            var name = "";
            if (element.TryGetProperty("name", out var nameElement))
            {
                Expect(nameElement, JsonValueKind.String, $"the name of {text} in {where}");
                name = nameElement.GetString()!;
            }

            days.Add(new CalendarDay(date, name));
        }

        return days;
    }

    /// <summary>Validates a year and copies it into sorted, read-only lists the caller can no longer change.</summary>
    private static CalendarYear Normalize(CalendarYear year)
    {
        ArgumentNullException.ThrowIfNull(year);
        if (year.Year is < 1 or > 9998)
            throw new ArgumentException($"Calendar year {year.Year} is out of range.", nameof(year));
        if (string.IsNullOrWhiteSpace(year.Source))
            throw new ArgumentException($"Calendar year {year.Year} needs a source (the notice it comes from).", nameof(year));
        if (year.Holidays is null || year.Workdays is null)
            throw new ArgumentException($"Calendar year {year.Year} needs holiday and workday lists (they may be empty).", nameof(year));

        var holidays = Check(year.Year, year.Holidays, "holiday");
        var workdays = Check(year.Year, year.Workdays, "make-up working day");
        var holidayDates = holidays.Select(d => d.Date).ToHashSet();
        var both = workdays.FirstOrDefault(d => holidayDates.Contains(d.Date));
        if (both is not null)
            throw new ArgumentException(
                $"Calendar year {year.Year}: {both.Date:yyyy-MM-dd} is listed both as a holiday and as a make-up working day.",
                nameof(year));

        foreach (var day in workdays)
        {
            if (day.Date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                throw new ArgumentException(
                    $"Calendar year {year.Year}: {day.Date:yyyy-MM-dd} is a {day.Date.DayOfWeek}; a make-up working day must fall on a Saturday or Sunday.",
                    nameof(year));
        }

        return new CalendarYear(year.Year, year.Source, holidays, workdays);
    }

    private static IReadOnlyList<CalendarDay> Check(int year, IReadOnlyList<CalendarDay> days, string what)
    {
        var seen = new HashSet<DateOnly>();
        foreach (var day in days)
        {
            if (day is null)
                throw new ArgumentException($"Calendar year {year} has an empty {what} entry.", "year");
            if (day.Date.Year != year)
                throw new ArgumentException(
                    $"Calendar year {year}: the {what} {day.Date:yyyy-MM-dd} does not belong to {year}.", "year");
            if (day.Name is null)
                throw new ArgumentException($"Calendar year {year}: the {what} {day.Date:yyyy-MM-dd} has a null name.", "year");
            if (!seen.Add(day.Date))
                throw new ArgumentException(
                    $"Calendar year {year}: the {what} {day.Date:yyyy-MM-dd} is listed more than once.", "year");
        }

        return days.OrderBy(d => d.Date).ToArray().AsReadOnly();
    }

    private static void ValidateName(string name)
    {
        if (name.Contains(':', StringComparison.Ordinal))
            throw new ArgumentException($"The calendar name \"{name}\" must not contain ':'.", nameof(name));
    }

    private static JsonElement Required(JsonElement element, string property, string where) =>
        element.TryGetProperty(property, out var value)
            ? value
            : throw new ArgumentException($"{Capitalize(where)} lacks the property \"{property}\".");

    private static string RequiredString(JsonElement element, string property, string where)
    {
        var value = Required(element, property, where);
        Expect(value, JsonValueKind.String, $"\"{property}\" of {where}");
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"\"{property}\" of {where} must not be blank.");
        return text;
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string what)
    {
        if (element.ValueKind != kind)
            throw new ArgumentException($"{Capitalize(what)} must be a JSON {kind.ToString().ToLowerInvariant()}, not {element.ValueKind.ToString().ToLowerInvariant()}.");
    }

    private static void RejectUnknown(JsonElement element, string where, params string[] known)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                throw new ArgumentException(
                    $"{Capitalize(where)} has an unknown property \"{property.Name}\" (expected {string.Join(", ", known.Select(k => $"\"{k}\""))}).");
        }
    }

    private static string Capitalize(string text) =>
        text.Length == 0 || text[0] == '"' ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private string Write(bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("name", Name);
            writer.WriteStartArray("years");
            foreach (var year in years.Values)
            {
                writer.WriteStartObject();
                writer.WriteNumber("year", year.Year);
                writer.WriteString("source", year.Source);
                WriteDays(writer, "holidays", year.Holidays);
                WriteDays(writer, "workdays", year.Workdays);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteDays(Utf8JsonWriter writer, string property, IReadOnlyList<CalendarDay> days)
    {
        writer.WriteStartArray(property);
        foreach (var day in days)
        {
            writer.WriteStartObject();
            writer.WriteString("date", day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.WriteString("name", day.Name);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static string ShortHash(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)))[..8];
}
