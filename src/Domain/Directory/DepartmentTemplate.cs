namespace CaseEngine.Domain.Directory;

/// <summary>
/// A line agency present at every level from county up (same line key at each level, so same-line superiors exist).
/// <paramref name="IdSuffix"/> makes the id (<c>{regionCode}-{IdSuffix}</c>); <paramref name="ProvinceName"/> is
/// appended to a province's name (…厅), <paramref name="LocalName"/> to a city's or county's name (…局).
/// </summary>
public sealed record LineAgency(string Line, string IdSuffix, string ProvinceName, string LocalName);

/// <summary>
/// Which departments a region gets. Used by <see cref="DemoDirectory"/> and <see cref="DivisionsImporter"/> so both
/// produce the same shape:
/// <list type="bullet">
/// <item>NATIONAL: the national petition office <c>000000-PO</c> (国家信访局) when <see cref="NationalPetitionOffice"/>, nothing else;</item>
/// <item>PROVINCE, CITY, COUNTY: petition office <c>-PO</c>, people's government <c>-GOV</c>, discipline-inspection
/// commission <c>-DISC</c>, and every <see cref="LineAgencies"/> entry;</item>
/// <item>TOWNSHIP: petition office <c>-PO</c> and the township government <c>-GOV</c> (a street's is its 办事处).</item>
/// </list>
/// </summary>
public sealed class DepartmentTemplate
{
    private static readonly HashSet<string> ReservedSuffixes =
        [DepartmentIds.PetitionOfficeSuffix, DepartmentIds.GovernmentSuffix, DepartmentIds.DisciplineSuffix];

    public DepartmentTemplate(IEnumerable<LineAgency> lineAgencies, bool nationalPetitionOffice = true)
    {
        ArgumentNullException.ThrowIfNull(lineAgencies);
        var agencies = lineAgencies.ToArray();
        var lines = new HashSet<string>(StringComparer.Ordinal) { DepartmentLines.Government, DepartmentLines.Discipline };
        var suffixes = new HashSet<string>(ReservedSuffixes, StringComparer.Ordinal);
        foreach (var agency in agencies)
        {
            ArgumentNullException.ThrowIfNull(agency, nameof(lineAgencies));
            if (string.IsNullOrWhiteSpace(agency.Line) || !lines.Add(agency.Line))
                throw new ArgumentException($"Line '{agency.Line}' is empty, reserved or used twice.", nameof(lineAgencies));
            if (string.IsNullOrEmpty(agency.IdSuffix) || !agency.IdSuffix.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9'))
                || !suffixes.Add(agency.IdSuffix))
                throw new ArgumentException($"Id suffix '{agency.IdSuffix}' of line '{agency.Line}' must be upper-case letters or digits, not reserved and not used twice.", nameof(lineAgencies));
            if (string.IsNullOrWhiteSpace(agency.ProvinceName) || string.IsNullOrWhiteSpace(agency.LocalName))
                throw new ArgumentException($"Line '{agency.Line}' needs a province and a local name.", nameof(lineAgencies));
        }
        LineAgencies = agencies;
        NationalPetitionOffice = nationalPetitionOffice;
    }

    /// <summary>The standard eight line agencies: EDU, HEALTH, HOUSING, LAND, LABOUR, TRANSPORT, PSB, CIVIL.</summary>
    public static DepartmentTemplate Standard { get; } = new(
    [
        new(DepartmentLines.Education, "EDU", "教育厅", "教育局"),
        new(DepartmentLines.Health, "HEALTH", "卫生健康委员会", "卫生健康委员会"),
        new(DepartmentLines.Housing, "HOUSING", "住房和城乡建设厅", "住房和城乡建设局"),
        new(DepartmentLines.Land, "LAND", "自然资源厅", "自然资源和规划局"),
        new(DepartmentLines.Labour, "LABOUR", "人力资源和社会保障厅", "人力资源和社会保障局"),
        new(DepartmentLines.Transport, "TRANSPORT", "交通运输厅", "交通运输局"),
        new(DepartmentLines.PublicSecurity, "PSB", "公安厅", "公安局"),
        new(DepartmentLines.CivilAffairs, "CIVIL", "民政厅", "民政局"),
    ]);

    public IReadOnlyList<LineAgency> LineAgencies { get; }

    /// <summary>Whether the national root gets the national petition office (000000-PO, 国家信访局). Default true.</summary>
    public bool NationalPetitionOffice { get; }

    /// <summary>How many departments a region of this level gets.</summary>
    public int CountFor(Level level) => level switch
    {
        Level.National => NationalPetitionOffice ? 1 : 0,
        Level.Township => 2,
        _ => 3 + LineAgencies.Count,
    };

    /// <summary>The departments of one region (not of a placeholder: callers skip those), petition office first.</summary>
    public IEnumerable<Department> DepartmentsFor(Region region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var code = region.Code;
        var level = region.Level;
        var name = region.Name;
        switch (level)
        {
            case Level.National:
                if (NationalPetitionOffice)
                    yield return new(DepartmentIds.PetitionOffice(code), "国家信访局", DepartmentKind.PetitionOffice, level, code, null);
                yield break;
            case Level.Township:
                yield return new(DepartmentIds.PetitionOffice(code), name + "信访办", DepartmentKind.PetitionOffice, level, code, null);
                yield return new(DepartmentIds.Government(code), name + (name.EndsWith("街道", StringComparison.Ordinal) ? "办事处" : "人民政府"),
                    DepartmentKind.HandlingAgency, level, code, DepartmentLines.Government);
                yield break;
            default:
                yield return new(DepartmentIds.PetitionOffice(code), name + "信访局", DepartmentKind.PetitionOffice, level, code, null);
                yield return new(DepartmentIds.Government(code), name + "人民政府", DepartmentKind.HandlingAgency, level, code, DepartmentLines.Government);
                yield return new(DepartmentIds.Discipline(code), name + "纪委监委", DepartmentKind.HandlingAgency, level, code, DepartmentLines.Discipline);
                foreach (var agency in LineAgencies)
                    yield return new(DepartmentIds.For(code, agency.IdSuffix), name + (level == Level.Province ? agency.ProvinceName : agency.LocalName),
                        DepartmentKind.HandlingAgency, level, code, agency.Line);
                yield break;
        }
    }
}
