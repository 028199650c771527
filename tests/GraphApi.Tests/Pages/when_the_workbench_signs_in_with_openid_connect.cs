using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Pages;

/// <summary>
/// Auth:Oidc (issue 21): the API trusts the tokens of a configured OpenID Connect provider, checked against
/// the keys the provider publishes, its issuer and the workbench's audience; the workbench signs in there
/// (authorization code with PKCE, against a stub provider), keeps the token in memory only, and after the
/// token expires and the officer signs in again its subscription resumes after the last event it saw.
/// </summary>
[RunsLong]
public class when_the_workbench_signs_in_with_openid_connect(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string ClientId = "caseengine-workbench";
    private const string InboxQuery = "{ inbox(departmentId: \"340101-PO\", first: 1) { totalCount } }";

    [Fact]
    public async Task the_api_accepts_the_providers_tokens_and_refuses_one_with_another_key_or_audience()
    {
        await using var provider = await StubIdentityProvider.StartAsync(ClientId, TimeSpan.FromMinutes(5), "officer-oidc", "OFFICER", "340101-PO");
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = provider.Authority.ToString(),
            ["Auth:Oidc:ClientId"] = ClientId,
        });
        (await api.Data(InboxQuery, token: provider.Token())).GetProperty("inbox").GetProperty("totalCount").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        (await api.GraphQL(InboxQuery, token: provider.Token(unpublishedKey: true))).Code.ShouldBe("UNAUTHENTICATED");
        (await api.GraphQL(InboxQuery, token: provider.Token(audience: "another-client"))).Code.ShouldBe("UNAUTHENTICATED");
        // The API's own tokens still work beside the provider's.
        (await api.Data(InboxQuery, token: api.Officer("340101-PO"))).GetProperty("inbox").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public async Task the_workbench_signs_in_and_after_the_token_expires_resumes_its_subscription_where_it_stopped()
    {
        await Chromium.EnsureAsync(output);
        // Tokens live 20 s: the test waits for a real expiry (the server process checks exp on the wall clock); long enough
        // for signing in, the inbox and the first live row on a loaded machine.
        await using var provider = await StubIdentityProvider.StartAsync(ClientId, TimeSpan.FromSeconds(20), "officer-oidc", "OFFICER", "340101-PO");
        await using var server = await ServerProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Auth__Oidc__Authority"] = provider.Authority.ToString(),
            ["Auth__Oidc__ClientId"] = ClientId,
        });
        var args = JsonSerializer.Serialize(new { subjectBefore = $"签到前 {Guid.NewGuid():N}"[..12], subjectDuring = $"过期时 {Guid.NewGuid():N}"[..12] });
        var (code, text) = await Node.ScriptAsync("workbench-oidc.mjs", [server.BaseUri.ToString(), args, Chromium.Path], TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        code.ShouldBe(0, text);
        var report = JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement;
        report.TryGetProperty("error", out var error).ShouldBeFalse(error.ToString());
        report.GetProperty("consoleErrors").EnumerateArray().Select(e => e.GetString()!)
            .Where(e => !e.Contains("401", StringComparison.Ordinal)).ShouldBeEmpty(text);
        report.GetProperty("who").GetString().ShouldBe("OFFICER 340101-PO");
        // The code and state left the address once exchanged.
        report.GetProperty("addressAfterSignIn").GetString()!.ShouldNotContain("code=");
        report.GetProperty("signedOut").GetString()!.ShouldStartWith("登录已过期");
        provider.Issued.ShouldBe(2);
        // First subscription from the live end; after signing in again, after the last event seen (the gap's events follow).
        var afters = report.GetProperty("subscribeAfter").EnumerateArray().ToList();
        afters.Count.ShouldBe(2, text);
        afters[0].ValueKind.ShouldBe(JsonValueKind.Null);
        afters[1].GetInt64().ShouldBeGreaterThan(0);
        // No token in the browser's storage (the PKCE verifier is gone too once used).
        var storage = report.GetProperty("storage").GetString()!;
        storage.ShouldNotContain("eyJ");
        storage.ShouldNotContain("verifier");
    }
}
