using System.Text.Json;
using Alba;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Http;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Pages;

/// <summary>
/// The citizen pages (手机信访, issue 21) in a real browser on a phone-sized screen, against a real server
/// process: a citizen reads a notice, submits (the first answer lost, then a double tap: one petition),
/// tracks with the access code, and after an officer's reply evaluates as dissatisfied and requests review.
/// Every step waits on the page (playwright's locators), never on a timer.
/// </summary>
[RunsLong]
public class when_a_citizen_uses_the_mobile_pages(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static JsonElement Report(int code, string text)
    {
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement.Clone();
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        report.GetProperty("foreignRequests").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("failedResponses").EnumerateArray().Select(r => r.GetString()!).Where(r => r.StartsWith('5')).ShouldBeEmpty(text);
        // The lost answer is the only failure a console may show (the request the test aborted); no CSP violation, no script error.
        report.GetProperty("consoleErrors").EnumerateArray().Select(e => e.GetString()!).Where(e => !e.Contains("net::ERR_FAILED", StringComparison.Ordinal))
            .ShouldBeEmpty(text);
        report.GetProperty("axe").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("overflow").GetArrayLength().ShouldBe(0, text);
        return report;
    }

    [Fact]
    public async Task a_citizen_reads_a_notice_submits_once_tracks_and_after_the_reply_evaluates_and_requests_review()
    {
        await Chromium.EnsureAsync(output);
        await using var server = await ServerProcess.StartAsync(db.ConnectionString);
        using var api = new RemoteApi(server.GraphQLUri);
        var baseUrl = server.BaseUri.ToString();

        // ADMIN publishes a notice; its body tries to smuggle a script in.
        var notice = $"信访须知 {Guid.NewGuid():N}"[..12];
        await api.Data("mutation($i: PublicationInput!) { publishPublication(input: $i) { id } }", new
        {
            i = new { scope = "340000", kind = "NOTICE", title = notice, source = "《信访工作条例》", body = "第一条 信访人应当**如实**反映情况。<script>alert(1)</script>" },
        }, RemoteApi.Token(Role.Admin, "admin-1"));

        // The first load as a phone on a slow network sees it (reported, not asserted: timing lives in the results).
        var (loadCode, loadText) = await Node.ScriptAsync("citizen.mjs", [baseUrl, "load", JsonSerializer.Serialize(new { notice }), Chromium.Path],
            TimeSpan.FromMinutes(2));
        var load = Report(loadCode, loadText);
        output.WriteLine($"first load under Fast 3G and 4x CPU: {load.GetProperty("throttledLoadMs").GetInt32()} ms, " +
            $"{load.GetProperty("transferredBytes").GetDouble():N0} bytes on the wire");
        foreach (var request in load.GetProperty("requests").EnumerateArray())
            output.WriteLine($"  {request}");
        load.GetProperty("transferredBytes").GetDouble().ShouldBeLessThan(150 * 1024);

        var subject = $"村道损坏 {Guid.NewGuid():N}"[..14];
        var (code, text) = await Node.ScriptAsync("citizen.mjs", [baseUrl, "submit", JsonSerializer.Serialize(new { notice, subject }), Chromium.Path],
            TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        var submitted = Report(code, text);
        submitted.GetProperty("noticeText").GetString()!.ShouldContain("如实");
        submitted.GetProperty("noticeText").GetString()!.ShouldContain("<script>alert(1)</script>"); // shown as text
        submitted.GetProperty("noticeScripts").GetInt32().ShouldBe(0);
        submitted.GetProperty("lostAnswer").GetString().ShouldBe("暂时无法连接信访系统，请检查网络后重试。");
        // Sent at least twice (the lost one and the retry; the double tap sends once more at most): one petition.
        submitted.GetProperty("submissions").GetInt32().ShouldBeGreaterThanOrEqualTo(2);
        (await PetitionsWithSubjectAsync(subject)).ShouldBe(1);
        var caseNumber = submitted.GetProperty("caseNumber").GetString()!;
        var accessCode = submitted.GetProperty("accessCode").GetString()!;
        var region = submitted.GetProperty("entryRegion").GetString()!;
        caseNumber.ShouldStartWith(region + "-");
        // The page keeps nothing once the answer came: no access code in storage.
        submitted.GetProperty("storedAfter").GetString()!.ShouldNotContain(accessCode);
        submitted.GetProperty("tracked").GetString()!.ShouldContain("已登记");
        submitted.GetProperty("wrongCode").GetString().ShouldBe("没有找到对应的信访事项，请核对信访件编号和查询码。");
        var firstLoad = submitted.GetProperty("firstLoadBytes").GetInt32();
        output.WriteLine($"first load: {firstLoad:N0} bytes uncompressed");
        firstLoad.ShouldBeLessThan(150 * 1024);

        // The office forwards it, the agency accepts and replies.
        var id = Guid.Parse((await api.Data("query($n: String!, $a: String!) { trackPetition(caseNumber: $n, accessCode: $a) { id } }",
            new { n = caseNumber, a = accessCode })).GetProperty("trackPetition").GetProperty("id").GetString()!);
        var office = $"{region}-PO";
        var agency = $"{region}-EDU";
        await api.Data("mutation($input: ForwardPetitionInput!) { forwardPetition(input: $input) { petition { id } } }",
            new { input = new { commandId = Guid.NewGuid(), petitionId = id, toDepartmentId = agency, mode = "TRANSFER" } },
            RemoteApi.Token(Role.Officer, $"officer@{office}", office));
        await api.Data("mutation($input: AcceptPetitionInput!) { acceptPetition(input: $input) { petition { id } } }",
            new { input = new { commandId = Guid.NewGuid(), petitionId = id } }, RemoteApi.Token(Role.Officer, $"officer@{agency}", agency));
        await api.Data("mutation($input: IssueReplyInput!) { issueReply(input: $input) { petition { id } } }",
            new { input = new { commandId = Guid.NewGuid(), petitionId = id, decision = "PARTIALLY_SUPPORTED", text = "已安排维修，部分诉求不予支持。" } },
            RemoteApi.Token(Role.Officer, $"officer@{agency}", agency));

        (code, text) = await Node.ScriptAsync("citizen.mjs", [baseUrl, "review", JsonSerializer.Serialize(new { caseNumber, accessCode }), Chromium.Path],
            TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        var reviewed = Report(code, text);
        reviewed.GetProperty("reply").GetString().ShouldBe("已安排维修，部分诉求不予支持。");
        reviewed.GetProperty("tracked").GetString()!.ShouldContain("复查中");

        var petition = (await api.Data("query($id: ID!) { petition(id: $id) { status evaluation { satisfaction } } }", new { id },
            RemoteApi.Token(Role.Auditor, "auditor-1"))).GetProperty("petition");
        petition.GetProperty("status").GetString().ShouldBe("UNDER_REVIEW");
        petition.GetProperty("evaluation").GetProperty("satisfaction").GetString().ShouldBe("DISSATISFIED");
    }

    [Fact]
    public async Task the_page_is_served_with_a_policy_that_allows_only_its_own_scripts()
    {
        await using var api = await ApiHost.StartAsync(db, environment: "Production",
            settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = TestKeys.New() });
        var page = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        var html = page.ReadAsText();
        html.ShouldContain("<script type=\"module\" src=\"/web/app.js\"></script>");
        html.ShouldNotContain("<script>");
        html.ShouldNotContain("style=");
        html.ShouldNotContain("https://");
        var csp = page.Context.Response.Headers.ContentSecurityPolicy.ToString();
        csp.ShouldBe(CitizenPages.ContentSecurityPolicy);
        csp.ShouldNotContain("unsafe-inline");
        csp.ShouldContain("script-src 'self'");
        await api.Alba.Scenario(s =>
        {
            s.Get.Url("/web/app.js");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/javascript; charset=utf-8");
        });
        await api.Alba.Scenario(s =>
        {
            s.Get.Url("/web/index.html");
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task the_page_reads_its_first_list_once_per_lifetime_not_once_per_request()
    {
        // GET / is anonymous and outside the per-caller rate limit: a flood of page loads must not become a
        // flood of database reads. A text published now reaches the page's list once the lifetime has passed.
        await using var api = await ApiHost.StartAsync(db);
        // The titles of the page's JSON data block (its text escapes every non-ASCII character).
        async Task<string[]> PageAsync()
        {
            var html = (await api.Alba.Scenario(s => { s.Get.Url("/"); s.StatusCodeShouldBe(200); })).ReadAsText();
            const string open = "id=\"initial-publications\">";
            var start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
            var json = html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)];
            using var block = JsonDocument.Parse(json);
            return [.. block.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()!)];
        }
        await PageAsync();
        var title = $"新通知 {Guid.NewGuid():N}"[..12];
        await api.Data("mutation($i: PublicationInput!) { publishPublication(input: $i) { id } }", new
        {
            i = new { scope = "340000", kind = "NOTICE", title, source = "测试", body = "正文" },
        }, api.Admin());

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PageAsync()));
        (await PageAsync()).ShouldNotContain(title);
        api.Clock.Advance(CitizenPages.InitialListLifetime);
        (await PageAsync()).ShouldContain(title);
    }

    private async Task<long> PetitionsWithSubjectAsync(string subject)
    {
        await using var conn = new NpgsqlConnection(db.ProvinceConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from caseengine.mt_doc_petition where data ->> 'subject' = @s", conn);
        cmd.Parameters.AddWithValue("s", subject);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
