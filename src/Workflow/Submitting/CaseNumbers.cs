using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Workflow.Submitting;

/// <summary>
/// Case numbers "&lt;entry region&gt;-&lt;year&gt;-&lt;6-digit counter&gt;", one counter per entry region and
/// year. The counter is taken in its own short transaction so submissions to one region never
/// wait on each other's commits; a submission that then fails leaves a gap, which is allowed.
/// </summary>
public static class CaseNumbers
{
    public const string TableName = "case_number_counters";

    public static Table CounterTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("counter_key").AsPrimaryKey();
        table.AddColumn<int>("last_value").NotNull();
        return table;
    }

    public static async Task<string> NextAsync(IDocumentStore store, string entryRegionCode, int year, CancellationToken ct) =>
        (await NextRangeAsync(store, entryRegionCode, year, 1, ct))[0];

    /// <summary><paramref name="count"/> consecutive numbers in one counter update (bulk intake).</summary>
    public static async Task<IReadOnlyList<string>> NextRangeAsync(IDocumentStore store, string entryRegionCode, int year, int count, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var schema = store.Options.DatabaseSchemaName;
        await using var conn = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"insert into {schema}.{TableName} as c (counter_key, last_value) values (@key, @count) " +
            "on conflict (counter_key) do update set last_value = c.last_value + @count returning c.last_value", conn);
        cmd.Parameters.AddWithValue("key", $"{entryRegionCode}-{year}");
        cmd.Parameters.AddWithValue("count", count);
        var last = (int)(await cmd.ExecuteScalarAsync(ct))!;
        return [.. Enumerable.Range(last - count + 1, count).Select(value => $"{entryRegionCode}-{year}-{value:000000}")];
    }
}
