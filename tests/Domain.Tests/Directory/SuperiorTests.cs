using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Tests.Directory;

public class SuperiorTests
{
    private static readonly DepartmentDirectory Demo = DemoDirectory.Build();

    private static IEnumerable<Department> At(Level level) => Demo.Departments.Where(d => d.Level == level);

    public static TheoryData<string> Lines => [.. DepartmentTemplate.Standard.LineAgencies.Select(a => a.Line)];

    [Theory]
    [MemberData(nameof(Lines))]
    public void every_county_line_agency_reports_to_the_same_line_in_its_city_and_that_one_to_the_province(string line)
    {
        var counties = At(Level.County).Where(d => d.Line == line).ToList();
        counties.Count.ShouldBe(119);
        foreach (var county in counties)
        {
            var city = Demo.SuperiorOf(county.Id).ShouldNotBeNull(county.Id);
            city.Level.ShouldBe(Level.City);
            city.Line.ShouldBe(line);
            city.RegionCode.ShouldBe(Demo.FindRegion(county.RegionCode)!.ParentCode);
            var province = Demo.SuperiorOf(city.Id).ShouldNotBeNull(city.Id);
            province.Level.ShouldBe(Level.Province);
            province.Line.ShouldBe(line);
            province.RegionCode.ShouldBe("340000");
        }
    }

    [Fact]
    public void a_provincial_line_agency_without_a_national_counterpart_reports_to_the_provincial_government() =>
        Demo.SuperiorOf("340000-EDU")!.Id.ShouldBe("340000-GOV");

    [Fact]
    public void county_government_reports_to_city_government_which_reports_to_province_government()
    {
        foreach (var county in At(Level.County).Where(d => d.Line == DepartmentLines.Government))
        {
            var city = Demo.SuperiorOf(county.Id)!;
            city.Line.ShouldBe(DepartmentLines.Government);
            city.Level.ShouldBe(Level.City);
            Demo.SuperiorOf(city.Id)!.Id.ShouldBe("340000-GOV");
        }
    }

    [Fact]
    public void the_provincial_government_has_no_superior_because_the_directory_has_no_national_government() =>
        Demo.SuperiorOf("340000-GOV").ShouldBeNull();

    [Fact]
    public void county_discipline_reports_to_city_discipline_which_reports_to_province_discipline()
    {
        foreach (var county in At(Level.County).Where(d => d.Line == DepartmentLines.Discipline))
        {
            var city = Demo.SuperiorOf(county.Id)!;
            city.Line.ShouldBe(DepartmentLines.Discipline);
            city.Level.ShouldBe(Level.City);
            Demo.SuperiorOf(city.Id)!.Id.ShouldBe("340000-DISC");
        }
        Demo.SuperiorOf("340000-DISC")!.Id.ShouldBe("340000-GOV");
    }

    [Fact]
    public void every_township_office_reports_to_its_county_office()
    {
        foreach (var office in At(Level.Township).Where(d => d.Kind == DepartmentKind.PetitionOffice))
            Demo.SuperiorOf(office.Id)!.Id.ShouldBe(DepartmentIds.PetitionOffice(Demo.FindRegion(office.RegionCode)!.ParentCode!));
    }

    [Fact]
    public void every_township_government_reports_to_its_county_government()
    {
        foreach (var government in At(Level.Township).Where(d => d.Line == DepartmentLines.Government))
            Demo.SuperiorOf(government.Id)!.Id.ShouldBe(DepartmentIds.Government(Demo.FindRegion(government.RegionCode)!.ParentCode!));
    }

    [Fact]
    public void county_offices_report_to_city_offices_and_city_offices_to_the_province_office_and_that_to_the_national_office()
    {
        foreach (var office in At(Level.County).Where(d => d.Kind == DepartmentKind.PetitionOffice))
            Demo.SuperiorOf(office.Id)!.Id.ShouldBe(DepartmentIds.PetitionOffice(Demo.FindRegion(office.RegionCode)!.ParentCode!));
        foreach (var office in At(Level.City).Where(d => d.Kind == DepartmentKind.PetitionOffice))
            Demo.SuperiorOf(office.Id)!.Id.ShouldBe("340000-PO");
        Demo.SuperiorOf("340000-PO")!.Id.ShouldBe("000000-PO");
    }

    [Fact]
    public void every_department_below_the_province_has_a_superior_one_level_up()
    {
        foreach (var department in Demo.Departments.Where(d => d.Level > Level.Province))
            Demo.SuperiorOf(department.Id).ShouldNotBeNull(department.Id).Level.ShouldBe(department.Level - 1);
    }

    [Fact]
    public void an_unknown_department_has_no_superior() => Demo.SuperiorOf("no-such-id").ShouldBeNull();

    [Fact]
    public void a_line_agency_whose_parent_region_lacks_that_line_reports_to_its_own_government()
    {
        var regions = new[]
        {
            new Region("340000", "省", Level.Province, null),
            new Region("340100", "市", Level.City, "340000"),
        };
        var departments = new[]
        {
            new Department("340000-GOV", "省政府", DepartmentKind.HandlingAgency, Level.Province, "340000", DepartmentLines.Government),
            new Department("340100-GOV", "市政府", DepartmentKind.HandlingAgency, Level.City, "340100", DepartmentLines.Government),
            new Department("340100-EDU", "市教育局", DepartmentKind.HandlingAgency, Level.City, "340100", DepartmentLines.Education),
            new Department("340100-PO", "市信访局", DepartmentKind.PetitionOffice, Level.City, "340100", null),
        };
        var directory = DepartmentDirectory.Create(regions, departments);
        directory.SuperiorOf("340100-EDU")!.Id.ShouldBe("340100-GOV");
        directory.SuperiorOf("340100-GOV")!.Id.ShouldBe("340000-GOV");
        directory.SuperiorOf("340000-GOV").ShouldBeNull();
        directory.SuperiorOf("340100-PO").ShouldBeNull(); // no province office
    }

    [Fact]
    public void regions_without_departments_are_skipped_when_looking_for_a_superior()
    {
        var regions = new[]
        {
            new Region("110000", "北京市", Level.Province, null),
            new Region("110100", "市辖区", Level.City, "110000"),
            new Region("110101", "东城区", Level.County, "110100"),
        };
        var departments = new[] { "110000", "110101" }.SelectMany(code => DepartmentTemplate.Standard.DepartmentsFor(regions.Single(r => r.Code == code)));
        var directory = DepartmentDirectory.Create(regions, departments);
        directory.SuperiorOf("110101-PO")!.Id.ShouldBe("110000-PO");
        directory.SuperiorOf("110101-EDU")!.Id.ShouldBe("110000-EDU");
        directory.SuperiorOf("110101-GOV")!.Id.ShouldBe("110000-GOV");
        directory.SuperiorOf("110101-DISC")!.Id.ShouldBe("110000-DISC");
        directory.PetitionOfficeOf("1101").ShouldBeNull();
    }
}
