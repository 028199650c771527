using System.Diagnostics;
using CaseEngine.Domain.Directory;
using Xunit.Abstractions;

namespace CaseEngine.Domain.Tests.Directory;

/// <summary>One national import shared by the importer tests (it reads ../shared/data/divisions).</summary>
public sealed class NationalDivisions
{
    public NationalDivisions()
    {
        var stopwatch = Stopwatch.StartNew();
        Directory = DivisionsImporter.Import(RepositoryPaths.Divisions);
        ImportTime = stopwatch.Elapsed;
    }

    public DepartmentDirectory Directory { get; }
    public TimeSpan ImportTime { get; }
}

public class DivisionsImporterTests(NationalDivisions national, ITestOutputHelper output) : IClassFixture<NationalDivisions>
{
    private static readonly string[] PlaceholderCities = ["110100", "120100", "310100", "500100", "500200", "419000", "429000", "469000", "659000"];

    private readonly DepartmentDirectory _directory = national.Directory;

    private int RegionsAt(Level level) => _directory.Regions.Count(r => r.Level == level);

    [Fact]
    public void the_national_import_has_44703_regions_under_a_national_root()
    {
        output.WriteLine($"import: {national.ImportTime.TotalMilliseconds:F0} ms, {_directory.Regions.Count} regions, {_directory.Departments.Count} departments");
        _directory.Regions.Count.ShouldBe(44_704);
        RegionsAt(Level.National).ShouldBe(1);
        RegionsAt(Level.Province).ShouldBe(31);
        RegionsAt(Level.City).ShouldBe(342);
        RegionsAt(Level.County).ShouldBe(2_978);
        RegionsAt(Level.Township).ShouldBe(41_352);
        _directory.Regions.Where(r => r.Level != Level.National).ShouldAllBe(r => r.ParentCode != null);
    }

    [Fact]
    public void every_region_hangs_below_a_parent_of_the_level_above()
    {
        foreach (var region in _directory.Regions.Where(r => r.Level != Level.National))
            _directory.FindRegion(region.ParentCode!)!.Level.ShouldBe(region.Level - 1, region.Code);
        _directory.Regions.Where(r => r.Level == Level.County).ShouldAllBe(c => _directory.FindRegion(c.ParentCode!)!.Level == Level.City);
        _directory.Regions.Where(r => r.Level == Level.Township).ShouldAllBe(t => _directory.FindRegion(t.ParentCode!)!.Level == Level.County);
    }

    [Fact]
    public void parents_follow_the_files_codes()
    {
        _directory.FindRegion("340104")!.ShouldBe(new Region("340104", "蜀山区", Level.County, "340100"));
        _directory.FindRegion("3401")!.ParentCode.ShouldBe("340000");
        _directory.FindRegion("110101001")!.ShouldBe(new Region("110101001", "东华门街道", Level.Township, "110101"));
        _directory.RegionPath("110101001").ShouldBe(["000000", "110000", "110100", "110101", "110101001"]);
    }

    [Fact]
    public void the_nine_placeholder_cities_are_found_by_name_and_have_no_departments()
    {
        var placeholders = _directory.Regions.Where(r => r.Level == Level.City && DivisionsImporter.IsPlaceholderCityName(r.Name)).ToList();
        placeholders.Count.ShouldBe(9);
        placeholders.Select(r => r.Code).ShouldBe(PlaceholderCities, ignoreOrder: true);
        foreach (var placeholder in placeholders)
        {
            _directory.PetitionOfficeOf(placeholder.Code).ShouldBeNull(placeholder.Code);
            _directory.DepartmentsOf(placeholder.Code).ShouldBeEmpty(placeholder.Code);
        }
        _directory.Regions.Where(r => r.Level == Level.City && _directory.PetitionOfficeOf(r.Code) == null)
            .Select(r => r.Code).ShouldBe(PlaceholderCities, ignoreOrder: true);
    }

    [Fact]
    public void counties_under_a_placeholder_report_to_the_province()
    {
        var counties = PlaceholderCities.SelectMany(_directory.ChildrenOf).ToList();
        counties.ShouldNotBeEmpty();
        foreach (var county in counties)
        {
            var province = county.Code[..2] + "0000";
            _directory.SuperiorOf(DepartmentIds.PetitionOffice(county.Code))!.Id.ShouldBe(DepartmentIds.PetitionOffice(province));
            _directory.SuperiorOf(DepartmentIds.Government(county.Code))!.Id.ShouldBe(DepartmentIds.Government(province));
            _directory.SuperiorOf(DepartmentIds.Discipline(county.Code))!.Id.ShouldBe(DepartmentIds.Discipline(province));
            _directory.SuperiorOf(county.Code + "-EDU")!.Id.ShouldBe(province + "-EDU");
        }
        _directory.SuperiorOf("110101-PO")!.Id.ShouldBe("110000-PO");
        _directory.SuperiorOf("419001-PO")!.Id.ShouldBe("410000-PO"); // 济源市 under 省直辖县级行政区划
    }

    [Fact]
    public void a_county_row_that_repeats_its_citys_code_becomes_a_pass_through_county()
    {
        var dongguan = _directory.FindRegion("441999")!;
        dongguan.ShouldBe(new Region("441999", "东莞市", Level.County, "441900"));
        _directory.FindRegion("441900")!.Level.ShouldBe(Level.City);
        _directory.DepartmentsOf("441999").ShouldBeEmpty();
        _directory.ChildrenOf("441999").Count.ShouldBe(36);
        var town = _directory.ChildrenOf("441999")[0].Code;
        _directory.SuperiorOf(DepartmentIds.PetitionOffice(town))!.Id.ShouldBe("441900-PO");
        _directory.SuperiorOf(DepartmentIds.Government(town))!.Id.ShouldBe("441900-GOV");
        _directory.Regions.Where(r => r.Level == Level.County && _directory.PetitionOfficeOf(r.Code) == null)
            .Select(r => r.Code).ShouldBe(["441999", "442099", "460499"], ignoreOrder: true);
    }

    [Fact]
    public void departments_follow_the_template_everywhere_except_in_placeholders()
    {
        int Departments(Level level) => _directory.Departments.Count(d => d.Level == level);
        Departments(Level.National).ShouldBe(1);
        Departments(Level.Province).ShouldBe(31 * 11);
        Departments(Level.City).ShouldBe((342 - 9) * 11);
        Departments(Level.County).ShouldBe((2_978 - 3) * 11);
        Departments(Level.Township).ShouldBe(41_352 * 2);
        _directory.SuperiorOf("340104-EDU")!.Id.ShouldBe("340100-EDU");
        _directory.SuperiorOf("340100-EDU")!.Id.ShouldBe("340000-EDU");
        _directory.SuperiorOf("340000-PO")!.Id.ShouldBe("000000-PO");
    }

    [Fact]
    public void re_importing_gives_identical_ids_and_identical_json()
    {
        var again = DivisionsImporter.Import(RepositoryPaths.Divisions);
        again.Departments.Select(d => d.Id).ShouldBe(_directory.Departments.Select(d => d.Id));
        Json(again).ShouldBe(Json(_directory));
    }

    [Fact]
    public void filtering_to_anhui_gives_16_cities_119_counties_and_1685_townships()
    {
        var anhui = DivisionsImporter.Import(RepositoryPaths.Divisions, provinceCode: "34");
        anhui.Regions.Count(r => r.Level == Level.National).ShouldBe(1);
        anhui.Regions.Count(r => r.Level == Level.Province).ShouldBe(1);
        anhui.Regions.Count(r => r.Level == Level.City).ShouldBe(16);
        anhui.Regions.Count(r => r.Level == Level.County).ShouldBe(119);
        anhui.Regions.Count(r => r.Level == Level.Township).ShouldBe(1_685);
        anhui.FindRegion("34")!.Name.ShouldBe("安徽省");
        anhui.Departments.Count.ShouldBe(1 + 11 * (1 + 16 + 119) + 2 * 1_685);
        anhui.Regions.Where(r => r.Level != Level.National).ShouldAllBe(r => anhui.IsInSubtree(r.Code, "340000"));
        anhui.Departments.Where(d => d.Level != Level.National).Select(d => d.Id)
            .ShouldBe(_directory.Departments.Where(d => d.RegionCode.StartsWith("34", StringComparison.Ordinal)).Select(d => d.Id));
        DivisionsImporter.Import(RepositoryPaths.Divisions, provinceCode: "340000").Regions.Count.ShouldBe(anhui.Regions.Count);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("3401")]
    [InlineData("x")]
    public void filtering_to_an_unknown_or_non_province_code_is_rejected(string code) =>
        Should.Throw<ArgumentException>(() => DivisionsImporter.Import(RepositoryPaths.Divisions, provinceCode: code));

    [Fact]
    public void a_missing_folder_is_reported_clearly() =>
        Should.Throw<FileNotFoundException>(() => DivisionsImporter.Import(Path.Combine(Path.GetTempPath(), "no-such-divisions-folder")))
            .Message.ShouldContain("provinces.csv");

    [Fact]
    public void quoted_fields_with_commas_and_escaped_quotes_are_read()
    {
        var folder = Path.Combine(Path.GetTempPath(), "divisions-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "provinces.csv"), "\uFEFFcode,name\r\n34,\"安徽,\"\"省\"\"\"\r\n");
            File.WriteAllText(Path.Combine(folder, "cities.csv"), "code,name,provinceCode\n3401,\"合肥市\",34\n");
            File.WriteAllText(Path.Combine(folder, "areas.csv"), "provinceCode,cityCode,code,name\n34,3401,340104,蜀山区\n");
            File.WriteAllText(Path.Combine(folder, "streets.csv"), "code,name,areaCode,provinceCode,cityCode\n340104001,\"三里庵街道\",340104,34,3401");
            var directory = DivisionsImporter.Import(folder);
            directory.FindRegion("34")!.Name.ShouldBe("安徽,\"省\"");
            directory.FindRegion("340104")!.ParentCode.ShouldBe("340100");
            directory.FindDepartment("340104001-GOV")!.Name.ShouldBe("三里庵街道办事处");
            directory.Regions.Count.ShouldBe(5);
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Json(DepartmentDirectory directory)
    {
        using var stream = new MemoryStream();
        DirectoryJson.Write(directory, stream);
        return stream.ToArray();
    }
}
