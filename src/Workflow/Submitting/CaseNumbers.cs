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

    /// <summary>
    /// The next number of a region and year, in its own short transaction (never rolled back with
    /// the command: a refused or failed command leaves a gap, as before). That transaction commits
    /// with <c>synchronous_commit = off</c>: otherwise every submission holds the one counter row's
    /// lock across a WAL flush and submissions queue behind each other one flush at a time. Still
    /// no number is handed out twice for a committed petition: the command that uses the number
    /// commits durably afterwards, and its flush covers the counter's earlier commit record (WAL is
    /// flushed in order); a crash can only lose increments whose numbers no committed petition holds.
    /// </summary>
    public static async Task<string> NextAsync(IDocumentStore store, string entryRegionCode, int year, CancellationToken ct) =>
        (await NextRangeAsync(store, entryRegionCode, year, 1, ct))[0];

    /// <summary><paramref name="count"/> consecutive numbers in one counter update (bulk intake), as <see cref="NextAsync"/>.</summary>
    public static async Task<IReadOnlyList<string>> NextRangeAsync(IDocumentStore store, string entryRegionCode, int year, int count, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var schema = store.Options.DatabaseSchemaName;
        // A pool of its own whose sessions commit without waiting for the flush (see NextAsync).
        using var template = store.Storage.Database.CreateConnection();
        var lazyCommit = new NpgsqlConnectionStringBuilder(template.ConnectionString)
        {
            Options = "-c synchronous_commit=off",
        };
        // CloneWith, not a new connection from the string: the template's string no longer carries the
        // password (Npgsql drops it), so a database that requires one would refuse the copy.
        await using var conn = template.CloneWith(lazyCommit.ConnectionString);
        await conn.OpenAsync(ct);
        await using var next = new NpgsqlCommand(
            $"insert into {schema}.{TableName} as c (counter_key, last_value) values (@key, @count) " +
            "on conflict (counter_key) do update set last_value = c.last_value + @count returning c.last_value", conn);
        next.Parameters.AddWithValue("key", $"{entryRegionCode}-{year}");
        next.Parameters.AddWithValue("count", count);
        await using var reader = await next.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var last = reader.GetInt32(0);
        return [.. Enumerable.Range(last - count + 1, count).Select(value => $"{entryRegionCode}-{year}-{value:000000}")];
    }
}
