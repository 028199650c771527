using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Statistics;

public enum Period { Day, Week, Month, Quarter, Year }

/// <summary>The contract's StatisticsBucket.</summary>
/// <param name="PeriodStart">first day of the bucket (clipped to the range)</param>
public sealed record StatisticsBucket(
    DateOnly PeriodStart, int Received, int Online, int Accepted, int AcceptedOnTime, int Declined, int Replied,
    int RepliedOnTime, int Overdue, int Evaluated, int Satisfied, int BasicallySatisfied, int Dissatisfied,
    int ReviewRequested, int ReReviewRequested, int Supervised)
{
    internal static StatisticsBucket From(DateOnly start, Counts c) => new(start,
        c[Counter.Received], c[Counter.Online], c[Counter.Accepted], c[Counter.AcceptedOnTime], c[Counter.Declined],
        c[Counter.Replied], c[Counter.RepliedOnTime], c[Counter.Overdue], c[Counter.Evaluated], c[Counter.Satisfied],
        c[Counter.BasicallySatisfied], c[Counter.Dissatisfied], c[Counter.ReviewRequested], c[Counter.ReReviewRequested],
        c[Counter.Supervised]);
}

public sealed record ChannelCount(Channel Channel, int Count);

public sealed record CategoryCount(PetitionCategory Category, int Count);

/// <summary>Summed counters of one or more daily rows.</summary>
public sealed class Counts
{
    private readonly long[] _values = new long[ReadSideSchema.CounterColumns.Length];

    public double HandlingDaysSum { get; private set; }

    public int this[Counter counter] => checked((int)_values[(int)counter]);

    internal void Add(long[] values, double handlingDays)
    {
        for (var i = 0; i < _values.Length; i++)
            _values[i] += values[i];
        HandlingDaysSum += handlingDays;
    }
}

/// <summary>One daily row summed over the departments in scope.</summary>
public sealed record StatisticsDay(DateOnly Day, Channel Channel, PetitionCategory Category, long[] Values, double HandlingDaysSum);

/// <summary>The contract's Statistics for one department and an inclusive date range.</summary>
public sealed class StatisticsReport
{
    internal StatisticsReport(DepartmentScope department, DateOnly from, DateOnly to, bool rolledUp, IReadOnlyList<StatisticsDay> days)
    {
        Department = department;
        From = from;
        To = to;
        RolledUp = rolledUp;
        Days = days;
        var totals = new Counts();
        foreach (var d in days)
            totals.Add(d.Values, d.HandlingDaysSum);
        TotalCounts = totals;
        Totals = StatisticsBucket.From(from, totals);
        ByChannel = [.. Enum.GetValues<Channel>().Select(c => new ChannelCount(c,
            checked((int)days.Where(d => d.Channel == c).Sum(d => d.Values[(int)Counter.Received]))))];
        ByCategory = [.. Enum.GetValues<PetitionCategory>().Select(c => new CategoryCount(c,
            checked((int)days.Where(d => d.Category == c).Sum(d => d.Values[(int)Counter.Received]))))];
    }

    public DepartmentScope Department { get; }
    public DateOnly From { get; }
    public DateOnly To { get; }
    /// <summary>True when a petition office's region subtree was rolled up.</summary>
    public bool RolledUp { get; }
    public IReadOnlyList<StatisticsDay> Days { get; }
    public Counts TotalCounts { get; }
    public StatisticsBucket Totals { get; }

    public double? OnlineShare => Rate(Totals.Online, Totals.Received);
    public double? OnTimeRate => Rate(Totals.RepliedOnTime, Totals.Replied);
    public double? TimelyAcceptanceRate => Rate(Totals.AcceptedOnTime, Totals.Accepted + Totals.Declined);
    public double? SatisfactionRate => Rate(Totals.Satisfied + Totals.BasicallySatisfied, Totals.Evaluated);

    /// <summary>Mean of (reply − acceptance) in days, hearing time excluded; null without replies.</summary>
    public double? AverageHandlingDays
    {
        get
        {
            var count = TotalCounts[Counter.HandlingDaysCount];
            return count == 0 ? null : TotalCounts.HandlingDaysSum / count;
        }
    }

    /// <summary>Received per channel, every channel listed (zeros included), in enum order.</summary>
    public IReadOnlyList<ChannelCount> ByChannel { get; }

    /// <summary>Received per category, every category listed, in enum order.</summary>
    public IReadOnlyList<CategoryCount> ByCategory { get; }

    /// <summary>Calendar-aligned buckets (weeks start on Monday), clipped to [From, To], empty ones included.</summary>
    public IReadOnlyList<StatisticsBucket> Series(Period period)
    {
        var buckets = new SortedDictionary<DateOnly, Counts>();
        for (var start = AlignedStart(From, period); start <= To; start = Next(start, period))
            buckets[start] = new Counts();
        foreach (var d in Days)
            buckets[AlignedStart(d.Day, period)].Add(d.Values, d.HandlingDaysSum);
        return [.. buckets.Select(b => StatisticsBucket.From(b.Key < From ? From : b.Key, b.Value))];
    }

    public static DateOnly AlignedStart(DateOnly day, Period period) => period switch
    {
        Period.Day => day,
        Period.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        Period.Month => new DateOnly(day.Year, day.Month, 1),
        Period.Quarter => new DateOnly(day.Year, (day.Month - 1) / 3 * 3 + 1, 1),
        Period.Year => new DateOnly(day.Year, 1, 1),
        _ => throw RuleViolation.Validation("unknown period"),
    };

    private static DateOnly Next(DateOnly start, Period period) => period switch
    {
        Period.Day => start.AddDays(1),
        Period.Week => start.AddDays(7),
        Period.Month => start.AddMonths(1),
        Period.Quarter => start.AddMonths(3),
        _ => start.AddYears(1),
    };

    private static double? Rate(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;
}

/// <summary>
/// Statistics from the daily buckets: one indexed read with GROUP BY (day, channel, category) over
/// the department (or, for a petition office with includeSubordinates, its region subtree), whatever
/// the size of the event log.
/// </summary>
public static class StatisticsQueries
{
    /// <summary>Longest range served (about 20 years), so a day series stays bounded.</summary>
    public const int MaxDays = 7400;

    public static async Task<StatisticsReport> GetAsync(
        IQuerySession session, DepartmentScope department, DateOnly from, DateOnly to, bool includeSubordinates,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(department);
        Check(from, to);
        var rollUp = department.RollsUp(includeSubordinates);
        return new StatisticsReport(department, from, to, rollUp, await DaysAsync(session, department, from, to, rollUp, ct));
    }

    /// <summary>
    /// The same over several databases (the national roll-up, issue 20): each database's daily rows of the
    /// scope, read side by side, summed. Every counter belongs to one department in one database (a petition
    /// handed over is counted received where first received, and its other acts where they are decided), so
    /// the sum counts each act once. One database that does not answer fails the whole read: never a partial sum.
    /// </summary>
    public static async Task<StatisticsReport> GetAsync(
        IDocumentStore store, IReadOnlyCollection<string> databases, DepartmentScope department, DateOnly from, DateOnly to,
        bool includeSubordinates, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(databases);
        ArgumentNullException.ThrowIfNull(department);
        Check(from, to);
        var rollUp = department.RollsUp(includeSubordinates);
        var each = await Task.WhenAll(databases.Select(async database =>
        {
            await using var session = store.QuerySession(database);
            return await DaysAsync(session, department, from, to, rollUp, ct);
        }));
        var days = each.SelectMany(d => d)
            .GroupBy(d => (d.Day, d.Channel, d.Category))
            .Select(g => new StatisticsDay(g.Key.Day, g.Key.Channel, g.Key.Category,
                [.. Enumerable.Range(0, ReadSideSchema.CounterColumns.Length).Select(i => g.Sum(d => d.Values[i]))],
                g.Sum(d => d.HandlingDaysSum)))
            .OrderBy(d => d.Day).ThenBy(d => d.Channel.ToString(), StringComparer.Ordinal).ThenBy(d => d.Category.ToString(), StringComparer.Ordinal)
            .ToList();
        return new StatisticsReport(department, from, to, rollUp, days);
    }

    private static void Check(DateOnly from, DateOnly to)
    {
        if (to < from)
            throw RuleViolation.Validation("to must not be before from");
        if (to.DayNumber - from.DayNumber >= MaxDays)
            throw RuleViolation.Validation($"the range is at most {MaxDays} days");
    }

    private static async Task<List<StatisticsDay>> DaysAsync(
        IQuerySession session, DepartmentScope department, DateOnly from, DateOnly to, bool rollUp, CancellationToken ct)
    {
        var scope = rollUp ? "(region_path = @path or region_path like @descendants)" : "department_id = @dept";
        var counters = ReadSideSchema.CounterColumns;
        var sql =
            $"""
            select day, channel, category, {string.Join(", ", counters.Select(c => $"sum({c})::bigint"))},
                sum({ReadSideSchema.HandlingDaysSumColumn})::double precision
            from {ReadSideSql.Table(session, ReadSideSchema.StatisticsTable)}
            where {scope} and day between @from and @to
            group by day, channel, category
            order by day, channel, category
            """;
        await using var connection = await ReadSideSql.OpenAsync(session, ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("dept", department.Id));
        command.Parameters.Add(new NpgsqlParameter("path", department.RegionPath));
        command.Parameters.Add(new NpgsqlParameter("descendants", department.DescendantPattern));
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = from });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = to });
        var days = new List<StatisticsDay>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var values = new long[counters.Length];
            for (var i = 0; i < counters.Length; i++)
                values[i] = reader.GetInt64(3 + i);
            days.Add(new StatisticsDay(reader.GetFieldValue<DateOnly>(0), Enum.Parse<Channel>(reader.GetString(1)),
                Enum.Parse<PetitionCategory>(reader.GetString(2)), values, reader.GetDouble(3 + counters.Length)));
        }
        return days;
    }
}
