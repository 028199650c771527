using CaseEngine.Domain.Directory;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>The province databases named in configuration (<c>CaseEngine:Provinces:&lt;code&gt;</c>), checked at start.</summary>
public static class ProvinceSettings
{
    public const string Section = "CaseEngine:Provinces";

    /// <summary>
    /// Configuration's provinces with <paramref name="fromCode"/>'s on top. A key that is not a province's
    /// 6-digit code, or a value that is not a connection string, stops the start with one line naming the
    /// setting (never its value: it holds a password).
    /// </summary>
    public static IReadOnlyDictionary<string, string> From(IDictionary<string, string> fromCode, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(fromCode);
        ArgumentNullException.ThrowIfNull(configuration);
        var provinces = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection(Section).GetChildren())
            if (!string.IsNullOrWhiteSpace(child.Value))
                provinces[child.Key] = child.Value;
        foreach (var (code, connectionString) in fromCode)
            provinces[code] = connectionString;
        foreach (var (code, connectionString) in provinces)
        {
            var setting = $"{Section}:{code} (env {Section.Replace(":", "__", StringComparison.Ordinal)}__{code})";
            if (Provinces.Of(code) != code)
                throw new StartupException($"{setting}: a province database is named by its province's 6-digit code, e.g. {Section}:340000");
            try
            {
                _ = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw new StartupException($"{setting} is not a valid PostgreSQL connection string: write it as "
                    + "Host=<host>;Port=5432;Database=<database>;Username=<user>;Password=<password>");
            }
        }
        return provinces;
    }
}
