using System.Collections.Concurrent;
using CaseEngine.Domain.Directory;
using Marten;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Workflow.Submitting;

/// <summary>
/// Case numbers "&lt;entry region&gt;-&lt;year&gt;-&lt;6-digit counter&gt;", one counter per entry region and
/// year. A node reserves a block of <see cref="BlockSize"/> numbers from the counter in one short
/// transaction and hands them out from memory, so a submission normally spends no round trip and no
/// transaction of its own on its number (issue 17). The price, stated in docs/operations.md: numbers
/// are unique but may have gaps (a refused or failed submission, a repeat, and the unused rest of a
/// block when a node stops or crashes), and across nodes they need not follow submission order.
/// </summary>
public sealed class CaseNumbers(IDocumentStore store)
{
    public const string TableName = "case_number_counters";

    /// <summary>
    /// Numbers a node reserves at a time per region and year: a round trip per 100 submissions, and at
    /// most 99 numbers skipped per region and year when the node stops.
    /// </summary>
    public const int BlockSize = 100;

    private readonly ConcurrentDictionary<string, Block> _blocks = new(StringComparer.Ordinal);

    public static Table CounterTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("counter_key").AsPrimaryKey();
        table.AddColumn<int>("last_value").NotNull();
        return table;
    }

    /// <summary>The next number of a region and year from this node's block; a new block when it is used up.</summary>
    public async ValueTask<string> NextAsync(string entryRegionCode, int year, CancellationToken ct)
    {
        var key = Key(entryRegionCode, year);
        var block = _blocks.GetOrAdd(key, _ => new Block());
        while (true)
        {
            if (block.TryTake(out var value))
                return Format(key, value);
            // One reservation at a time per key: the others wait for it rather than reserving blocks of their own.
            await block.Refill.WaitAsync(ct);
            try
            {
                if (!block.HasNumbers)
                    block.Reset(await ReserveAsync(store, key, BlockSize, ct), BlockSize);
            }
            finally
            {
                block.Refill.Release();
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> consecutive numbers in one counter update, outside any block: bulk intake
    /// (<see cref="Commands.CommandBatch"/>) takes exactly what it needs.
    /// </summary>
    public static async Task<IReadOnlyList<string>> NextRangeAsync(IDocumentStore store, string entryRegionCode, int year, int count, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var key = Key(entryRegionCode, year);
        var last = await ReserveAsync(store, key, count, ct);
        return [.. Enumerable.Range(last - count + 1, count).Select(value => Format(key, value))];
    }

    /// <summary>
    /// Moves the counter on by <paramref name="count"/> and returns its new last value, in its own short
    /// transaction (never rolled back with a command). That transaction commits with
    /// <c>synchronous_commit = off</c>: otherwise every reservation holds the counter row's lock across a
    /// WAL flush. No number is handed out twice for a committed petition all the same: a command that
    /// uses a number commits durably afterwards, and its flush covers the reservation's earlier commit
    /// record (WAL is flushed in order); a crash can only lose reservations whose numbers no committed
    /// petition holds, and the node that held them lost its block with its memory.
    /// </summary>
    private static async Task<int> ReserveAsync(IDocumentStore store, string key, int count, CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        // The counter lives in the database of the entry region's province, like the petitions it numbers.
        var database = await store.Storage.FindOrCreateDatabase(Provinces.Of(key[..key.IndexOf('-', StringComparison.Ordinal)])!);
        // A pool of its own whose sessions commit without waiting for the flush (see above).
        using var template = database.CreateConnection();
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
        next.Parameters.AddWithValue("key", key);
        next.Parameters.AddWithValue("count", count);
        return (int)(await next.ExecuteScalarAsync(ct))!;
    }

    private static string Key(string entryRegionCode, int year) => $"{entryRegionCode}-{year}";

    private static string Format(string key, int value) => $"{key}-{value:000000}";

    /// <summary>The numbers this node holds for one key: next..last, empty until the first reservation.</summary>
    private sealed class Block
    {
        private readonly Lock _lock = new();
        private int _next = 1;
        private int _last;

        public SemaphoreSlim Refill { get; } = new(1, 1);

        public bool HasNumbers
        {
            get
            {
                lock (_lock)
                    return _next <= _last;
            }
        }

        public bool TryTake(out int value)
        {
            lock (_lock)
            {
                value = _next;
                if (_next > _last)
                    return false;
                _next++;
                return true;
            }
        }

        public void Reset(int last, int count)
        {
            lock (_lock)
            {
                _next = last - count + 1;
                _last = last;
            }
        }
    }
}
