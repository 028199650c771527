using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.Workflow.Tests.Hosting;

/// <summary>
/// Marten's and Wolverine's migrations compare every table, index and function with PostgreSQL's catalog: 0.5–0.9 s
/// a database on each node start for an unchanged schema. A database records the DDL it last had applied in full
/// (<see cref="AppliedSchema"/>); a start that configures the same DDL and finds every object it names skips the
/// comparison. Whatever may differ is compared as before: a new database, other options, a dropped object, a record deleted.
/// </summary>
public class when_a_node_readies_a_database_it_has_readied_before
{
    /// <summary>What the full comparisons of Marten (functions) and Wolverine (columns) ask the catalog.</summary>
    private static bool Compares(string sql) =>
        sql.Contains("pg_get_functiondef", StringComparison.OrdinalIgnoreCase) || sql.Contains("information_schema.columns", StringComparison.OrdinalIgnoreCase);

    [Fact]
    public async Task the_schema_is_compared_only_when_the_database_may_lack_it() => await OnNewDatabasesAsync(async db =>
    {
        // A new database: compared and applied in full, then recorded in the province's and the master's databases.
        using (var capture = StatementCapture.All(db.ProvinceConnectionString))
        {
            await using (var engine = await Engine.StartAsync(db))
                (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
            capture.Statements.Count(Compares).ShouldBeGreaterThan(0, "a new database's schema is compared");
        }
        (await RecordedAsync(db.ProvinceConnectionString)).Keys.Order().ShouldBe(["marten", "wolverine"]);
        (await RecordedAsync(db.ConnectionString)).Keys.ShouldBe(["wolverine"]);

        // The same schema again: no comparison, and the engine works.
        using (var capture = StatementCapture.All(db.ProvinceConnectionString))
        {
            await using (var engine = await Engine.StartAsync(db))
                (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
            capture.Statements.Where(Compares).ShouldBeEmpty();
        }
    });

    [Fact]
    public async Task a_dropped_table_or_a_deleted_record_is_compared_again_and_repaired() => await OnNewDatabasesAsync(async db =>
    {
        await using (var engine = await Engine.StartAsync(db))
            (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();

        // A table dropped by hand: its name is missing from the catalog, so the start compares and creates it again.
        await ExecuteAsync(db.ProvinceConnectionString, "drop table caseengine.wolverine_dead_letters");
        using (var capture = StatementCapture.All(db.ProvinceConnectionString))
        {
            await using (var engine = await Engine.StartAsync(db))
                (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
            capture.Statements.Count(Compares).ShouldBeGreaterThan(0);
        }
        (await ExistsAsync(db.ProvinceConnectionString, "caseengine.wolverine_dead_letters")).ShouldBeTrue();

        // What a name check cannot see (a column dropped by hand under a kept table): deleting the record makes the
        // next start compare everything, which restores it — the documented way (docs/operations.md, "Schema").
        await ExecuteAsync(db.ProvinceConnectionString, "alter table caseengine.wolverine_dead_letters drop column source");
        await ExecuteAsync(db.ProvinceConnectionString, $"delete from caseengine.{AppliedSchema.Table}");
        await using (var engine = await Engine.StartAsync(db))
            (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
        (await ColumnsAsync(db.ProvinceConnectionString, "wolverine_dead_letters")).ShouldContain("source");
    });

    [Fact]
    public async Task another_configuration_is_compared_and_its_objects_created() => await OnNewDatabasesAsync(async db =>
    {
        await using (var engine = await Engine.StartAsync(db))
            (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
        var before = (await RecordedAsync(db.ProvinceConnectionString))["marten"];

        // Another version's schema (here a document type more): its DDL hashes differently, so it is compared and applied.
        await using (var engine = await Engine.StartAsync(db, configure: o => o.ConfigureMarten = m => m.Schema.For<ExtraDocument>().DocumentAlias("extra")))
            (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
        (await ExistsAsync(db.ProvinceConnectionString, "caseengine.mt_doc_extra")).ShouldBeTrue();
        (await RecordedAsync(db.ProvinceConnectionString))["marten"].ShouldNotBe(before);
    });

    /// <summary>Each test starts on databases no node has readied.</summary>
    private static async Task OnNewDatabasesAsync(Func<DatabaseFixture, Task> test)
    {
        var db = new DatabaseFixture();
        await db.InitializeAsync();
        try
        {
            await test(db);
        }
        finally
        {
            await db.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_index_left_invalid_is_compared_again() => await OnNewDatabasesAsync(async db =>
    {
        await using (var engine = await Engine.StartAsync(db))
            (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
        // What a CREATE INDEX CONCURRENTLY cut off by a crash leaves: the name is there, the index is not usable.
        var index = (await IndexesAsync(db.ProvinceConnectionString)).First();
        await ExecuteAsync(db.ProvinceConnectionString, $"update pg_index set indisvalid = false where indexrelid = 'caseengine.{index}'::regclass");

        using (var capture = StatementCapture.All(db.ProvinceConnectionString))
        {
            await using (var engine = await Engine.StartAsync(db))
                (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
            capture.Statements.Count(Compares).ShouldBeGreaterThan(0, "an invalid index is as good as missing");
        }
    });

    [Fact]
    public async Task a_node_whose_role_may_not_create_tables_is_not_stopped_by_the_record()
    {
        var db = new DatabaseFixture();
        await db.InitializeAsync();
        var role = $"ce_node_{Guid.NewGuid():N}"[..20];
        var password = Guid.NewGuid().ToString("N");
        try
        {
            // The schema applied by a deploy step with the owner's role, before the record existed.
            await using (var engine = await Engine.StartAsync(db))
                (await engine.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
            foreach (var database in new[] { db.ConnectionString, db.ProvinceConnectionString })
                await ExecuteAsync(database, $"drop table caseengine.{AppliedSchema.Table}");

            // The nodes run as a role that reads and writes every table and may create nothing.
            await ExecuteAsync(db.ConnectionString, $"create role {role} login password '{password}'");
            foreach (var database in new[] { db.ConnectionString, db.ProvinceConnectionString })
                await ExecuteAsync(database, $$"""
                    grant connect on database "{{new NpgsqlConnectionStringBuilder(database).Database}}" to {{role}};
                    do $$ declare s text; begin
                      for s in select nspname from pg_namespace where nspname like 'caseengine%' loop
                        execute format('grant usage on schema %I to {{role}}', s);
                        execute format('grant select, insert, update, delete on all tables in schema %I to {{role}}', s);
                        execute format('grant usage, select, update on all sequences in schema %I to {{role}}', s);
                      end loop; end $$;
                    """);
            string As(string connectionString) =>
                new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = password }.ConnectionString;
            await ProvinceDatabases.RecordAsync(db.ConnectionString, Province.Demo, As(db.ProvinceConnectionString));

            // The record only saves time: a role that may not write it compares in full at every start, and starts.
            // (Commands need more today: the first one creates the master's own tables if missing, MasterTables.)
            for (var start = 0; start < 2; start++)
            {
                await using var engine = await Engine.StartAsync(As(db.ConnectionString));
                (await engine.Host.Services.GetRequiredService<ProvinceDatabases>().ServesAsync(Province.Demo)).ShouldBeTrue();
            }
            (await ExistsAsync(db.ProvinceConnectionString, $"caseengine.{AppliedSchema.Table}")).ShouldBeFalse("the role may not create it");
        }
        finally
        {
            await db.DisposeAsync();
            await ExecuteAsync(await PostgresServer.GetConnectionStringAsync(), $"drop role if exists {role}");
        }
    }

    private static async Task<List<string>> IndexesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select indexname from pg_indexes where schemaname = 'caseengine' and tablename = 'mt_doc_petition' and indexname like '%_idx_%' order by 1", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            names.Add(reader.GetString(0));
        return names;
    }

    public sealed record ExtraDocument(Guid Id);

    private static async Task<Dictionary<string, string>> RecordedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select component, fingerprint from caseengine.{AppliedSchema.Table}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, string>();
        while (await reader.ReadAsync())
            rows[reader.GetString(0)] = reader.GetString(1);
        return rows;
    }

    private static async Task<bool> ExistsAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select to_regclass($1) is not null", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ColumnsAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select column_name from information_schema.columns where table_schema = 'caseengine' and table_name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            columns.Add(reader.GetString(0));
        return columns;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
