using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;
using CaseEngine.Workflow.Rules;

namespace CaseEngine.Testing;

/// <summary>
/// The rules over China's real administrative divisions (../shared/data/divisions, read in place), for
/// tests that need departments in several provinces: the demo directory has Anhui alone.
/// </summary>
public static class NationalDirectory
{
    private static readonly Lazy<DepartmentDirectory> s_directory = new(() => DivisionsImporter.Import(DivisionsFolder()));

    /// <summary>A new rule book (it holds a replaceable calendar) over the shared, imported-once directory.</summary>
    public static RuleBook Rules() => new(s_directory.Value, new StatutoryClock(ClockPolicy.Default, BusinessCalendar.China));

    /// <summary>../shared/data/divisions beside the repository (the setting CaseEngine:Directory:Divisions of a server over the whole country).</summary>
    public static string DivisionsFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (!File.Exists(Path.Combine(folder.FullName, "CaseEngine.sln")))
                continue;
            var divisions = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "data", "divisions"));
            return System.IO.Directory.Exists(divisions)
                ? divisions
                : throw new InvalidOperationException($"Expected the divisions at {divisions}: check out ../shared beside the repository");
        }
        throw new InvalidOperationException($"No folder containing CaseEngine.sln above {AppContext.BaseDirectory}");
    }
}
