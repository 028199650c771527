using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Tests.Directory;

public class DemoDirectoryTests
{
    private static readonly DepartmentDirectory Demo = DemoDirectory.Build();

    private static int RegionsAt(Level level) => Demo.Regions.Count(r => r.Level == level);
    private static int DepartmentsAt(Level level, DepartmentKind kind) => Demo.Departments.Count(d => d.Level == level && d.Kind == kind);

    [Fact]
    public void the_demo_directory_has_one_national_root_and_one_province()
    {
        RegionsAt(Level.National).ShouldBe(1);
        RegionsAt(Level.Province).ShouldBe(1);
        Demo.FindRegion("000000")!.ParentCode.ShouldBeNull();
        Demo.FindRegion("34")!.ShouldBe(new Region("340000", "安徽省", Level.Province, "000000"));
    }

    [Fact]
    public void the_demo_directory_has_16_cities() => RegionsAt(Level.City).ShouldBe(16);

    [Fact]
    public void the_demo_directory_has_119_counties() => RegionsAt(Level.County).ShouldBe(119);

    [Fact]
    public void the_demo_directory_has_1685_townships() => RegionsAt(Level.Township).ShouldBe(1685);

    [Fact]
    public void every_region_has_exactly_one_petition_office()
    {
        foreach (var level in Enum.GetValues<Level>())
            DepartmentsAt(level, DepartmentKind.PetitionOffice).ShouldBe(RegionsAt(level), $"petition offices at {level}");
        Demo.Regions.ShouldAllBe(r => Demo.PetitionOfficeOf(r.Code) != null);
    }

    [Theory]
    [InlineData(Level.National, 0)]
    [InlineData(Level.Province, 10)]
    [InlineData(Level.City, 160)]
    [InlineData(Level.County, 1190)]
    [InlineData(Level.Township, 1685)]
    public void handling_agencies_per_level_are_government_discipline_and_eight_lines_from_county_up_and_the_government_in_townships(Level level, int expected) =>
        DepartmentsAt(level, DepartmentKind.HandlingAgency).ShouldBe(expected);

    [Theory]
    [InlineData(DepartmentLines.Government, 1, 16, 119, 1685)]
    [InlineData(DepartmentLines.Discipline, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Education, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Health, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Housing, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Land, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Labour, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.Transport, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.PublicSecurity, 1, 16, 119, 0)]
    [InlineData(DepartmentLines.CivilAffairs, 1, 16, 119, 0)]
    public void each_line_has_one_agency_per_region_of_its_levels(string line, int province, int cities, int counties, int townships)
    {
        int Count(Level level) => Demo.Departments.Count(d => d.Line == line && d.Level == level);
        Count(Level.National).ShouldBe(0);
        Count(Level.Province).ShouldBe(province);
        Count(Level.City).ShouldBe(cities);
        Count(Level.County).ShouldBe(counties);
        Count(Level.Township).ShouldBe(townships);
    }

    [Fact]
    public void the_demo_directory_has_4867_departments_in_all()
    {
        // 1 national office + 11 × (1 province + 16 cities + 119 counties) + 2 × 1,685 townships
        Demo.Departments.Count.ShouldBe(1 + 11 * 136 + 2 * 1685);
        Demo.Regions.Count.ShouldBe(1822);
    }

    [Fact]
    public void the_only_national_department_is_the_national_petition_office_which_has_no_superior()
    {
        var national = Demo.DepartmentsOf("000000").ShouldHaveSingleItem();
        national.ShouldBe(new Department("000000-PO", "国家信访局", DepartmentKind.PetitionOffice, Level.National, "000000", null));
        Demo.SuperiorOf("000000-PO").ShouldBeNull();
    }

    [Fact]
    public void the_demo_directory_is_deterministic()
    {
        var again = DemoDirectory.Build();
        again.Regions.ShouldBe(Demo.Regions);
        again.Departments.ShouldBe(Demo.Departments);
    }

    [Fact]
    public void counties_are_spread_over_cities_and_townships_over_counties_as_documented()
    {
        Demo.ChildrenOf("340100").Count.ShouldBe(8);
        Demo.ChildrenOf("340700").Count.ShouldBe(8);
        Demo.ChildrenOf("340800").Count.ShouldBe(7);
        Demo.ChildrenOf("341600").Count.ShouldBe(7);
        Demo.ChildrenOf("340101").Count.ShouldBe(15);
        Demo.ChildrenOf("341607").Count.ShouldBe(14);
        Demo.Regions.Where(r => r.Level == Level.County).ShouldAllBe(c => Demo.ChildrenOf(c.Code).Count >= 14);
    }

    [Fact]
    public void department_ids_and_names_follow_the_documented_scheme()
    {
        Demo.FindDepartment("340100-PO")!.Name.ShouldBe("示范市1信访局");
        Demo.FindDepartment("340000-EDU")!.Name.ShouldBe("安徽省教育厅");
        Demo.FindDepartment("340101-EDU")!.Name.ShouldBe("示范市1县1教育局");
        Demo.FindDepartment("340101-DISC")!.Name.ShouldBe("示范市1县1纪委监委");
        Demo.FindDepartment("340101001-GOV")!.ShouldBe(new Department("340101001-GOV", "示范市1县1镇1人民政府",
            DepartmentKind.HandlingAgency, Level.Township, "340101001", DepartmentLines.Government));
        Demo.Departments.ShouldAllBe(d => d.Id.StartsWith(d.RegionCode + "-"));
    }

    [Fact]
    public void departments_of_a_region_are_its_own_only_ordered_by_id()
    {
        Demo.DepartmentsOf("3401").Select(d => d.Id).ShouldBe(
        [
            "340100-CIVIL", "340100-DISC", "340100-EDU", "340100-GOV", "340100-HEALTH", "340100-HOUSING",
            "340100-LABOUR", "340100-LAND", "340100-PO", "340100-PSB", "340100-TRANSPORT",
        ]);
        Demo.DepartmentsOf("340101001").Select(d => d.Id).ShouldBe(["340101001-GOV", "340101001-PO"]);
        Demo.DepartmentsOf("999999").ShouldBeEmpty();
    }
}
