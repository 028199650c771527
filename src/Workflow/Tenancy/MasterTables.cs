using Npgsql;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// Tables of ours in the master database (the national log, the submissions' claims), created with plain DDL:
/// Marten's schema objects are per province database, and the master database holds only Marten's tenant
/// table and Wolverine's. Created once per process, on first use; concurrent first starts of several nodes are
/// serialised by a transaction-scoped advisory lock; a failure is tried again at the next use.
/// </summary>
/// <param name="lockKey">the advisory lock taken while creating (also the lock of the tables' own writes, where they have one)</param>
/// <param name="ddl">idempotent statements (<c>create … if not exists</c>)</param>
public sealed class MasterTables(long lockKey, string ddl)
{
    private Lazy<Task>? _created;

    public Task EnsureAsync(NpgsqlDataSource master, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(master);
        var created = LazyInitializer.EnsureInitialized(ref _created, () => new Lazy<Task>(() => CreateAsync(master)));
        if (created.Value.IsFaulted)
            Interlocked.CompareExchange(ref _created, null, created);
        return created.Value.WaitAsync(ct);
    }

    /// <summary>
    /// DDL that adds a column to a table of the master database only when it is missing: <c>add column if not
    /// exists</c> takes the table's exclusive lock before it looks, and on every start of a node would queue
    /// every reader behind it while one long read (a pg_dump) runs. Names are the caller's constants.
    /// </summary>
    public static string ColumnWhenMissing(string table, string column, string type) =>
        $"""
        do $$ begin
          if not exists (select 1 from pg_attribute where attrelid = '{table}'::regclass and attname = '{column}' and not attisdropped) then
            set local lock_timeout = '10s';
            alter table {table} add column {column} {type};
          end if;
        end $$;
        """;

    private async Task CreateAsync(NpgsqlDataSource master)
    {
        await using var connection = await master.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            $"""
            select pg_advisory_xact_lock({lockKey});
            create schema if not exists {ProvinceDatabases.MasterSchema};
            {ddl}
            """, connection, tx);
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
