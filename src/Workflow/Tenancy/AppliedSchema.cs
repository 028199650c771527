using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// The schema a node applies to a database when it readies it (Marten's documents, events and the engine's tables;
/// Wolverine's inbox and outbox), compared in full only when the database may lack it.
/// <para>
/// Why: Marten's and Wolverine's migrations compare every table, index and function with PostgreSQL's catalog, and
/// on a new connection that took 0.5–0.9 s a database for an unchanged schema (measured: Marten's comparison
/// 0.54–0.85 s, Wolverine's master tables 0.23–0.37 s and a province's 0.1–0.2 s), on every node start and for
/// every province. A database records the SHA-256 of the DDL it last had applied in full, per component
/// (<see cref="Table"/>). A node whose configured DDL hashes the same, and that finds every table, index,
/// constraint, sequence and function the DDL names (one catalog read), marks the features checked without the
/// comparison. Anything else — another version of the engine, other options, an object dropped since — gets the
/// full comparison and the record is written again.
/// </para>
/// <para>
/// Not seen: a column or a function body changed by hand under an unchanged name. Delete the database's rows of
/// <see cref="Table"/> and the next start compares everything (docs/operations.md, "Schema").
/// </para>
/// </summary>
public static class AppliedSchema
{
    /// <summary>The record of what was applied, in the schema of the objects it describes.</summary>
    public const string Table = "ce_applied_schema";

    /// <summary>
    /// Applies <paramref name="database"/>'s configured schema with <paramref name="apply"/> unless the database
    /// records the same DDL as applied and holds every object it names; true when it was applied.
    /// </summary>
    public static async Task<bool> EnsureAsync(IDatabase database, string component, Func<Task> apply, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(apply);
        if (database is not DatabaseBase<NpgsqlConnection> postgres)
        {
            await apply();
            return true;
        }
        var objects = database.AllObjects();
        var names = objects.SelectMany(o => o.AllNames()).ToArray();
        if (names.Length == 0)
        {
            await apply();
            return true;
        }
        var schema = names[0].Schema;
        var fingerprint = Fingerprint(database.ToDatabaseScript());

        await using (var connection = postgres.CreateConnection())
        {
            await connection.OpenAsync(ct);
            if (await HoldsAsync(connection, schema, component, fingerprint, names, ct))
            {
                postgres.MarkAllFeaturesAsChecked();
                return false;
            }
        }
        await apply();
        await using (var connection = postgres.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await RecordAsync(connection, schema, component, fingerprint, ct);
        }
        return true;
    }

    /// <summary>The hex SHA-256 of a DDL script.</summary>
    public static string Fingerprint(string ddl) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ddl)));

    private static async Task<bool> HoldsAsync(NpgsqlConnection connection, string schema, string component, string fingerprint,
        IReadOnlyList<DbObjectName> names, CancellationToken ct)
    {
        // PostgreSQL folds unquoted names to lower case and cuts them at 63 bytes (NAMEDATALEN), as Marten's DDL leaves them.
        // An index left invalid (a CREATE INDEX CONCURRENTLY that failed or was cut off) counts as missing.
        await using var command = new NpgsqlCommand($"""
            select (select fingerprint from {Quoted(schema)}.{Table} where component = $1),
                   (select count(*) from unnest($2::text[], $3::text[]) as wanted(nspname, objname)
                     where not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                        left join pg_index i on i.indexrelid = c.oid
                                        where n.nspname = wanted.nspname and c.relname = wanted.objname
                                          and coalesce(i.indisvalid, true))
                       and not exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                                        where n.nspname = wanted.nspname and p.proname = wanted.objname)
                       and not exists (select 1 from pg_constraint k join pg_namespace n on n.oid = k.connamespace
                                        where n.nspname = wanted.nspname and k.conname = wanted.objname))
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = component });
        command.Parameters.Add(new NpgsqlParameter { Value = names.Select(n => Folded(n.Schema)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = names.Select(n => Folded(n.Name)).ToArray() });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return !reader.IsDBNull(0) && reader.GetString(0) == fingerprint && reader.GetInt64(1) == 0;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return false; // never recorded: a new database, or one readied by a version before the record
        }
    }

    private static async Task RecordAsync(NpgsqlConnection connection, string schema, string component, string fingerprint, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"create table if not exists {Quoted(schema)}.{Table} (component text primary key, fingerprint text not null)"));
        var upsert = new NpgsqlBatchCommand($"insert into {Quoted(schema)}.{Table} (component, fingerprint) values ($1, $2) "
            + "on conflict (component) do update set fingerprint = excluded.fingerprint");
        upsert.Parameters.Add(new NpgsqlParameter { Value = component });
        upsert.Parameters.Add(new NpgsqlParameter { Value = fingerprint });
        batch.BatchCommands.Add(upsert);
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another node created the table at the same moment (create table if not exists is not atomic with
            // itself): its record is as good as ours, and the next start compares again if it differs.
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            // A node whose role may not create tables in the schema (it was applied by a deploy step with another
            // role) or a read-only server: the record only saves time, so its starts compare in full, as before it existed.
        }
    }

    private static string Folded(string name)
    {
        var lower = name.ToLowerInvariant();
        var bytes = Encoding.UTF8.GetBytes(lower);
        return bytes.Length <= 63 ? lower : Encoding.UTF8.GetString(bytes, 0, 63);
    }

    private static string Quoted(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
