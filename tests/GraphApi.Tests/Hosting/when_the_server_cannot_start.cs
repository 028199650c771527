using System.Net;
using System.Net.Sockets;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Hosting;

/// <summary>
/// Issue 15, finding 20: a start that cannot succeed ends with one line naming the setting and the
/// fix, a non-zero exit and no stack trace; a port in use is found before any database work.
/// </summary>
public class when_the_server_cannot_start
{
    private static Dictionary<string, string> Production(string? connectionString) =>
        new(TestKeys.EnvironmentVariables)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Marten"] = connectionString ?? "",
        };

    /// <summary>A port nothing listens on: connecting to it is refused at once.</summary>
    private static string Unreachable() =>
        $"Host=127.0.0.1;Port={ProgramRun.FreePort()};Database=caseengine;Username=caseengine;Password=unused;Timeout=3";

    private static void ShouldBeOneLine(ProgramRunResult run, params string[] mentions)
    {
        run.ExitCode.ShouldNotBeNull("the server started:\n" + run.All);
        run.ExitCode.ShouldNotBe(0, run.All);
        var line = run.Lines.ShouldHaveSingleItem(run.All);
        foreach (var mention in mentions)
            line.ShouldContain(mention, Case.Sensitive, run.All);
        line.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task a_port_in_use_is_reported_before_the_database_is_touched()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        // The database is unreachable too: the port must be what the operator hears about first.
        var run = await ProgramRun.DllAsync(["--urls", $"http://127.0.0.1:{port}"], Production(Unreachable()));

        ShouldBeOneLine(run, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--urls");
    }

    /// <summary>Issue 16, item 5: every setting is bound one way and checked at the start, before the database.</summary>
    [Theory]
    [InlineData("GraphQL__WebSocket__MaxSockets", "0", "GraphQL:WebSocket:MaxSockets")]
    [InlineData("GraphQL__Limits__MaxBodyBytes", "10", "GraphQL:Limits:MaxBodyBytes")]
    [InlineData("GraphQL__Limits__MaxDepth", "deep", "GraphQL:Limits:MaxDepth")]
    [InlineData("GraphQL__RateLimit__Burst", "0", "GraphQL:RateLimit:Burst")]
    [InlineData("GraphQL__Feed__DeadGapSeconds", "0", "GraphQL:Feed:DeadGapSeconds")]
    [InlineData("GraphQL__ForwardedHeaders__KnownProxies__0", "the-proxy", "GraphQL:ForwardedHeaders:KnownProxies:0")]
    [InlineData("CaseEngine__DeadlineSweep__IntervalSeconds", "0", "CaseEngine:DeadlineSweep:IntervalSeconds")]
    [InlineData("GraphiQL__Enabled", "maybe", "GraphiQL:Enabled")]
    [InlineData("CitizenPages__Province", "340100", "CitizenPages:Province")]
    [InlineData("Auth__Oidc__Authority", "http://idp.example.org", "Auth:Oidc:Authority")]
    [InlineData("CaseEngine__Directory__Divisions", "/no/such/folder", "CaseEngine:Directory:Divisions")]
    public async Task a_bad_setting_names_its_key_in_one_line(string variable, string value, string key)
    {
        // The database is unreachable too: the setting must be what the operator hears about first.
        var run = await ProgramRun.DllAsync(["--urls", $"http://127.0.0.1:{ProgramRun.FreePort()}"],
            new Dictionary<string, string>(Production(Unreachable())) { [variable] = value });

        ShouldBeOneLine(run, key);
    }

    [Fact]
    public async Task a_malformed_connection_string_names_the_setting()
    {
        var run = await ProgramRun.DllAsync(["--urls", $"http://127.0.0.1:{ProgramRun.FreePort()}"],
            Production("Host=127.0.0.1;Port=not-a-port;Sesame=open"));

        ShouldBeOneLine(run, "ConnectionStrings:Marten", "ConnectionStrings__Marten");
        run.All.ShouldNotContain("Sesame");
    }

    [Fact]
    public async Task an_unreachable_database_names_the_setting()
    {
        var run = await ProgramRun.DllAsync(["--urls", $"http://127.0.0.1:{ProgramRun.FreePort()}"], Production(Unreachable()));

        ShouldBeOneLine(run, "ConnectionStrings:Marten", "ConnectionStrings__Marten");
        run.All.ShouldNotContain("unused");
    }
}
