using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Tests.SituationAnalysis;

/// <summary>
/// 形势研判 for the nation over four databases (issue 20): the surge workload spread over the national office's,
/// Anhui's, Jiangsu's and Zhejiang's databases through the real workflow. The analysis read side by side from the
/// four must be exactly the analysis of the same rows in one database: the counts added, and every keyword's
/// TF-IDF from the counts and baseline size of all four (a word one database's period lacks still has baseline
/// subjects there).
/// </summary>
[RunsLong]
public class when_the_nation_is_analysed_over_its_databases(NationAndThreeProvinces db) : IClassFixture<NationAndThreeProvinces>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task the_national_report_equals_the_report_of_all_their_rows_in_one_database()
    {
        var rules = NationalDirectory.Rules();
        var directory = rules.Directory;
        var seeded = SurgeWorkload.Generate();
        await using var engine = await Engine.StartAsync(db, new FakeClock(seeded[0].ReceivedAt), o => o.RuleBook = rules);
        // The demo's counties of 340100 become counties of a city in one of three provinces, by county; the
        // city's own office becomes the national office; 3402xx stays in Anhui's 340200.
        string[] cities = ["340100", "320100", "330100"];
        string Place(string region)
        {
            if (region == SurgeWorkload.City)
                return DepartmentDirectory.NationalCode;
            var number = int.Parse(region[4..], System.Globalization.CultureInfo.InvariantCulture);
            var city = region.StartsWith("3402", StringComparison.Ordinal) ? "340200" : cities[number % 3];
            var counties = directory.ChildrenOf(city).ToList();
            return counties[number % counties.Count].Code;
        }
        foreach (var p in seeded)
        {
            engine.Clock.SetUtcNow(p.ReceivedAt);
            await engine.SendAsync(new CommandEnvelope(Engine.As(new Actor($"citizen-{p.Index}", Role.Petitioner, null)),
                (p with { EntryRegion = Place(p.EntryRegion) }).Command(p.Index)));
        }
        await engine.Store.SettleAsync(Settle);

        string[] databases = [Province.Nation, Province.Anhui, Province.Jiangsu, Province.Zhejiang];
        var national = await SituationAnalysisQueries.AnalyseAsync(engine.Store, databases, directory, DepartmentDirectory.NationalCode,
            AnalysisPeriod.Month, SurgeWorkload.June);
        var anhui = await SituationAnalysisQueries.AnalyseAsync(engine.Store, databases, directory, Province.Anhui,
            AnalysisPeriod.Month, SurgeWorkload.June);

        // The workload is spread: every province ranks among the nation's regions, and the June total is the seed's.
        national.Regions.Select(r => r.Key).Order().ShouldBe([Province.Jiangsu, Province.Zhejiang, Province.Anhui]);
        national.Received.ShouldBe(seeded.Count(p => DateOnly.FromDateTime(p.ReceivedAt.DateTime) >= SurgeWorkload.June));
        national.Keywords.Count.ShouldBe(SituationAnalysisQueries.KeywordCount);
        // The second pass has work: some word of a database's baseline is missing from that database's period.
        (await WordsOnlyInTheBaselineAsync(databases, Table(engine))).ShouldBeGreaterThan(0);

        // All rows into the national office's database: its single-database analysis must be the same.
        await CopyRowsAsync(from: [Province.Anhui, Province.Jiangsu, Province.Zhejiang], to: Province.Nation, Table(engine));
        await using var session = engine.Store.QuerySession(Province.Nation);
        national.ShouldBeEquivalentTo(await SituationAnalysisQueries.AnalyseAsync(session, directory, DepartmentDirectory.NationalCode,
            AnalysisPeriod.Month, SurgeWorkload.June));
        // A province read at the national level: its own database's analysis.
        await using var own = engine.Store.QuerySession(Province.Anhui);
        anhui.ShouldBeEquivalentTo(await SituationAnalysisQueries.AnalyseAsync(own, directory, Province.Anhui, AnalysisPeriod.Month, SurgeWorkload.June));
    }

    private string ConnectionStringOf(string database) => db.ProvinceConnectionStringOf(database);

    private static string Table(Engine engine) => SituationAnalysisSchema.Qualified(engine.Store.Options.DatabaseSchemaName);

    private async Task<int> WordsOnlyInTheBaselineAsync(IEnumerable<string> databases, string table)
    {
        var found = 0;
        foreach (var database in databases)
        {
            await using var connection = new NpgsqlConnection(ConnectionStringOf(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"""
                select count(*) from (
                    select k from {table}, unnest(keywords) k
                    where received_day >= @from and received_day < @end group by k
                    having count(*) filter (where received_day >= @start) = 0) words
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = new DateOnly(2025, 2, 1) });
            command.Parameters.Add(new NpgsqlParameter("start", NpgsqlDbType.Date) { Value = SurgeWorkload.June });
            command.Parameters.Add(new NpgsqlParameter("end", NpgsqlDbType.Date) { Value = new DateOnly(2025, 7, 1) });
            found += (int)(long)(await command.ExecuteScalarAsync())!;
        }
        return found;
    }

    private async Task CopyRowsAsync(IEnumerable<string> from, string to, string table)
    {
        await using var target = new NpgsqlConnection(ConnectionStringOf(to));
        await target.OpenAsync();
        foreach (var source in from)
        {
            await using var connection = new NpgsqlConnection(ConnectionStringOf(source));
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand(
                $"select petition_id, region_path, category, received_day, keywords from {table}", connection);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                await using var insert = new NpgsqlCommand(
                    $"insert into {table} (petition_id, region_path, category, received_day, keywords) values ($1, $2, $3, $4, $5)", target);
                insert.Parameters.Add(new NpgsqlParameter { Value = reader.GetGuid(0) });
                insert.Parameters.Add(new NpgsqlParameter { Value = reader.GetString(1) });
                insert.Parameters.Add(new NpgsqlParameter { Value = reader.GetString(2) });
                insert.Parameters.Add(new NpgsqlParameter { Value = reader.GetFieldValue<DateOnly>(3) });
                insert.Parameters.Add(new NpgsqlParameter { Value = reader.GetFieldValue<string[]>(4) });
                await insert.ExecuteNonQueryAsync();
            }
        }
    }
}
