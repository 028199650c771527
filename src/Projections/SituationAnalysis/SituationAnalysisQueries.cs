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
        var (region, window, path) = Scope(directory, regionCode, period, date);
        var counts = new Counts();
        var trends = new List<KeywordTrend>();
        await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
        await connection.OpenAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(CountsCommand(session, path, window));
        // Keywords: subjects containing each word, now and in the baseline; TF-IDF against the baseline.
        var keywords = Command(path, window,
            $"""
            {WordsSql(session)},
            n as (select count(*) filter (where not now) as baseline from r)
            select k, c, b, c * (ln((1 + n.baseline)::float8 / (1 + b)) + 1) as score
            from w, n where c > 0
            order by score desc, c desc, k collate "C"
            limit @limit
            """);
        keywords.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = KeywordCount });
        batch.BatchCommands.Add(keywords);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await counts.ReadAsync(reader, ct);
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var baseline = (int)reader.GetInt64(2);
                trends.Add(new KeywordTrend(reader.GetString(0), (int)reader.GetInt64(1), baseline,
                    baseline / (double)BaselinePeriods, Math.Round(reader.GetDouble(3), 6)));
            }
        }
        return counts.Report(directory, region, window, trends);
    }

    /// <summary>
    /// The same analysis over several databases (the nation: the national office's and every province's, issue
    /// 20), exactly as if their rows were in one: the counts are added up; a keyword's TF-IDF needs its counts
    /// and the number of baseline subjects summed over every database before ranking, so each database first
    /// gives every word its period's subjects contain (with both counts) and its baseline size, then the baseline
    /// count of the words other databases found and it did not. Ties rank as in one database (count, then the
    /// word in byte order). One database that does not answer fails the read: never a partial analysis.
    /// </summary>
    public static async Task<SituationReport> AnalyseAsync(IDocumentStore store, IReadOnlyCollection<string> databases,
        DepartmentDirectory directory, string regionCode, AnalysisPeriod period, DateOnly date, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(databases);
        if (databases.Count == 1)
        {
            await using var session = store.QuerySession(databases.First());
            return await AnalyseAsync(session, directory, regionCode, period, date, ct);
        }
        var (region, window, path) = Scope(directory, regionCode, period, date);
        // First pass: per database, the counts, its baseline size and the words of its period.
        var first = await Task.WhenAll(databases.Select(async database =>
        {
            await using var session = store.QuerySession(database);
            var counts = new Counts();
            var words = new Dictionary<string, (int Now, int Baseline)>(StringComparer.Ordinal);
            var baselineSize = 0;
            await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
            await connection.OpenAsync(ct);
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(CountsCommand(session, path, window));
            batch.BatchCommands.Add(Command(path, window, $"{WordsSql(session)} select k, c, b from w where c > 0"));
            batch.BatchCommands.Add(Command(path, window, $"{RowsSql(session)} select count(*) from r where not now"));
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                await counts.ReadAsync(reader, ct);
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct))
                    words[reader.GetString(0)] = ((int)reader.GetInt64(1), (int)reader.GetInt64(2));
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                baselineSize = (int)reader.GetInt64(0);
            }
            return (Database: database, Counts: counts, Words: words, BaselineSize: baselineSize);
        }));
        var all = first.SelectMany(d => d.Words.Keys).ToHashSet(StringComparer.Ordinal);
        // Second pass: the baseline count of each word a database did not report (none of its period's subjects had it).
        var rest = await Task.WhenAll(first.Select(async d =>
        {
            var missing = all.Where(w => !d.Words.ContainsKey(w)).ToArray();
            var found = new Dictionary<string, int>(StringComparer.Ordinal);
            if (missing.Length == 0)
                return found;
            await using var session = store.QuerySession(d.Database);
            await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
            await connection.OpenAsync(ct);
            await using var batch = new NpgsqlBatch(connection);
            var query = Command(path, window,
                $"{RowsSql(session)} select k, count(*) from r, unnest(r.keywords) as k where not now and k = any(@words) group by k");
            query.Parameters.Add(new NpgsqlParameter("words", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = missing });
            batch.BatchCommands.Add(query);
            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                found[reader.GetString(0)] = (int)reader.GetInt64(1);
            return found;
        }));

        var counts = new Counts();
        foreach (var d in first)
            counts.AddUp(d.Counts);
        var baselineSubjects = first.Sum(d => d.BaselineSize);
        var trends = all
            .Select(word =>
            {
                var now = first.Sum(d => d.Words.TryGetValue(word, out var n) ? n.Now : 0);
                var baseline = first.Sum(d => d.Words.TryGetValue(word, out var n) ? n.Baseline : 0) + rest.Sum(r => r.GetValueOrDefault(word));
                return (Word: word, Now: now, Baseline: baseline, Score: Score(now, baseline, baselineSubjects));
            })
            .OrderByDescending(t => t.Score).ThenByDescending(t => t.Now).ThenBy(t => t.Word, CodePointOrder.Instance)
            .Take(KeywordCount)
            .Select(t => new KeywordTrend(t.Word, t.Now, t.Baseline, t.Baseline / (double)BaselinePeriods, Math.Round(t.Score, 6)))
            .ToList();
        return counts.Report(directory, region, window, trends);
    }

    /// <summary>TF-IDF of a word against the baseline, as the single-database query computes it in SQL.</summary>
    private static double Score(int now, int baseline, int baselineSubjects) =>
        now * (Math.Log((1 + baselineSubjects) / (double)(1 + baseline)) + 1);

    private static (Region Region, PeriodWindow Window, string Path) Scope(
        DepartmentDirectory directory, string regionCode, AnalysisPeriod period, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var region = directory.FindRegion(regionCode ?? "") ?? throw RuleViolation.Validation("the region is not in the directory");
        return (region, WindowOf(period, date), string.Join('.', directory.RegionPath(region.Code)));
    }

    /// <summary>The subtree's subjects of the five periods, each marked as in the analysed period or the baseline.</summary>
    private static string RowsSql(IQuerySession session) =>
        $"""
        with r as (
            select keywords, received_day >= @start as now
            from {SituationAnalysisSchema.Qualified(session.DocumentStore.Options.DatabaseSchemaName)}
            where (region_path = @path or region_path like @below) and received_day >= @from and received_day < @to)
        """;

    /// <summary>Per word: subjects containing it in the period (c) and in the baseline (b).</summary>
    private static string WordsSql(IQuerySession session) =>
        $"""
        {RowsSql(session)},
        w as (
            select k, count(*) filter (where now) as c, count(*) filter (where not now) as b
            from r, unnest(r.keywords) as k group by k)
        """;

    /// <summary>Counts per (child, category, period index 1..5); child is null for the region's own office.</summary>
    private static NpgsqlBatchCommand CountsCommand(IQuerySession session, string path, PeriodWindow window)
    {
        var command = Command(path, window,
            $"""
            select case when region_path = @path then null else split_part(substr(region_path, length(@path) + 2), '.', 1) end,
                   category, width_bucket(received_day, @bounds), count(*)
            from {SituationAnalysisSchema.Qualified(session.DocumentStore.Options.DatabaseSchemaName)}
            where (region_path = @path or region_path like @below) and received_day >= @from and received_day < @to
            group by 1, 2, 3
            """);
        command.Parameters.Add(new NpgsqlParameter("bounds", NpgsqlDbType.Array | NpgsqlDbType.Date)
            { Value = window.BaselineStarts.Append(window.Start).ToArray() });
        return command;
    }

    /// <summary>A statement over the region's subtree and the five periods, with the parameters all of them use.</summary>
    private static NpgsqlBatchCommand Command(string path, PeriodWindow window, string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("path", NpgsqlDbType.Varchar) { Value = path });
        command.Parameters.Add(new NpgsqlParameter("below", NpgsqlDbType.Varchar) { Value = path + ".%" });
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = window.From });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = window.End });
        command.Parameters.Add(new NpgsqlParameter("start", NpgsqlDbType.Date) { Value = window.Start });
        return command;
    }

    /// <summary>The received counts per child, category and period, added up over databases.</summary>
    private sealed class Counts
    {
        private readonly Dictionary<string, int[]> _byChild = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int[]> _byCategory = new(StringComparer.Ordinal);
        private readonly int[] _total = new int[BaselinePeriods + 1];

        public async Task ReadAsync(NpgsqlDataReader reader, CancellationToken ct)
        {
            while (await reader.ReadAsync(ct))
            {
                var bucket = reader.GetInt32(2) - 1;
                var n = (int)reader.GetInt64(3);
                if (bucket is < 0 or > BaselinePeriods)
                    continue;
                _total[bucket] += n;
                if (!reader.IsDBNull(0))
                    SituationAnalysisQueries.Add(_byChild, reader.GetString(0), bucket, n);
                SituationAnalysisQueries.Add(_byCategory, reader.GetString(1), bucket, n);
            }
        }

        public void AddUp(Counts other)
        {
            for (var i = 0; i <= BaselinePeriods; i++)
                _total[i] += other._total[i];
            foreach (var (key, counts) in other._byChild)
                for (var i = 0; i <= BaselinePeriods; i++)
                    SituationAnalysisQueries.Add(_byChild, key, i, counts[i]);
            foreach (var (key, counts) in other._byCategory)
                for (var i = 0; i <= BaselinePeriods; i++)
                    SituationAnalysisQueries.Add(_byCategory, key, i, counts[i]);
        }

        public SituationReport Report(DepartmentDirectory directory, Region region, PeriodWindow window, IReadOnlyList<KeywordTrend> keywords)
        {
            var names = directory.ChildrenOf(region.Code).ToDictionary(c => c.Code, c => c.Name, StringComparer.Ordinal);
            return new SituationReport(region.Code, region.Name, window, _total[BaselinePeriods],
                _total.Take(BaselinePeriods).Average(),
                Rank(_byChild.Select(c => Item(c.Key, names.GetValueOrDefault(c.Key, c.Key), c.Value))),
                Rank(_byCategory.Select(c => Item(c.Key, c.Key, c.Value))),
                keywords);
        }
    }

    /// <summary>Strings in Unicode code point order: UTF-8 byte order, PostgreSQL's collation "C" (UTF-16 ordinal differs past U+FFFF).</summary>
    private sealed class CodePointOrder : IComparer<string>
    {
        public static readonly CodePointOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
                return x is null ? (y is null ? 0 : -1) : 1;
            var a = x.EnumerateRunes();
            var b = y.EnumerateRunes();
            while (true)
            {
                var moreA = a.MoveNext();
                var moreB = b.MoveNext();
                if (!moreA || !moreB)
                    return moreA ? 1 : moreB ? -1 : 0;
                var c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                    return c;
            }
        }
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
