using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Pages;

/// <summary>
/// The officers' workbench (issue 21) in a real browser against a real server process (Development: the
/// token form): the inbox updates live, the offered acts work, a second tab meets the conflict and is
/// refreshed, statistics move, an auditor time-travels, another department cannot open the petition.
/// </summary>
[RunsLong]
public class when_an_officer_uses_the_workbench(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_inbox_is_live_the_offered_acts_work_a_stale_tab_is_told_and_an_auditor_time_travels()
    {
        await Chromium.EnsureAsync(output);
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        var subject = $"工作台 {Guid.NewGuid():N}"[..12];
        var args = JsonSerializer.Serialize(new
        {
            office = RemoteApi.Token(Role.Officer, "officer@340101-PO", "340101-PO"),
            agency = RemoteApi.Token(Role.Officer, "officer@340101-EDU", "340101-EDU"),
            other = RemoteApi.Token(Role.Officer, "officer@340102-PO", "340102-PO"),
            auditor = RemoteApi.Token(Role.Auditor, "auditor-1"),
            supervisor = RemoteApi.Token(Role.Supervisor, "supervisor@340100-PO", "340100-PO"),
            subject,
        });
        var (code, text) = await Node.ScriptAsync("workbench.mjs", [server.BaseUri.ToString(), args, Chromium.Path], TimeSpan.FromMinutes(4));
        output.WriteLine(text);
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement;
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        report.GetProperty("foreignRequests").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("failedResponses").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("axe").GetArrayLength().ShouldBe(0, text);

        report.GetProperty("live").GetString().ShouldBe("有新的变化，已更新。");
        report.GetProperty("filtered").GetBoolean().ShouldBeTrue();
        report.GetProperty("officeActs").EnumerateArray().Select(a => a.GetString()).ShouldBe(["转送", "不予受理", "改变类别"], ignoreOrder: true);
        report.GetProperty("forwarded").GetString().ShouldBe("已转送。");
        report.GetProperty("accepted").GetString().ShouldBe("已受理。");
        report.GetProperty("conflict").GetString().ShouldBe("该事项已被他人处理，页面已刷新为最新状态，请确认后再操作。");
        report.GetProperty("statusAfterConflict").GetString().ShouldBe("办理中");
        report.GetProperty("receivedAfter").GetInt32().ShouldBe(report.GetProperty("receivedBefore").GetInt32() + 1);
        report.GetProperty("asOf").GetString()!.ShouldContain("已转送");
        report.GetProperty("otherDepartment").GetString().ShouldBe("没有找到对应的信访事项，请核对信访件编号和查询码。");
        report.GetProperty("situation").GetString()!.ShouldContain("收件");
        report.GetProperty("phoneOverflow").GetArrayLength().ShouldBe(0, text);

        // The stale tab changed nothing: one acceptance.
        using var api = new RemoteApi(server.GraphQLUri);
        var history = (await api.Data("query($id: ID!) { history(petitionId: $id) { type } }", new { id = report.GetProperty("id").GetString() },
            RemoteApi.Token(Role.Auditor, "auditor-1"))).GetProperty("history").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        history.Count(t => t == "PetitionAccepted").ShouldBe(1);
    }
}
