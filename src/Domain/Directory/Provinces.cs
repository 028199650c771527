namespace CaseEngine.Domain.Directory;

/// <summary>
/// Which province a region, a case number or a petition belongs to: the key of the province's own
/// database (issue 19, docs/operations.md "Province databases"). A province is named by its canonical
/// code ("340000", GB/T 2260: the first two digits of every region under it); the national root is
/// <see cref="DepartmentDirectory.NationalCode"/>. These rules only read the codes: nothing is looked up.
/// </summary>
public static class Provinces
{
    /// <summary>The province of a region code in any accepted form ("3401" → "340000"), or null for a code that is none.</summary>
    public static string? Of(string? regionCode) =>
        regionCode is not null && DepartmentDirectory.NormalizeRegionCode(regionCode) is { } canonical
            ? string.Concat(canonical.AsSpan(0, 2), "0000")
            : null;

    /// <summary>
    /// The province a case number names by its entry region ("340102-2026-000017" → "340000"), or null
    /// when it does not start with a region code.
    /// </summary>
    public static string? OfCaseNumber(string? caseNumber)
    {
        if (caseNumber is null)
            return null;
        var trimmed = caseNumber.AsSpan().Trim();
        var dash = trimmed.IndexOf('-');
        return dash is 6 or 9 ? Of(trimmed[..dash].ToString()) : null;
    }

    /// <summary>True for the national root's code.</summary>
    public static bool IsNational(string province) => province == DepartmentDirectory.NationalCode;
}
