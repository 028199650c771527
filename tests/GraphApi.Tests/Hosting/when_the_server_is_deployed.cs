using System.Net.Http.Json;
using System.Text;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Hosting;

/// <summary>
/// Secure by default (issue 15, findings 1 and 2): the environment the operator sets is the one that
/// runs, no key that was ever in the repository is accepted, and outside Development every key must be
/// configured or the start stops with one line naming it.
/// </summary>
public class when_the_server_is_deployed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    /// <summary>The constants the source carried until issue 15: public, so never a key.</summary>
    private const string PublishedSigningKey = "caseengine-development-signing-key-not-for-production";
    private const string PublishedAccessCodeKey = "caseengine-development-access-code-key";
    private const string PublishedHashKey = "caseengine-development-petitioner-hash-key";

    private Dictionary<string, string> Production(params (string Name, string Value)[] overrides)
    {
        var environment = new Dictionary<string, string>(TestKeys.EnvironmentVariables)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Marten"] = db.ConnectionString,
            ["CaseEngine__DuplicateDetection"] = "false",
        };
        foreach (var (name, value) in overrides)
            environment[name] = value;
        return environment;
    }

    private static string[] Urls => ["--urls", $"http://127.0.0.1:{ProgramRun.FreePort()}"];

    [Fact]
    public async Task dotnet_run_keeps_the_environment_the_operator_set_and_the_token_command_refuses_in_production()
    {
        var run = await ProgramRun.DotnetRunAsync(["token", "--role", "ADMIN", "--sub", "mallory"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        run.Output.ShouldNotContain("eyJ", customMessage: "an ADMIN token was minted under ASPNETCORE_ENVIRONMENT=Production:\n" + run.All);
        run.ExitCode.ShouldBe(1, run.All);
    }

    [Fact]
    public async Task a_development_server_without_keys_refuses_the_published_key_and_accepts_the_token_command_s_generated_one()
    {
        var data = ProgramRun.NewDataFolder();
        var noKeys = new Dictionary<string, string>
        {
            ["XDG_DATA_HOME"] = data,
            ["Auth__SigningKey"] = "",
            ["CaseEngine__AccessCodeKey"] = "",
            ["CaseEngine__PetitionerHashKey"] = "",
        };
        await using var server = await ServerProcess.StartAsync(db.ConnectionString, noKeys);
        using var http = new HttpClient();

        // Anyone who reads the repository could sign this: it must not make an ADMIN.
        var forged = await PostAsync(http, server, Sign(PublishedSigningKey));
        forged.ShouldContain("UNAUTHENTICATED", customMessage: "a token signed with the key published in the source was accepted");

        var minted = await ProgramRun.DllAsync(["token", "--role", "ADMIN", "--sub", "admin-dev"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["XDG_DATA_HOME"] = data });
        minted.ExitCode.ShouldBe(0, minted.All);
        var answer = await PostAsync(http, server, minted.Output.Trim());
        answer.ShouldNotContain("errors", customMessage: answer);

        var folder = Path.Combine(data, "caseengine");
        var file = Path.Combine(folder, "development-keys.json");
        File.Exists(file).ShouldBeTrue("the development keys are kept in the user's data folder");
        if (OperatingSystem.IsWindows())
            return;
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(folder).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Theory]
    [InlineData("Auth__SigningKey", "Auth:SigningKey")]
    [InlineData("CaseEngine__AccessCodeKey", "CaseEngine:AccessCodeKey")]
    [InlineData("CaseEngine__PetitionerHashKey", "CaseEngine:PetitionerHashKey")]
    public async Task outside_development_a_missing_key_stops_the_start_with_one_line_naming_it(string variable, string setting)
    {
        var run = await ProgramRun.DllAsync(Urls, Production((variable, "")));

        run.ExitCode.ShouldNotBeNull($"the server started without {setting}:\n{run.All}");
        run.ExitCode.ShouldNotBe(0, run.All);
        run.Lines.ShouldHaveSingleItem(run.All).ShouldContain(setting);
    }

    [Theory]
    [InlineData("Auth__SigningKey", PublishedSigningKey, "Auth:SigningKey")]
    [InlineData("CaseEngine__AccessCodeKey", PublishedAccessCodeKey, "CaseEngine:AccessCodeKey")]
    [InlineData("CaseEngine__PetitionerHashKey", PublishedHashKey, "CaseEngine:PetitionerHashKey")]
    public async Task a_key_that_was_published_in_the_repository_is_refused(string variable, string published, string setting)
    {
        var run = await ProgramRun.DllAsync(Urls, Production((variable, published)));

        run.ExitCode.ShouldNotBeNull($"the server started with the published {setting}:\n{run.All}");
        run.ExitCode.ShouldNotBe(0, run.All);
        run.Lines.ShouldHaveSingleItem(run.All).ShouldContain(setting);
    }

    private static async Task<string> PostAsync(HttpClient http, ServerProcess server, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.GraphQLUri)
        {
            Content = JsonContent.Create(new { query = "{ __schema { queryType { name } } }" }),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static string Sign(string key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "caseengine",
        Audience = "caseengine",
        Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["role"] = "ADMIN" },
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
}
