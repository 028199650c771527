using System.Text;
using System.Text.Json;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Tests.Directory;

public class DirectoryJsonTests
{
    private static byte[] Write(DepartmentDirectory directory, bool indented = false)
    {
        using var stream = new MemoryStream();
        DirectoryJson.Write(directory, stream, indented);
        return stream.ToArray();
    }

    private static DepartmentDirectory Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return DirectoryJson.Read(stream);
    }

    private static DepartmentDirectory Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void the_demo_directory_survives_a_json_round_trip()
    {
        var demo = DemoDirectory.Build();
        var bytes = Write(demo);
        var back = Read(bytes);
        back.Regions.ShouldBe(demo.Regions);
        back.Departments.ShouldBe(demo.Departments);
        Write(back).ShouldBe(bytes);
        back.SuperiorOf("340101-EDU")!.Id.ShouldBe("340100-EDU");
    }

    [Fact]
    public void indented_json_reads_back_the_same()
    {
        var demo = DemoDirectory.Build();
        Read(Write(demo, indented: true)).Departments.ShouldBe(demo.Departments);
    }

    [Fact]
    public void the_json_uses_camel_case_names_and_the_contracts_enum_spelling()
    {
        var directory = DepartmentDirectory.Create(
            [new Region("000000", "中华人民共和国", Level.National, null), new Region("340000", "安徽省", Level.Province, "000000")],
            [
                new Department("340000-PO", "安徽省信访局", DepartmentKind.PetitionOffice, Level.Province, "340000", null),
                new Department("340000-GOV", "安徽省人民政府", DepartmentKind.HandlingAgency, Level.Province, "340000", "government"),
            ]);
        var json = Encoding.UTF8.GetString(Write(directory));
        json.ShouldBe(string.Concat(
            """{"regions":[{"code":"000000","name":"中华人民共和国","level":"NATIONAL","parentCode":null},""",
            """{"code":"340000","name":"安徽省","level":"PROVINCE","parentCode":"000000"}],""",
            """ "departments":[{"id":"340000-PO","name":"安徽省信访局","kind":"PETITION_OFFICE","level":"PROVINCE","regionCode":"340000","line":null},""".TrimStart(),
            """{"id":"340000-GOV","name":"安徽省人民政府","kind":"HANDLING_AGENCY","level":"PROVINCE","regionCode":"340000","line":"government"}]}"""));
    }

    [Fact]
    public void missing_parent_code_and_line_read_as_null()
    {
        var directory = Read("""
            { "regions": [ { "code": "340000", "name": "安徽省", "level": "PROVINCE" } ],
              "departments": [ { "id": "340000-PO", "name": "安徽省信访局", "kind": "PETITION_OFFICE", "level": "PROVINCE", "regionCode": "340000" } ] }
            """);
        directory.FindRegion("34")!.ParentCode.ShouldBeNull();
        directory.FindDepartment("340000-PO")!.Line.ShouldBeNull();
    }

    [Theory]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x", "level": "PROV" } ], "departments": [] }""")]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x", "level": "Province" } ], "departments": [] }""")]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x", "level": "province" } ], "departments": [] }""")]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x", "level": "PROVINCE" } ], "departments": [ { "id": "a", "name": "b", "kind": "PetitionOffice", "level": "PROVINCE", "regionCode": "340000" } ] }""")]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x", "level": 1 } ], "departments": [] }""")]
    [InlineData("""{ "regions": [ { "code": "340000", "name": "x" } ], "departments": [] }""")]
    [InlineData("""{ "departments": [] }""")]
    [InlineData("""{ "regions": [] }""")]
    [InlineData("null")]
    [InlineData("{")]
    public void malformed_json_is_a_json_exception(string json) => Should.Throw<JsonException>(() => Read(json));

    [Fact]
    public void an_invalid_directory_in_valid_json_is_an_argument_exception() =>
        Should.Throw<ArgumentException>(() => Read("""{ "regions": [ { "code": "340100", "name": "x", "level": "CITY", "parentCode": "340000" } ], "departments": [] }"""));
}
