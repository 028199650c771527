using CaseEngine.Domain;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Testing;
using Marten;
using Npgsql;
using Weasel.Core;

namespace CaseEngine.Projections.Tests;

public class the_read_side_tables_are_stable_and_indexed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_started_engine_sees_no_schema_difference()
    {
        await using var engine = await Engine.StartAsync(db);
        var migration = await (await engine.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateMigrationAsync();
        migration.Difference.ShouldBe(SchemaPatchDifference.None);
    }

    [Theory]
    [InlineData(ReadSideSchema.StatisticsTable, "day between '2025-01-01' and '2025-12-31'", "ix_ce_statistics_daily_region")]
    [InlineData(ReadSideSchema.OverdueTable, "true", "ix_ce_overdue_region")]
    public async Task a_region_subtree_is_an_index_range(string table, string extra, string index)
    {
        await using var engine = await Engine.StartAsync(db);
        var scope = new DepartmentScope("340100-PO", DepartmentKind.PetitionOffice, "000000.340000.340100");
        await using var connection = (await engine.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("set enable_seqscan = off", connection))
            await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand(
            $"explain select * from {engine.Store.Options.DatabaseSchemaName}.{table} " +
            $"where (region_path = @path or region_path like @descendants) and {extra}", connection);
        explain.Parameters.AddWithValue("path", scope.RegionPath);
        explain.Parameters.AddWithValue("descendants", scope.DescendantPattern);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));
        string.Join('\n', plan).ShouldContain(index);
    }
}
