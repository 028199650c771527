using CaseEngine.Domain;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Bench.Faults;

/// <summary>
/// Where a province's petitions of the fault run enter and move: a county, its city and the province,
/// each with a petition office (<c>{code}-PO</c>) and the standard line agencies (<c>{code}-EDU</c>…).
/// A county's petition is supervised by its city's office and transferred up to it; a city's by the
/// province's, and down to the county.
/// </summary>
public sealed record FaultRegions(string County, string City, string Province)
{
    /// <summary>The demo directory's (Anhui alone): the default, one province database.</summary>
    public static readonly FaultRegions Demo = new("340101", "340100", DemoDirectory.ProvinceCode);

    /// <summary>The first city of the province and that city's first county, in the directory's order (the national directory's).</summary>
    public static FaultRegions In(DepartmentDirectory directory, string province)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var (city, county) = directory.ChildrenOf(province).Where(r => r.Level == Level.City)
            .Select(c => (City: c, County: directory.ChildrenOf(c.Code).FirstOrDefault(r => r.Level == Level.County)))
            .FirstOrDefault(p => p.County is not null);
        return city is null || county is null
            ? throw new ArgumentException($"province {province} has no city with a county in the directory", nameof(province))
            : new FaultRegions(county.Code, city.Code, province);
    }

    /// <summary>The first <paramref name="count"/> provinces of the national directory: Anhui, Jiangsu and Zhejiang (the tests' three), then the others in code order.</summary>
    public static IReadOnlyList<FaultRegions> National(DepartmentDirectory directory, int count)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string[] first = ["340000", "320000", "330000"];
        var provinces = first.Concat(directory.Regions.Where(r => r.Level == Level.Province).Select(r => r.Code).Order(StringComparer.Ordinal).Except(first));
        return [.. provinces.Take(count).Select(p => In(directory, p))];
    }

    /// <summary>Whether the region is this province's county (else its city or the province).</summary>
    public bool IsCounty(string region) => region == County;

    /// <summary>The petition office one level up: it supervises the region's petitions (its subtree holds their departments).</summary>
    public string SuperiorOfficeOf(string region) => IsCounty(region) ? $"{City}-PO" : $"{Province}-PO";

    /// <summary>Where a transfer between levels sends a petition from the region: the city from the county, the county from above it.</summary>
    public string TransferTargetOf(string region) => IsCounty(region) ? $"{City}-PO" : $"{County}-PO";
}
