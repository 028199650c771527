using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Pages;

/// <summary>
/// 我的信访 (issue 21): the citizen pages sign in at the configured OpenID Connect provider (a stub here) with a
/// PETITIONER token; signed in, a citizen submits, finds the petition under 我的信访 and acts on it without an
/// access code; the token is kept in memory only.
/// </summary>
[RunsLong]
public class when_a_citizen_signs_in_with_openid_connect(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string ClientId = "caseengine-pages";

    [Fact]
    public async Task a_signed_in_citizen_submits_once_finds_it_in_my_petitions_and_withdraws_it_without_the_access_code()
    {
        await Chromium.EnsureAsync(output);
        var sub = $"citizen-oidc-{Guid.NewGuid():N}";
        await using var provider = await StubIdentityProvider.StartAsync(ClientId, TimeSpan.FromMinutes(5), sub, "PETITIONER", null);
        await using var server = await ServerProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Auth__Oidc__Authority"] = provider.Authority.ToString(),
            ["Auth__Oidc__ClientId"] = ClientId,
        });
        var subject = $"路灯损坏 {Guid.NewGuid():N}"[..14];
        var (code, text) = await Node.ScriptAsync("citizen-oidc.mjs", [server.BaseUri.ToString(), JsonSerializer.Serialize(new { subject }), Chromium.Path],
            TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement;
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        // The lost answer is the only failure the console may show (the request the test aborted).
        report.GetProperty("consoleErrors").EnumerateArray().Select(e => e.GetString()!)
            .Where(e => !e.Contains("net::ERR_FAILED", StringComparison.Ordinal)).ShouldBeEmpty(text);
        report.GetProperty("axe").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("overflow").GetArrayLength().ShouldBe(0, text);
        report.GetProperty("addressAfterSignIn").GetString()!.ShouldNotContain("code=");
        // The resend after the reload waited for the same account; the lost first send had registered it.
        report.GetProperty("refusedWithoutSignIn").GetString()!.ShouldContain("上次提交时您已登录");
        report.GetProperty("listedBeforeResend").GetInt32().ShouldBe(1);
        report.GetProperty("shown").GetString()!.ShouldContain(report.GetProperty("caseNumber").GetString()!);
        report.GetProperty("shownAfter").GetString()!.ShouldContain("已撤回");
        report.GetProperty("withdrawAccessCode").ValueKind.ShouldBe(JsonValueKind.Null, text);
        report.GetProperty("storage").GetString()!.ShouldNotContain("eyJ");
        report.GetProperty("signedOutAfterReload").GetBoolean().ShouldBeTrue();

        // The petition is the provider's user's: its token lists it, withdrawn.
        using var api = new RemoteApi(server.GraphQLUri);
        var mine = (await api.Data("{ myPetitions(province: \"340000\") { subject status } }", token: provider.Token())).GetProperty("myPetitions");
        mine.GetArrayLength().ShouldBe(1);
        mine[0].GetProperty("subject").GetString().ShouldBe(subject);
        mine[0].GetProperty("status").GetString().ShouldBe("WITHDRAWN");
    }
}
