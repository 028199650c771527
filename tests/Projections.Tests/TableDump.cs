using CaseEngine.Testing;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using Marten;
using Npgsql;

namespace CaseEngine.Projections.Tests;

/// <summary>The read-model tables as strings, in the same shape as the brute-force rows.</summary>
public static class TableDump
{
    private static string Iso(NpgsqlDataReader r, int i) =>
        r.IsDBNull(i) ? "-" : DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");

    private static string Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? "-" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;

    private static async Task<List<string>> ReadAsync(IDocumentStore store, string sql, Func<NpgsqlDataReader, string> row)
    {
        await using var connection = (await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", store.Options.DatabaseSchemaName, StringComparison.Ordinal), connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(row(reader));
        return rows;
    }

    /// <summary>One row in each table that no event explains: a rebuild must remove it.</summary>
    public static async Task PolluteAsync(IDocumentStore store)
    {
        await using var connection = (await store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        var schema = store.Options.DatabaseSchemaName;
        await using var command = new NpgsqlCommand(
            $"insert into {schema}.{ReadSideSchema.InboxTable} (item_id, petition_id, department_id, region_path, stage, received_at, " +
            "due_at, due_sort, paused, category, subject, case_number, suspected_duplicate) values ('bogus', gen_random_uuid(), " +
            "'340101-PO', '000000.340000.340100.340101', 'Routing', now(), now(), now(), false, 'Suggestion', 'x', 'x', false); " +
            $"insert into {schema}.{ReadSideSchema.OverdueTable} (overdue_id, petition_id, department_id, region_path, stage, " +
            "stage_instance, due_at, missed_at, supervision_count, category, subject, case_number) values ('bogus', gen_random_uuid(), " +
            "'340101-PO', '000000.340000.340100.340101', 'Routing', 1, now(), now(), 0, 'Suggestion', 'x', 'x'); " +
            $"insert into {schema}.{ReadSideSchema.InboxCountTable} (department_id, items) values ('bogus', 5); " +
            $"insert into {schema}.{ReadSideSchema.StatisticsTable} (department_id, region_path, day, channel, category, received) " +
            "values ('bogus', 'x', '2025-01-01', 'Letter', 'Suggestion', 7)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static Task<List<string>> InboxAsync(IDocumentStore store) => ReadAsync(store,
        $"select item_id, petition_id, department_id, region_path, stage, received_at, due_at, paused, assigned_officer_id, " +
        $"category, subject, case_number, suspected_duplicate, status, array_to_string(departments, ',') " +
        $"from {{schema}}.{ReadSideSchema.InboxTable} order by item_id",
        r => string.Join('|', Enumerable.Range(0, 15).Select(i => i is 5 or 6 ? Iso(r, i) : Text(r, i))));

    /// <summary>The kept per-department inbox counts that are not zero: "department|items".</summary>
    public static Task<List<string>> InboxCountsAsync(IDocumentStore store) => ReadAsync(store,
        $"select department_id, items from {{schema}}.{ReadSideSchema.InboxCountTable} where items <> 0 order by department_id",
        r => $"{r.GetString(0)}|{r.GetInt64(1)}");

    public static Task<List<string>> OverdueAsync(IDocumentStore store) => ReadAsync(store,
        $"select overdue_id, petition_id, department_id, region_path, stage, stage_instance, supervision_id, due_at, missed_at, " +
        $"supervision_count, category, subject, case_number from {{schema}}.{ReadSideSchema.OverdueTable} order by overdue_id",
        r => string.Join('|', Enumerable.Range(0, 13).Select(i => i is 7 or 8 ? Iso(r, i) : Text(r, i))));

    /// <summary>Every statistics row (zero rows included): "key|c0|...|c15|sum".</summary>
    public static Task<List<string>> StatisticsAsync(IDocumentStore store) => ReadAsync(store,
        $"select department_id, region_path, to_char(day, 'YYYY-MM-DD'), channel, category, {string.Join(", ", ReadSideSchema.CounterColumns)}, " +
        $"{ReadSideSchema.HandlingDaysSumColumn} from {{schema}}.{ReadSideSchema.StatisticsTable} " +
        "order by department_id, region_path, day, channel, category",
        r => string.Join('|', Enumerable.Range(0, 5 + ReadSideSchema.CounterColumns.Length).Select(i => Text(r, i)))
            + "|" + r.GetDouble(5 + ReadSideSchema.CounterColumns.Length).ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The situation-analysis rows: "petition|region|category|day|keywords".</summary>
    public static Task<List<string>> SituationAsync(IDocumentStore store) => ReadAsync(store,
        $"select petition_id, region_path, category, to_char(received_day, 'YYYY-MM-DD'), array_to_string(keywords, ' ') " +
        $"from {{schema}}.{CaseEngine.Projections.SituationAnalysis.SituationAnalysisSchema.Table} order by petition_id",
        r => string.Join('|', Enumerable.Range(0, 5).Select(i => Text(r, i))));

    /// <summary>Every read model the async daemon writes, as rows (statistics with its double column apart).</summary>
    public static async Task<ReadModels> AllAsync(IDocumentStore store) => new(
        await InboxAsync(store), await InboxCountsAsync(store), await OverdueAsync(store),
        await StatisticsAsync(store), await SituationAsync(store));
}

/// <summary>The rows of every async read model, comparable with a rebuild's.</summary>
public sealed record ReadModels(List<string> Inbox, List<string> InboxCounts, List<string> Overdue, List<string> Statistics, List<string> Situation)
{
    /// <summary>
    /// Equal row for row; the handling-days sums (doubles) within 1e-6, since a rebuild groups the
    /// events into other pages and sums in another order.
    /// </summary>
    public void ShouldEqual(ReadModels expected, string because)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Inbox.ShouldBe(expected.Inbox, because);
        InboxCounts.ShouldBe(expected.InboxCounts, because);
        Overdue.ShouldBe(expected.Overdue, because);
        Situation.ShouldBe(expected.Situation, because);
        Statistics.Select(Counters).ShouldBe(expected.Statistics.Select(Counters), because);
        Statistics.Select(Days).Zip(expected.Statistics.Select(Days)).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-6, because);
    }

    private static string Counters(string row) => row[..row.LastIndexOf('|')];

    private static double Days(string row) => double.Parse(row[(row.LastIndexOf('|') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
