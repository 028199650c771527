using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Tests.Directory;

public class ValidationTests
{
    private static readonly Region Nation = new("000000", "中国", Level.National, null);
    private static readonly Region Province = new("340000", "安徽省", Level.Province, "000000");
    private static readonly Region City = new("340100", "合肥市", Level.City, "340000");

    private static Department Office(string code, Level level) => new($"{code}-PO", "信访局", DepartmentKind.PetitionOffice, level, code, null);

    private static void Rejects(IEnumerable<Region> regions, IEnumerable<Department> departments, string messagePart) =>
        Should.Throw<ArgumentException>(() => DepartmentDirectory.Create(regions, departments)).Message.ShouldContain(messagePart);

    [Fact]
    public void a_valid_small_directory_is_accepted() =>
        DepartmentDirectory.Create([Nation, Province, City], [Office("340100", Level.City)]).Regions.Count.ShouldBe(3);

    [Fact]
    public void a_region_code_used_twice_is_rejected() =>
        Rejects([Nation, Province, City, City with { Name = "again" }], [], "used twice");

    [Fact]
    public void a_missing_parent_is_rejected() => Rejects([Nation, City], [], "not in the directory");

    [Fact]
    public void a_region_must_be_exactly_one_level_below_its_parent() =>
        Rejects([Nation, Province, new Region("340101", "区", Level.County, "340000")], [], "one level below");

    [Theory]
    [InlineData("3401")]
    [InlineData("34010")]
    [InlineData("34a100")]
    public void a_non_canonical_code_is_rejected(string code) =>
        Rejects([Nation, new Region(code, "x", Level.Province, "000000")], [], "not canonical");

    [Fact]
    public void a_township_needs_a_nine_digit_code() =>
        Rejects([new Region("340101", "镇", Level.Township, null)], [], "digits");

    [Fact]
    public void only_the_national_root_uses_000000() =>
        Rejects([new Region("000000", "x", Level.Province, null)], [], "national root");

    [Fact]
    public void a_department_id_used_twice_is_rejected() =>
        Rejects([Nation, Province], [Office("340000", Level.Province), Office("340000", Level.Province) with { RegionCode = "000000", Level = Level.National }], "used twice");

    [Fact]
    public void a_department_in_an_unknown_region_is_rejected() =>
        Rejects([Nation], [Office("340000", Level.Province)], "not in the directory");

    [Fact]
    public void a_department_level_must_match_its_region() =>
        Rejects([Nation, Province], [Office("340000", Level.City)], "is City but its region");

    [Fact]
    public void a_region_has_at_most_one_petition_office() =>
        Rejects([Nation, Province], [Office("340000", Level.Province), Office("340000", Level.Province) with { Id = "other" }], "two petition offices");

    [Fact]
    public void a_region_has_at_most_one_agency_per_line()
    {
        var edu = new Department("340000-EDU", "教育厅", DepartmentKind.HandlingAgency, Level.Province, "340000", DepartmentLines.Education);
        Rejects([Nation, Province], [edu, edu with { Id = "340000-EDU2" }], "two agencies of line 'education'");
    }

    [Fact]
    public void petition_offices_have_no_line_and_agencies_have_one()
    {
        Rejects([Nation, Province], [Office("340000", Level.Province) with { Line = "education" }], "petition offices have none");
        Rejects([Nation, Province], [new Department("340000-X", "x", DepartmentKind.HandlingAgency, Level.Province, "340000", null)], "has no line");
    }

    [Fact]
    public void a_template_rejects_reserved_or_repeated_suffixes_and_lines()
    {
        Should.Throw<ArgumentException>(() => new DepartmentTemplate([new LineAgency("x", "PO", "a", "b")]));
        Should.Throw<ArgumentException>(() => new DepartmentTemplate([new LineAgency(DepartmentLines.Government, "G2", "a", "b")]));
        Should.Throw<ArgumentException>(() => new DepartmentTemplate([new LineAgency("x", "X", "a", "b"), new LineAgency("y", "X", "a", "b")]));
        Should.Throw<ArgumentException>(() => new DepartmentTemplate([new LineAgency("x", "x-lower", "a", "b")]));
    }
}
