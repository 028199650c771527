namespace CaseEngine.Domain.Directory;

/// <summary>
/// A deterministic directory shaped like Anhui, generated in code (no data files): the national root 000000 with the
/// national petition office, province 340000 安徽省, 16 cities, 119 counties, 1,685 townships, departments by
/// <see cref="DepartmentTemplate.Standard"/>. Cities 3401..3416 ("示范市{i}"); counties spread over cities in order
/// (the first 7 cities get 8, the other 9 get 7), codes 34{ii}{jj} ("示范市{i}县{j}"); townships spread over counties
/// in order (the first 19 counties get 15, the other 100 get 14), codes {county}{kkk} ("示范市{i}县{j}镇{k}").
/// </summary>
public static class DemoDirectory
{
    public const string ProvinceCode = "340000";
    public const int Cities = 16;
    public const int Counties = 119;
    public const int Townships = 1685;

    public static DepartmentDirectory Build(DepartmentTemplate? template = null)
    {
        template ??= DepartmentTemplate.Standard;
        var regions = new List<Region>(2 + Cities + Counties + Townships)
        {
            new(DepartmentDirectory.NationalCode, "中华人民共和国", Level.National, null),
            new(ProvinceCode, "安徽省", Level.Province, DepartmentDirectory.NationalCode),
        };

        var countyIndex = 0;
        for (var city = 1; city <= Cities; city++)
        {
            var cityCode = $"34{city:00}00";
            var cityName = $"示范市{city}";
            regions.Add(new(cityCode, cityName, Level.City, ProvinceCode));
            var countiesHere = Share(Counties, Cities, city - 1);
            for (var county = 1; county <= countiesHere; county++, countyIndex++)
            {
                var countyCode = $"34{city:00}{county:00}";
                var countyName = $"{cityName}县{county}";
                regions.Add(new(countyCode, countyName, Level.County, cityCode));
                var townshipsHere = Share(Townships, Counties, countyIndex);
                for (var township = 1; township <= townshipsHere; township++)
                    regions.Add(new($"{countyCode}{township:000}", $"{countyName}镇{township}", Level.Township, countyCode));
            }
        }

        return DepartmentDirectory.Create(regions, regions.SelectMany(template.DepartmentsFor));
    }

    /// <summary>The share of item <paramref name="index"/> when <paramref name="total"/> is spread over <paramref name="parts"/>, the remainder to the first ones.</summary>
    private static int Share(int total, int parts, int index) => total / parts + (index < total % parts ? 1 : 0);
}
