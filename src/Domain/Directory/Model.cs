namespace CaseEngine.Domain.Directory;

/// <summary>
/// An administrative region. <paramref name="Code"/> is canonical: "000000" for the nation, 6 digits for
/// province, city and county (340000, 340100, 340104), 9 digits for townships (340104001).
/// </summary>
public sealed record Region(string Code, string Name, Level Level, string? ParentCode);

/// <summary>
/// A body in the petition system. <paramref name="Line"/> is null for petition offices,
/// <see cref="DepartmentLines.Government"/> for the people's government, <see cref="DepartmentLines.Discipline"/>
/// for the discipline-inspection commission, and a same-line key (e.g. "education") for line agencies.
/// Ids are stable and derived from region codes, see <see cref="DepartmentIds"/>.
/// </summary>
public sealed record Department(string Id, string Name, DepartmentKind Kind, Level Level, string RegionCode, string? Line);

/// <summary>The line keys that tie agencies of different levels together (same line ⇒ superior relation).</summary>
public static class DepartmentLines
{
    public const string Government = "government";
    public const string Discipline = "discipline";
    public const string Education = "education";
    public const string Health = "health";
    public const string Housing = "housing";
    public const string Land = "land";
    public const string Labour = "labour";
    public const string Transport = "transport";
    public const string PublicSecurity = "public-security";
    public const string CivilAffairs = "civil-affairs";
}

/// <summary>
/// Department ids: <c>{canonical region code}-{suffix}</c>, e.g. <c>340104-PO</c>, <c>340104-GOV</c>,
/// <c>340104-DISC</c>, <c>340104-EDU</c>, <c>340104001-GOV</c>. They depend only on the region code and the
/// department's line, so re-importing the same divisions never changes them.
/// </summary>
public static class DepartmentIds
{
    public const string PetitionOfficeSuffix = "PO";
    public const string GovernmentSuffix = "GOV";
    public const string DisciplineSuffix = "DISC";

    public static string For(string regionCode, string suffix) => $"{regionCode}-{suffix}";
    public static string PetitionOffice(string regionCode) => For(regionCode, PetitionOfficeSuffix);
    public static string Government(string regionCode) => For(regionCode, GovernmentSuffix);
    public static string Discipline(string regionCode) => For(regionCode, DisciplineSuffix);
}
