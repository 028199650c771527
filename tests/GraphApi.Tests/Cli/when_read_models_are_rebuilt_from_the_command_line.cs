using CaseEngine.Testing;
using Marten;
using Marten.Events;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Cli;

public class when_read_models_are_rebuilt_from_the_command_line(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_lost_inbox_comes_back_from_the_event_log()
    {
        int before;
        await using (var engine = await Engine.StartAsync(db))
        {
            await engine.SubmitAsync();
            await engine.SubmitAsync(Samples.Complaint(entryRegion: "340102"));
            await engine.Store.SettleAsync(TimeSpan.FromSeconds(60));
            before = await CountAsync("ce_inbox");
            await ExecuteAsync("delete from caseengine.ce_inbox");
        }
        before.ShouldBe(2);
        (await CountAsync("ce_inbox")).ShouldBe(0);

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RebuildCommand.RunAsync(["inbox", $"--ConnectionStrings:Marten={db.ConnectionString}",
            .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")], output, error);

        exit.ShouldBe(0, error.ToString());
        output.ToString().ShouldContain("rebuilt ReadModels (inbox, overdue, statistics, SituationAnalysis)");
        (await CountAsync("ce_inbox")).ShouldBe(before);
    }

    [Fact]
    public async Task it_refuses_in_one_line_while_a_node_is_running_and_runs_once_it_has_stopped()
    {
        var error = new StringWriter();
        await using (var api = await Support.ApiHost.StartAsync(db))
        {
            var exit = await RebuildCommand.RunAsync(["inbox", $"--ConnectionStrings:Marten={db.ConnectionString}",
                .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")], new StringWriter(), error);
            exit.ShouldBe(1);
            var line = error.ToString().Trim();
            line.ShouldNotContain("\n");
            line.ShouldContain("node(s) of this deployment are running");
        }
        // Stopped (its node row removed): the rebuild runs.
        var output = new StringWriter();
        (await RebuildCommand.RunAsync(["inbox", $"--ConnectionStrings:Marten={db.ConnectionString}",
            .. TestKeys.Settings.Select(s => $"--{s.Key}={s.Value}")], output, error)).ShouldBe(0, error.ToString());
        output.ToString().ShouldContain("rebuilt ReadModels (inbox, overdue, statistics, SituationAnalysis)");
    }

    [Fact]
    public async Task an_unknown_projection_is_refused_with_the_known_names()
    {
        var error = new StringWriter();
        (await RebuildCommand.RunAsync(["nonsense"], new StringWriter(), error)).ShouldBe(2);
        error.ToString().ShouldContain("inbox");
    }

    private async Task<int> CountAsync(string table)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select count(*) from caseengine.{table}", conn);
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
