using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Auth;

/// <summary>Bearer tokens exactly as access.md says: HS256 and RS256, claims sub/role/dept/exp, a bad token never anonymous.</summary>
public class when_tokens_are_checked(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Key = "a-test-signing-key-that-is-long-enough-0123456789";

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
        await Should.ThrowAsync<Exception>(() => ApiHost.StartAsync(db, environment: "Production"));

        await using var api = await ApiHost.StartAsync(db, environment: "Production", settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = Key });
        (await api.GraphQL("{ __schema { queryType { name } } }", token: api.Auditor())).Code.ShouldBe("FORBIDDEN");
        (await api.GraphQL("{ __schema { queryType { name } } }", token: api.Admin())).HasErrors.ShouldBeFalse();
        // The development key is not accepted where a real key is configured.
        var devKey = new TokenService(new AuthOptions(), development: true, RuleBook.Demo()).Mint("x", Role.Admin, null, TimeSpan.FromHours(1));
        (await api.GraphQL("{ __typename }", token: devKey)).Code.ShouldBe("UNAUTHENTICATED");
    }

    [Fact]
    public void a_short_key_is_refused()
    {
        Should.Throw<InvalidOperationException>(() => new TokenService(new AuthOptions { SigningKey = "short" }, development: true, RuleBook.Demo()));
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
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output.Trim());
        }

        var (code, token) = await Run("Development");
        code.ShouldBe(0);
        var caller = await new TokenService(new AuthOptions(), development: true, RuleBook.Demo()).ValidateAsync(token);
        caller.Actor.ShouldBe(new Actor("li", Role.Officer, "340101-PO"));

        (await Run("Production")).Item1.ShouldBe(1);
    }
}
