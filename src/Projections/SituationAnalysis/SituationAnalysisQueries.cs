using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using Marten;
using Marten.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.SituationAnalysis;

/// <summary>The length of the analysed period; calendar-aligned (weeks start on Monday, quarters in January, April, July, October).</summary>
public enum AnalysisPeriod { Week, Month, Quarter }

/// <summary>The analysed period [Start, End) and the 4 equal periods before it, oldest first.</summary>
public sealed record PeriodWindow(AnalysisPeriod Period, DateOnly Start, DateOnly End, IReadOnlyList<DateOnly> BaselineStarts)
{
    /// <summary>The first day read: the start of the oldest baseline period.</summary>
    public DateOnly From => BaselineStarts[0];
}

/// <summary>
/// A sub-region or a category with its received count in the period and in each baseline period (oldest
/// first). <see cref="Ratio"/> = count ÷ baseline mean; null when the baseline is zero (new: ranked as +∞).
/// </summary>
public sealed record RisingItem(string Key, string Name, int Count, IReadOnlyList<int> BaselineCounts, double BaselineMean, double? Ratio);

/// <summary>
/// A subject keyword: <see cref="Count"/> subjects of the period contain it, <see cref="BaselineCount"/>
/// subjects of the 4 baseline periods did (<see cref="BaselineMean"/> per period), and its TF-IDF
/// <see cref="Score"/> = Count × (ln((1 + N_baseline) / (1 + BaselineCount)) + 1), N_baseline being the
/// number of baseline subjects: frequent now and rare before ranks first.
/// </summary>
public sealed record KeywordTrend(string Keyword, int Count, int BaselineCount, double BaselineMean, double Score);

/// <summary>形势研判 for one region and period.</summary>
/// <param name="Received">petitions received in the region's subtree in the period (merged ones not counted)</param>
/// <param name="BaselineMean">mean received per baseline period</param>
/// <param name="Regions">the region's children, rising most first (count ≥ <see cref="SituationAnalysisQueries.MinimumCount"/> only)</param>
/// <param name="Categories">the categories, rising most first (count ≥ <see cref="SituationAnalysisQueries.MinimumCount"/> only)</param>
/// <param name="Keywords">the top <see cref="SituationAnalysisQueries.KeywordCount"/> subject keywords by TF-IDF</param>
public sealed record SituationReport(
    string RegionCode, string RegionName, PeriodWindow Window, int Received, double BaselineMean,
    IReadOnlyList<RisingItem> Regions, IReadOnlyList<RisingItem> Categories, IReadOnlyList<KeywordTrend> Keywords);

/// <summary>
/// Situation analysis (形势研判): which sub-regions, categories and subject keywords rise against their
/// own past. Reads only <see cref="SituationAnalysisSchema"/> (two indexed range reads of the region's
/// subtree over five periods). Access is checked by the caller with the domain's rule (Jurisdiction.EnsureMayAnalyse).
/// </summary>
public static class SituationAnalysisQueries
{
    public const int BaselinePeriods = 4;

    /// <summary>Sub-regions and categories with fewer received petitions in the period are not ranked.</summary>
    public const int MinimumCount = 5;

    public const int KeywordCount = 20;

    /// <summary>The period of this length that contains <paramref name="date"/>, and the 4 before it.</summary>
    public static PeriodWindow WindowOf(AnalysisPeriod period, DateOnly date)
    {
        var start = period switch
        {
            AnalysisPeriod.Week => date.AddDays(-(((int)date.DayOfWeek + 6) % 7)),
            AnalysisPeriod.Month => new DateOnly(date.Year, date.Month, 1),
            AnalysisPeriod.Quarter => new DateOnly(date.Year, (date.Month - 1) / 3 * 3 + 1, 1),
            _ => throw RuleViolation.Validation("period must be WEEK, MONTH or QUARTER"),
        };
        DateOnly Shift(int periods) => period switch
        {
            AnalysisPeriod.Week => start.AddDays(7 * periods),
            AnalysisPeriod.Month => start.AddMonths(periods),
            _ => start.AddMonths(3 * periods),
        };
        return new PeriodWindow(period, start, Shift(1), [.. Enumerable.Range(0, BaselinePeriods).Select(i => Shift(i - BaselinePeriods))]);
    }

    /// <summary>
    /// Analyses the region (any accepted code form) for the period containing <paramref name="date"/>.
    /// Counts follow the received attribution (entry office's region, receipt date in Asia/Shanghai,
    /// merged petitions left out); petitions entered at the region's own office count for the region
    /// and its categories and keywords but for none of its children. VALIDATION for an unknown region.
    /// </summary>
    public static async Task<SituationReport> AnalyseAsync(IQuerySession session, DepartmentDirectory directory, string regionCode,
        AnalysisPeriod period, DateOnly date, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(directory);
        var region = directory.FindRegion(regionCode ?? "") ?? throw RuleViolation.Validation("the region is not in the directory");
        var window = WindowOf(period, date);
        var path = string.Join('.', directory.RegionPath(region.Code));
        var table = SituationAnalysisSchema.Qualified(session.DocumentStore.Options.DatabaseSchemaName);
        var bounds = window.BaselineStarts.Append(window.Start).ToArray();

        await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
        await connection.OpenAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        // Counts per (child, category, period index 1..5); child is null for the region's own office.
        var counts = new NpgsqlBatchCommand(
            $"""
            select case when region_path = @path then null else split_part(substr(region_path, length(@path) + 2), '.', 1) end,
                   category, width_bucket(received_day, @bounds), count(*)
            from {table}
            where (region_path = @path or region_path like @below) and received_day >= @from and received_day < @to
            group by 1, 2, 3
            """);
        // Keywords: subjects containing each word, now and in the baseline; TF-IDF against the baseline.
        var keywords = new NpgsqlBatchCommand(
            $"""
            with r as (
                select keywords, received_day >= @start as now
                from {table}
                where (region_path = @path or region_path like @below) and received_day >= @from and received_day < @to),
            n as (select count(*) filter (where not now) as baseline from r),
            w as (
                select k, count(*) filter (where now) as c, count(*) filter (where not now) as b
                from r, unnest(r.keywords) as k group by k)
            select k, c, b, c * (ln((1 + n.baseline)::float8 / (1 + b)) + 1) as score
            from w, n where c > 0
            order by score desc, c desc, k collate "C"
            limit @limit
            """);
        foreach (var command in new[] { counts, keywords })
        {
            command.Parameters.Add(new NpgsqlParameter("path", NpgsqlDbType.Varchar) { Value = path });
            command.Parameters.Add(new NpgsqlParameter("below", NpgsqlDbType.Varchar) { Value = path + ".%" });
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = window.From });
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = window.End });
            batch.BatchCommands.Add(command);
        }
        counts.Parameters.Add(new NpgsqlParameter("bounds", NpgsqlDbType.Array | NpgsqlDbType.Date) { Value = bounds });
        keywords.Parameters.Add(new NpgsqlParameter("start", NpgsqlDbType.Date) { Value = window.Start });
        keywords.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = KeywordCount });

        var byChild = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var byCategory = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var total = new int[BaselinePeriods + 1];
        var trends = new List<KeywordTrend>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var bucket = reader.GetInt32(2) - 1;
                var n = (int)reader.GetInt64(3);
                if (bucket is < 0 or > BaselinePeriods)
                    continue;
                total[bucket] += n;
                if (!reader.IsDBNull(0))
                    Add(byChild, reader.GetString(0), bucket, n);
                Add(byCategory, reader.GetString(1), bucket, n);
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var baseline = (int)reader.GetInt64(2);
                trends.Add(new KeywordTrend(reader.GetString(0), (int)reader.GetInt64(1), baseline,
                    baseline / (double)BaselinePeriods, Math.Round(reader.GetDouble(3), 6)));
            }
        }

        var names = directory.ChildrenOf(region.Code).ToDictionary(c => c.Code, c => c.Name, StringComparer.Ordinal);
        return new SituationReport(region.Code, region.Name, window, total[BaselinePeriods],
            total.Take(BaselinePeriods).Average(),
            Rank(byChild.Select(c => Item(c.Key, names.GetValueOrDefault(c.Key, c.Key), c.Value))),
            Rank(byCategory.Select(c => Item(c.Key, c.Key, c.Value))),
            trends);
    }

    /// <summary>
    /// Rising most first: a zero baseline (ratio +∞) before any finite ratio, then by ratio, then by
    /// count, then by key. Only items with at least <see cref="MinimumCount"/> in the period.
    /// </summary>
    public static IReadOnlyList<RisingItem> Rank(IEnumerable<RisingItem> items) =>
    [
        .. (items ?? []).Where(i => i.Count >= MinimumCount)
            .OrderByDescending(i => i.Ratio ?? double.PositiveInfinity)
            .ThenByDescending(i => i.Count)
            .ThenBy(i => i.Key, StringComparer.Ordinal),
    ];

    /// <summary>An item from its counts per period, oldest baseline first and the analysed period last.</summary>
    public static RisingItem Item(string key, string name, IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var baseline = counts.Take(BaselinePeriods).ToArray();
        var mean = baseline.Average();
        var count = counts[BaselinePeriods];
        return new RisingItem(key, name, count, baseline, mean, mean == 0 ? null : count / mean);
    }

    private static void Add(Dictionary<string, int[]> map, string key, int bucket, int n)
    {
        if (!map.TryGetValue(key, out var counts))
            map[key] = counts = new int[BaselinePeriods + 1];
        counts[bucket] += n;
    }
}
