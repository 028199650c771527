using CaseEngine.Testing;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Cli;

/// <summary>
/// The rebuild command over several province databases, side by side (<c>CaseEngine:Rebuild:DatabasesAtOnce</c>):
/// each database's read model comes back from its own log, none from another's.
/// </summary>
public class when_several_province_databases_are_rebuilt(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly Dictionary<string, string> EntryRegions = new()
    {
        [Province.Anhui] = "340102", [Province.Jiangsu] = "320102", [Province.Zhejiang] = "330102",
    };

    [Fact]
    public async Task every_lost_inbox_comes_back_from_its_own_log()
    {
        var before = new Dictionary<string, int>();
        await using (var engine = await Engine.StartAsync(db, configure: o => o.RuleBook = NationalDirectory.Rules()))
        {
            // One petition in Anhui, two in Jiangsu, three in Zhejiang: a read model filled from another
            // province's log would show in the counts.
            var n = 1;
            foreach (var (province, region) in EntryRegions)
            {
                for (var i = 0; i < n; i++)
                    await engine.SubmitAsync(Samples.Complaint(entryRegion: region));
                n++;
            }
            await engine.Store.SettleAsync(TimeSpan.FromSeconds(60));
            foreach (var province in EntryRegions.Keys)
            {
                before[province] = await CountAsync(province);
                await ExecuteAsync(province, "delete from caseengine.ce_inbox");
            }
        }
        before.ShouldBe(new Dictionary<string, int> { [Province.Anhui] = 1, [Province.Jiangsu] = 2, [Province.Zhejiang] = 3 });

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RebuildCommand.RunAsync(["inbox", $"--ConnectionStrings:Marten={db.ConnectionString}",
            $"--CaseEngine:Directory:Divisions={NationalDirectory.DivisionsFolder()}", "--CaseEngine:Rebuild:DatabasesAtOnce=3",
            .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")], output, error);

        exit.ShouldBe(0, error.ToString());
        foreach (var province in EntryRegions.Keys)
            (await CountAsync(province)).ShouldBe(before[province], province);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("lots")]
    public async Task a_count_of_databases_at_once_that_is_not_a_whole_number_from_one_is_refused_in_one_line(string value)
    {
        var error = new StringWriter();
        var exit = await RebuildCommand.RunAsync(["inbox", $"--ConnectionStrings:Marten={db.ConnectionString}",
            $"--CaseEngine:Rebuild:DatabasesAtOnce={value}", .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")], new StringWriter(), error);

        exit.ShouldBe(1);
        var line = error.ToString().Trim();
        line.ShouldNotContain("\n");
        line.ShouldContain("CaseEngine:Rebuild:DatabasesAtOnce");
        line.ShouldNotContain(value == "0" ? "=0" : value);
    }

    private async Task<int> CountAsync(string province)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from caseengine.ce_inbox", conn);
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string province, string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
