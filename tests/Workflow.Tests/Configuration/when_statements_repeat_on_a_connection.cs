using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.DependencyInjection;
using CaseEngine.Domain.Directory;
using Npgsql;

namespace CaseEngine.Workflow.Tests.Configuration;

/// <summary>
/// StatementPreparation: every pool of the master and the province databases prepares the statements a connection
/// repeats, and a connection returned to its pool still lets go of its advisory locks (Wolverine's leadership and
/// agents hold theirs on pooled connections): the reason the pools' reset cannot simply be turned off
/// (bench/tuning.md, session 21), and what preparation must not break.
/// </summary>
public class when_statements_repeat_on_a_connection(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task every_pool_of_the_engine_prepares_them()
    {
        await using var engine = await Engine.StartAsync(db);
        await engine.SubmitAsync();
        var databases = (await engine.Store.Storage.AllDatabases()).OfType<IMartenDatabase>().ToList();
        databases.ShouldNotBeEmpty();
        foreach (var database in databases)
        {
            await using var pooled = database.CreateConnection();
            new NpgsqlConnectionStringBuilder(pooled.ConnectionString).MaxAutoPrepare.ShouldBe(StatementPreparation.MaxAutoPrepare);
        }
        var master = engine.Host.Services.GetRequiredService<MasterDataSource>().Source;
        new NpgsqlConnectionStringBuilder(master.ConnectionString).MaxAutoPrepare.ShouldBe(StatementPreparation.MaxAutoPrepare);

        // A statement run twice on a province's connection is prepared there.
        await using var connection = (NpgsqlConnection)(await engine.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        for (var i = 0; i < StatementPreparation.AutoPrepareMinUsages; i++)
            (await ScalarAsync(connection, "select count(*) from caseengine.mt_events where seq_id > 0")).ShouldBeGreaterThan(0);
        (await ScalarAsync(connection, "select count(*) from pg_prepared_statements where statement like '%mt_events where seq_id > 0%'")).ShouldBe(1);
    }

    /// <summary>
    /// Npgsql resets a returned connection when it is next opened (the reset goes out with its first command), so a
    /// lock is let go at the connection's next use, as it was with DISCARD ALL; with statements prepared the reset is
    /// DISCARD ALL's parts but DEALLOCATE ALL, and what the connection prepared stays prepared.
    /// </summary>
    [Fact]
    public async Task a_connection_returned_with_prepared_statements_lets_go_of_its_advisory_locks_at_its_next_use_and_keeps_them_prepared()
    {
        var builder = new NpgsqlDataSourceBuilder(db.ProvinceConnectionString) { ConnectionStringBuilder = { MaxPoolSize = 1 } };
        StatementPreparation.Configure(builder);
        await using var pool = builder.Build();
        int backend;
        await using (var connection = await pool.OpenConnectionAsync())
        {
            backend = (int)await ScalarAsync(connection, "select pg_backend_pid()");
            for (var i = 0; i < StatementPreparation.AutoPrepareMinUsages; i++)
                await ScalarAsync(connection, "select count(*) from pg_class where relname = 'mt_events'");
            (await ScalarAsync(connection, "select count(*) from pg_prepared_statements")).ShouldBeGreaterThan(0);
            (await ScalarAsync(connection, "select case when pg_try_advisory_lock(424242) then 1 else 0 end")).ShouldBe(1);
        }

        await using (var again = await pool.OpenConnectionAsync())
        {
            // The same server session, reset: its statements still prepared, its settings and locks gone.
            ((int)await ScalarAsync(again, "select pg_backend_pid()")).ShouldBe(backend);
            (await ScalarAsync(again, "select count(*) from pg_prepared_statements")).ShouldBeGreaterThan(0);
            (await ScalarAsync(again, "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")).ShouldBe(0);
        }
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ProvinceConnectionString) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        (await ScalarAsync(other, "select case when pg_try_advisory_lock(424242) then 1 else 0 end")).ShouldBe(1);
    }

    [Theory]
    [InlineData("Host=localhost;Max Auto Prepare=0", 0)]
    [InlineData("Host=localhost;Max Auto Prepare=7", 7)]
    [InlineData("Host=localhost;max auto prepare=3", 3)]
    [InlineData("Host=localhost", StatementPreparation.MaxAutoPrepare)]
    public void an_operators_connection_string_that_names_it_keeps_its_own_value(string connectionString, int expected)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        StatementPreparation.Configure(builder);
        builder.ConnectionStringBuilder.MaxAutoPrepare.ShouldBe(expected);
    }
}
