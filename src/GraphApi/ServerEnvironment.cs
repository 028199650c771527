namespace CaseEngine.GraphApi;

/// <summary>
/// Which environment runs and where it listens when the operator said nothing. The environment the
/// operator sets (<c>ASPNETCORE_ENVIRONMENT</c>, <c>DOTNET_ENVIRONMENT</c>, <c>--environment</c>)
/// always wins; only when none is set does <c>CASEENGINE_DEFAULT_ENVIRONMENT</c> choose — the launch
/// profile sets it to Development, so <c>dotnet run</c> gives a newcomer a Development server while
/// a deployed build without a setting stays Production. (A launch profile's
/// <c>ASPNETCORE_ENVIRONMENT</c> would override the shell's: that is why the profile does not set it.)
/// </summary>
public static class ServerEnvironment
{
    public const string DefaultEnvironmentVariable = "CASEENGINE_DEFAULT_ENVIRONMENT";

    /// <summary>Loopback only: a server someone did not place on a network address is not on one.</summary>
    public const string DefaultUrls = "http://localhost:5080";

    public static WebApplicationOptions Options(string[] args)
    {
        var chosen = Set("ASPNETCORE_ENVIRONMENT") || Set("DOTNET_ENVIRONMENT")
            || !string.IsNullOrWhiteSpace(new ConfigurationBuilder().AddCommandLine(args).Build()[HostDefaults.EnvironmentKey]);
        var fallback = Environment.GetEnvironmentVariable(DefaultEnvironmentVariable);
        return new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = chosen || string.IsNullOrWhiteSpace(fallback) ? null : fallback.Trim(),
        };
    }

    /// <summary>Listens on <see cref="DefaultUrls"/> unless urls, ports or Kestrel endpoints are configured.</summary>
    public static void UseDefaultUrls(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            && !configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
            builder.WebHost.UseUrls(DefaultUrls);
    }

    private static bool Set(string variable) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable));
}
