using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Rules;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>dotnet run --project src/GraphApi -- token --role OFFICER --dept 340101-PO [--sub id] [--hours 8]</c>:
/// prints a development token signed with the server's HS256 key: the configured one, else the
/// development key file's (<see cref="DevelopmentKeyFile"/>), the same the Development server uses.
/// Only in Development, chosen as the server chooses it (<see cref="ServerEnvironment"/>): with
/// <c>ASPNETCORE_ENVIRONMENT=Production</c> it refuses, under <c>dotnet run</c> too. Elsewhere tokens
/// come from the identity provider.
/// </summary>
public static class TokenCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var options = Options(args);
        if (options is null || !options.TryGetValue("role", out var roleName) || !Roles.TryParse(roleName.ToUpperInvariant(), out var role) || role == Role.System)
        {
            error.WriteLine("usage: token --role PETITIONER|OFFICER|SUPERVISOR|AUDITOR|INTEGRATOR|ADMIN [--dept <department id>] [--sub <id>] [--hours <n>]");
            return 2;
        }
        var builder = WebApplication.CreateBuilder(ServerEnvironment.Options([]));
        if (!builder.Environment.IsDevelopment())
        {
            error.WriteLine($"the token command runs only in Development (this is {builder.Environment.EnvironmentName}, from ASPNETCORE_ENVIRONMENT); elsewhere tokens come from the identity provider");
            return 1;
        }
        var auth = new AuthOptions();
        builder.Configuration.GetSection(AuthOptions.Section).Bind(auth);
        TokenService service;
        try
        {
            service = TokenService.Create(auth, new ServerKeys(builder.Configuration, builder.Environment), RuleBook.Demo());
            if (!service.CanMint)
            {
                error.WriteLine("only Auth:RsaPublicKeyPem is configured: tokens come from that identity provider");
                return 1;
            }
        }
        catch (StartupException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
        var rules = RuleBook.Demo();
        options.TryGetValue("dept", out var dept);
        if (role is Role.Officer or Role.Supervisor && dept is null)
        {
            error.WriteLine("OFFICER and SUPERVISOR tokens need --dept (e.g. 340101-PO)");
            return 2;
        }
        if (dept is not null && rules.Directory.FindDepartment(dept) is null)
            error.WriteLine($"warning: {dept} is not in the demo directory");
        var hours = options.TryGetValue("hours", out var h) && int.TryParse(h, out var n) && n > 0 ? n : 8;
        var sub = options.TryGetValue("sub", out var s) ? s : $"{Roles.Name(role).ToLowerInvariant()}-dev";
        output.WriteLine(service.Mint(sub, role, dept, TimeSpan.FromHours(hours)));
        return 0;
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                return null;
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }
}
