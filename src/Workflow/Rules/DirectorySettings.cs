using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Workflow.Rules;

/// <summary>
/// Where the department directory comes from (<c>CaseEngine:Directory</c>). Unset, the demo directory
/// (安徽省, one province): enough for the embedded default, not for a federation, whose province
/// databases would have no regions to route to. A deployment names the administrative divisions
/// (the four CSV files of <c>shared/data/divisions</c>, 44,703 regions): every province, city, county
/// and township with its departments (<see cref="DivisionsImporter"/>).
/// </summary>
public sealed class DirectorySettings
{
    public const string Section = "CaseEngine:Directory";

    private static readonly string[] Files = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"];

    /// <summary>A folder holding provinces.csv, cities.csv, areas.csv and streets.csv (env <c>CaseEngine__Directory__Divisions</c>).</summary>
    public string? Divisions { get; set; }

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        Divisions is null || Files.All(f => File.Exists(Path.Combine(Divisions, f))) ? null
            : $"{Section}:Divisions (env CaseEngine__Directory__Divisions) must name a folder holding {string.Join(", ", Files)} (the administrative divisions, shared/data/divisions)";

    /// <summary>The rule book over the configured directory and the standard statutory clock.</summary>
    public RuleBook Rules() => Divisions is null
        ? RuleBook.Demo()
        : new RuleBook(DivisionsImporter.Import(Divisions), new StatutoryClock(ClockPolicy.Default, BusinessCalendar.China));
}
