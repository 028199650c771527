using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Auth;

/// <summary>Bearer tokens exactly as access.md says: HS256 and RS256, claims sub/role/dept/exp, a bad token never anonymous.</summary>
public class when_tokens_are_checked(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly string Key = TestKeys.New();

    private static string Sign(SigningCredentials credentials, Dictionary<string, object> claims, string issuer = "caseengine",
        string audience = "caseengine", DateTime? expires = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = DateTime.UtcNow.AddMinutes(-5),
            IssuedAt = DateTime.UtcNow.AddMinutes(-5),
            Expires = expires ?? DateTime.UtcNow.AddHours(1),
            SigningCredentials = credentials,
        });

    private static Dictionary<string, object> Claims(string role, string? dept = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "u-1", ["role"] = role };
        if (dept is not null)
            claims["dept"] = dept;
        return claims;
    }

    [Fact]
    public async Task hs256_and_rs256_tokens_prove_the_caller_and_bad_ones_are_unauthenticated()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportSubjectPublicKeyInfoPem();
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = Key,
            ["Auth:RsaPublicKeyPem"] = pem,
        });
        var hs = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256);
        var rs = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
        const string inbox = "{ inbox(departmentId: \"340101-PO\") { totalCount } }";

        // A valid officer token reaches its own inbox; the same officer may not read another office's.
        (await api.GraphQL(inbox, token: Sign(hs, Claims("OFFICER", "340101-PO")))).HasErrors.ShouldBeFalse();
        (await api.GraphQL(inbox, token: Sign(rs, Claims("OFFICER", "340101-PO")))).HasErrors.ShouldBeFalse();
        (await api.GraphQL(inbox, token: Sign(rs, Claims("OFFICER", "340102-PO")))).Code.ShouldBe("FORBIDDEN");

        var otherKey = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key + "-other")), SecurityAlgorithms.HmacSha256);
        using var otherRsa = RSA.Create(2048);
        string[] bad =
        [
            Sign(otherKey, Claims("OFFICER", "340101-PO")),
            Sign(new SigningCredentials(new RsaSecurityKey(otherRsa), SecurityAlgorithms.RsaSha256), Claims("OFFICER", "340101-PO")),
            Sign(hs, Claims("OFFICER", "340101-PO"), expires: DateTime.UtcNow.AddMinutes(-2)),
            Sign(hs, Claims("OFFICER", "340101-PO"), issuer: "someone-else"),
            Sign(hs, Claims("OFFICER", "340101-PO"), audience: "someone-else"),
            Sign(hs, Claims("OFFICER")),
            Sign(hs, Claims("SUPERVISOR", "340101-EDU")),
            Sign(hs, Claims("OFFICER", "no-such-dept")),
            Sign(hs, Claims("SYSTEM")),
            Sign(hs, Claims("KING")),
            Sign(hs, new Dictionary<string, object> { ["role"] = "AUDITOR" }),
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "caseengine", Audience = "caseengine", Claims = Claims("ADMIN"), Expires = DateTime.UtcNow.AddHours(1),
            }),
            "garbage",
        ];
        foreach (var token in bad)
        {
            // Even on a query anyone may make: a bad token is never treated as anonymous.
            var result = await api.GraphQL("{ region(code: \"34\") { name } }", token: token);
            result.Code.ShouldBe("UNAUTHENTICATED", token);
            result.Root.TryGetProperty("data", out _).ShouldBeFalse();
        }
        var wrongScheme = await api.GraphQL("{ __typename }", headers: new Dictionary<string, string> { ["Authorization"] = "Basic dTpw" });
        wrongScheme.Code.ShouldBe("UNAUTHENTICATED");
    }

    [Fact]
    public async Task outside_development_the_server_refuses_to_start_without_a_key_and_hides_introspection()
    {
        // (Alba reports the failed start as its own exception; the one-line message is tested on the real process, Hosting/when_the_server_is_deployed.)
        await Should.ThrowAsync<Exception>(() => ApiHost.StartAsync(db, environment: "Production",
            settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = "" }));

        await using var api = await ApiHost.StartAsync(db, environment: "Production", settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = Key });
        (await api.GraphQL("{ __schema { queryType { name } } }", token: api.Auditor())).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL("{ __schema { queryType { name } } }", token: api.Admin())).HasErrors.ShouldBeFalse();
        // Another key (a development key file's, say) is not accepted where a real key is configured.
        var devKey = new TokenService(new AuthOptions(), KeyRing.Of("Auth:SigningKey", DevelopmentKeyFile.Id, TestKeys.New()), RuleBook.Demo())
            .Mint("x", Role.Admin, null, TimeSpan.FromHours(1));
        (await api.GraphQL("{ __typename }", token: devKey)).Code.ShouldBe("UNAUTHENTICATED");
    }

    [Fact]
    public void a_short_key_is_refused_even_in_development()
    {
        var keys = new ServerKeys(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:SigningKey"] = "short" }).Build(),
            new HostingEnvironment { EnvironmentName = "Development" });
        Should.Throw<StartupException>(() => TokenService.Create(new AuthOptions(), keys, RuleBook.Demo())).Message.ShouldContain("Auth:SigningKey");
    }

    [Fact]
    public void a_malformed_identity_provider_key_is_one_line_naming_the_setting()
    {
        var refused = Should.Throw<StartupException>(() => new TokenService(new AuthOptions { RsaPublicKeyPem = "garbage-1f2e3d" }, null, RuleBook.Demo()));
        refused.Message.ShouldContain("Auth:RsaPublicKeyPem");
        refused.Message.ShouldNotContain("garbage-1f2e3d");
    }

    [Fact]
    public async Task keys_carry_an_id_and_a_rotated_out_key_still_verifies()
    {
        var current = TestKeys.New();
        var previous = TestKeys.New();
        await using var api = await ApiHost.StartAsync(db, environment: "Production", settings: new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = "",
            ["Auth:SigningKeys:0:Id"] = "2026-12",
            ["Auth:SigningKeys:0:Secret"] = current,
            ["Auth:SigningKeys:1:Id"] = "2026-06",
            ["Auth:SigningKeys:1:Secret"] = previous,
        });
        var minted = api.Auditor();
        new JsonWebToken(minted).Kid.ShouldBe("2026-12");
        (await api.GraphQL("{ __typename }", token: minted)).HasErrors.ShouldBeFalse();
        var old = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(previous)) { KeyId = "2026-06" }, SecurityAlgorithms.HmacSha256);
        (await api.GraphQL("{ __typename }", token: Sign(old, Claims("AUDITOR")))).HasErrors.ShouldBeFalse();
        var retired = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestKeys.New())) { KeyId = "2025-12" }, SecurityAlgorithms.HmacSha256);
        (await api.GraphQL("{ __typename }", token: Sign(retired, Claims("AUDITOR")))).Code.ShouldBe("UNAUTHENTICATED");

        // Access codes: new ones from the current key, the ones handed out under the old key still open the petition.
        var id = Guid.NewGuid();
        var before = new AccessCodes(KeyRing.Of("CaseEngine:AccessCodeKey", "2026-06", previous)).For(id);
        var rotated = new AccessCodes(new KeyRing("CaseEngine:AccessCodeKey",
            [new SecretKey("2026-12", Encoding.UTF8.GetBytes(current)), new SecretKey("2026-06", Encoding.UTF8.GetBytes(previous))]));
        rotated.Verify(id, before).ShouldBeTrue();
        rotated.For(id).ShouldNotBe(before);
        rotated.Verify(id, rotated.For(id)).ShouldBeTrue();
        new AccessCodes(KeyRing.Of("CaseEngine:AccessCodeKey", "2026-12", current)).Verify(id, before).ShouldBeFalse();
    }

    [Fact]
    public async Task the_token_command_mints_a_development_token_and_refuses_elsewhere()
    {
        var dll = Path.Combine(Repository.Root, "src", "GraphApi", "bin",
            AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "CaseEngine.GraphApi.dll");
        async Task<(int, string)> Run(string environment)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { dll, "token", "--role", "OFFICER", "--dept", "340101-PO", "--sub", "li" })
                start.ArgumentList.Add(a);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
            start.Environment.Remove("Auth__SigningKey");
            // The development key file goes to a private data folder, not the user's.
            start.Environment["XDG_DATA_HOME"] = ProgramRun.NewDataFolder();
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output.Trim());
        }

        var (code, token) = await Run("Development");
        code.ShouldBe(0);
        var jwt = new JsonWebToken(token);
        jwt.Kid.ShouldBe(DevelopmentKeyFile.Id);
        jwt.GetClaim("sub").Value.ShouldBe("li");
        jwt.GetClaim("role").Value.ShouldBe("OFFICER");
        jwt.GetClaim("dept").Value.ShouldBe("340101-PO");

        (await Run("Production")).Item1.ShouldBe(1);
    }
}
