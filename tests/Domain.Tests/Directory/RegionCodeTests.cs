using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Tests.Directory;

public class RegionCodeTests
{
    private static readonly DepartmentDirectory Demo = DemoDirectory.Build();

    [Theory]
    [InlineData("34", "340000")]
    [InlineData("3401", "340100")]
    [InlineData("340104", "340104")]
    [InlineData("340100", "340100")]
    [InlineData("340000", "340000")]
    [InlineData("000000", "000000")]
    [InlineData("340104001", "340104001")]
    public void accepted_code_forms_normalize_to_the_canonical_code(string code, string canonical) =>
        DepartmentDirectory.NormalizeRegionCode(code).ShouldBe(canonical);

    [Theory]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("340")]
    [InlineData("34010")]
    [InlineData("3401040")]
    [InlineData("34010400")]
    [InlineData("3401040010")]
    [InlineData("34010400100")]
    [InlineData("340104001000")]
    [InlineData("34a1")]
    [InlineData(" 3401")]
    [InlineData("3401 ")]
    [InlineData("-34")]
    [InlineData("３４")]
    [InlineData("٣٤")]
    public void malformed_codes_normalize_to_null(string code) => DepartmentDirectory.NormalizeRegionCode(code).ShouldBeNull();

    [Fact]
    public void a_null_code_normalizes_to_null() => DepartmentDirectory.NormalizeRegionCode(null!).ShouldBeNull();

    [Theory]
    [InlineData("34", "340000")]
    [InlineData("3401", "340100")]
    [InlineData("340100", "340100")]
    [InlineData("340101", "340101")]
    [InlineData("340101015", "340101015")]
    public void regions_are_found_by_any_accepted_form(string code, string canonical) =>
        Demo.FindRegion(code)!.Code.ShouldBe(canonical);

    [Theory]
    [InlineData("35")]
    [InlineData("3417")]
    [InlineData("340101016")]
    [InlineData("x")]
    public void unknown_or_malformed_codes_find_nothing(string code)
    {
        Demo.FindRegion(code).ShouldBeNull();
        Demo.PetitionOfficeOf(code).ShouldBeNull();
        Demo.ChildrenOf(code).ShouldBeEmpty();
        Demo.RegionPath(code).ShouldBeEmpty();
        Demo.IsInSubtree(code, "000000").ShouldBeFalse();
    }

    [Fact]
    public void the_region_path_runs_from_the_national_root_down_to_the_region_itself()
    {
        Demo.RegionPath("340101001").ShouldBe(["000000", "340000", "340100", "340101", "340101001"]);
        Demo.RegionPath("3401").ShouldBe(["000000", "340000", "340100"]);
        Demo.RegionPath("34").ShouldBe(["000000", "340000"]);
        Demo.RegionPath("000000").ShouldBe(["000000"]);
    }

    [Theory]
    [InlineData("340101001", "340101001", true)]
    [InlineData("340101001", "340101", true)]
    [InlineData("340101001", "3401", true)]
    [InlineData("340101001", "34", true)]
    [InlineData("340101001", "000000", true)]
    [InlineData("340100", "340100", true)]
    [InlineData("340101001", "340102", false)]
    [InlineData("340101001", "3402", false)]
    [InlineData("340100", "340101", false)]
    [InlineData("340000", "340100", false)]
    [InlineData("000000", "340000", false)]
    [InlineData("340101", "999999", false)]
    public void is_in_subtree_is_inclusive_and_follows_parents(string region, string ancestor, bool expected) =>
        Demo.IsInSubtree(region, ancestor).ShouldBe(expected);

    [Fact]
    public void children_are_the_direct_children_ordered_by_code()
    {
        Demo.ChildrenOf("000000").Select(r => r.Code).ShouldBe(["340000"]);
        Demo.ChildrenOf("34").Select(r => r.Code).ShouldBe(Enumerable.Range(1, 16).Select(i => $"34{i:00}00"));
        Demo.ChildrenOf("340101015").ShouldBeEmpty();
    }
}
