using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Api;

/// <summary>
/// 我的信访: a signed-in petitioner (a PETITIONER token) lists what it submitted with that token, in its own
/// view (its personal data in clear, nothing internal), and nobody else's; the two reads that find petitions
/// by a field (trackPetition, myPetitions, Petition.duplicates) use an index, not a scan of the province.
/// </summary>
public class when_a_petitioner_lists_its_own_petitions(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Query = "query($p: ID!, $n: Int) { myPetitions(province: $p, first: $n) { id caseNumber status petitioner { name phone } } }";

    [Fact]
    public async Task it_sees_its_own_newest_first_and_no_one_elses()
    {
        await using var api = await ApiHost.StartAsync(db);
        var me = api.Citizen($"citizen-{Guid.NewGuid():N}");
        var (first, _, _) = await api.SubmitAsync(me);
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        var (second, _, _) = await api.SubmitAsync(me, region: "340100");
        await api.SubmitAsync(api.Citizen($"citizen-{Guid.NewGuid():N}"));
        await api.SubmitAsync(token: null); // citizen-1

        var mine = (await api.Data(Query, new { p = "340101" }, me)).GetProperty("myPetitions");
        mine.EnumerateArray().Select(p => Guid.Parse(p.GetProperty("id").GetString()!)).ShouldBe([second, first]);
        mine[0].GetProperty("petitioner").GetProperty("name").GetString().ShouldBe("张三丰");
        mine[0].GetProperty("petitioner").GetProperty("phone").GetString().ShouldBe("13812345678");

        (await api.Data(Query, new { p = "340000", n = 1 }, me)).GetProperty("myPetitions").GetArrayLength().ShouldBe(1);
        // A province with no database here has nothing of it.
        (await api.Data(Query, new { p = "320000" }, me)).GetProperty("myPetitions").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task other_callers_are_refused_with_a_code_and_bad_arguments_are_validation()
    {
        await using var api = await ApiHost.StartAsync(db);
        (await api.GraphQL(Query, new { p = "340000" })).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL(Query, new { p = "340000" }, api.Officer("340101-PO"))).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL(Query, new { p = "340000" }, api.Admin())).Code.ShouldBe("FORBIDDEN");
        foreach (var n in new[] { 101, 0, -1 })
            (await api.GraphQL(Query, new { p = "340000", n }, api.Citizen())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Query, new { p = "中国" }, api.Citizen())).Code.ShouldBe("VALIDATION");
        (await api.GraphQL(Query, new { p = "中国" }, api.Citizen())).Body.ShouldNotContain("中国");
    }

    [Fact]
    public async Task finding_petitions_by_case_number_petitioner_or_duplicate_link_reads_an_index()
    {
        await using var api = await ApiHost.StartAsync(db);
        await api.SubmitAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession("340000");
        foreach (var query in new[]
        {
            session.Query<Domain.Petitions.Petition>().Where(p => p.CaseNumber == "340101-2025-000001").ToCommand(),
            session.Query<Domain.Petitions.Petition>().Where(p => p.SubmitterId == "citizen-1").ToCommand(),
            session.Query<Domain.Petitions.Petition>().Where(p => p.DuplicateOf == Guid.NewGuid()).ToCommand(),
        })
        {
            // With scans priced out the planner takes an index when one matches the query's expression, and
            // only then: a table this small would otherwise be scanned whatever indexes exist.
            await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
            await conn.OpenAsync();
            await using (var off = new NpgsqlCommand("set enable_seqscan = off", conn))
                await off.ExecuteNonQueryAsync();
            await using var explain = new NpgsqlCommand("explain " + query.CommandText, conn);
            foreach (NpgsqlParameter p in query.Parameters)
                explain.Parameters.Add(new NpgsqlParameter(p.ParameterName, p.NpgsqlDbType) { Value = p.Value });
            var plan = string.Join('\n', await ReadPlanAsync(explain));
            plan.ShouldContain("Index", customMessage: plan);
        }
    }

    [Fact]
    public async Task a_province_database_without_the_indexes_gains_them_at_the_next_start()
    {
        // A database from before the indexes (dropped here) is brought up to date when a node starts, the
        // indexes built CONCURRENTLY (outside a transaction: PostgreSQL refuses it inside one).
        async Task<List<string>> IndexesAsync(string? drop = null)
        {
            await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
            await conn.OpenAsync();
            if (drop is not null)
                await using (var dropping = new NpgsqlCommand(drop, conn))
                    await dropping.ExecuteNonQueryAsync();
            await using var cmd = new NpgsqlCommand(
                "select indexname from pg_indexes where schemaname = 'caseengine' and tablename = 'mt_doc_petition' and indexname like '%_idx_%' order by 1", conn);
            var names = new List<string>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                names.Add(reader.GetString(0));
            return names;
        }
        await using (var first = await ApiHost.StartAsync(db))
            await first.SubmitAsync();
        var built = await IndexesAsync();
        built.Count.ShouldBe(3, string.Join(", ", built));
        (await IndexesAsync(string.Concat(built.Select(name => $"drop index caseengine.{name};")))).ShouldBeEmpty();

        await using var again = await ApiHost.StartAsync(db);
        (await IndexesAsync()).ShouldBe(built);
        // The DDL Marten applies for them: built concurrently, each on its own.
        var script = again.Services.GetRequiredService<IDocumentStore>().Storage.ToDatabaseScript();
        foreach (var name in built)
            script.ShouldMatch($@"(?is)CREATE INDEX CONCURRENTLY[^;]*\b{name}\b");
        (await again.SubmitAsync()).CaseNumber.ShouldNotBeNullOrEmpty();
    }

    private static async Task<List<string>> ReadPlanAsync(NpgsqlCommand explain)
    {
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return lines;
    }
}
