using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.SituationAnalysis;

namespace CaseEngine.Projections.Tests.SituationAnalysis;

public class when_a_period_is_chosen
{
    [Fact]
    public void weeks_start_on_monday_and_the_baseline_is_the_four_periods_before()
    {
        var week = SituationAnalysisQueries.WindowOf(AnalysisPeriod.Week, new DateOnly(2025, 6, 15)); // a Sunday
        week.Start.ShouldBe(new DateOnly(2025, 6, 9));
        week.End.ShouldBe(new DateOnly(2025, 6, 16));
        week.BaselineStarts.ShouldBe([new DateOnly(2025, 5, 12), new DateOnly(2025, 5, 19), new DateOnly(2025, 5, 26), new DateOnly(2025, 6, 2)]);
    }

    [Fact]
    public void months_and_quarters_are_calendar_aligned_across_the_year_boundary()
    {
        var month = SituationAnalysisQueries.WindowOf(AnalysisPeriod.Month, new DateOnly(2025, 2, 28));
        month.Start.ShouldBe(new DateOnly(2025, 2, 1));
        month.End.ShouldBe(new DateOnly(2025, 3, 1));
        month.From.ShouldBe(new DateOnly(2024, 10, 1));
        var quarter = SituationAnalysisQueries.WindowOf(AnalysisPeriod.Quarter, new DateOnly(2025, 5, 20));
        quarter.Start.ShouldBe(new DateOnly(2025, 4, 1));
        quarter.End.ShouldBe(new DateOnly(2025, 7, 1));
        quarter.BaselineStarts.ShouldBe([new DateOnly(2024, 4, 1), new DateOnly(2024, 7, 1), new DateOnly(2024, 10, 1), new DateOnly(2025, 1, 1)]);
    }
}

public class when_rising_items_are_ranked
{
    [Fact]
    public void a_zero_baseline_ranks_as_infinite_then_ratios_then_counts_and_fewer_than_five_are_left_out()
    {
        var ranked = SituationAnalysisQueries.Rank(
        [
            SituationAnalysisQueries.Item("a", "a", [2, 2, 2, 2, 6]),   // ratio 3
            SituationAnalysisQueries.Item("b", "b", [0, 0, 0, 0, 5]),   // new: +∞
            SituationAnalysisQueries.Item("c", "c", [0, 0, 0, 0, 9]),   // new, more
            SituationAnalysisQueries.Item("d", "d", [1, 1, 1, 1, 4]),   // ratio 4 but only 4 now
            SituationAnalysisQueries.Item("e", "e", [10, 10, 10, 10, 5]), // falling
            SituationAnalysisQueries.Item("f", "f", [4, 4, 4, 4, 12]),  // ratio 3, more than a
        ]);
        ranked.Select(r => r.Key).ShouldBe(["c", "b", "f", "a", "e"]);
        ranked[0].Ratio.ShouldBeNull();
        ranked[0].BaselineMean.ShouldBe(0);
        ranked[2].Ratio.ShouldBe(3);
        ranked[4].Ratio.ShouldBe(0.5);
    }
}

/// <summary>contract/access.md: situation analysis is readable by SUPERVISOR (its subtree), AUDITOR and ADMIN.</summary>
public class when_situation_analysis_is_asked_for
{
    private static readonly DepartmentDirectory Directory = DemoDirectory.Build();

    private static RuleCode? Refusal(Actor? caller, string region, bool anonymous = false)
    {
        try
        {
            Jurisdiction.EnsureMayAnalyse(caller, anonymous, Directory, region);
            return null;
        }
        catch (RuleViolation e)
        {
            return e.Code;
        }
    }

    [Theory]
    [InlineData("340100", true)]     // its own region
    [InlineData("3401", true)]       // any accepted code form
    [InlineData("340103", true)]     // a county below
    [InlineData("340103001", true)]  // a township below
    [InlineData("340000", false)]    // above it
    [InlineData("340200", false)]    // a sibling city
    [InlineData("340201", false)]    // a county of the sibling
    public void a_supervisor_of_a_petition_office_analyses_its_region_subtree_only(string region, bool allowed)
    {
        var supervisor = new Actor("s", Role.Supervisor, "340100-PO");
        Jurisdiction.CanAnalyse(supervisor, Directory, region).ShouldBe(allowed);
        Refusal(supervisor, region).ShouldBe(allowed ? null : RuleCode.Forbidden);
    }

    [Theory]
    [InlineData(Role.Auditor, null)]
    [InlineData(Role.Admin, null)]
    public void auditors_and_admins_analyse_any_region(Role role, string? dept)
    {
        foreach (var region in new[] { "000000", "340000", "340201", "341601" })
            Refusal(new Actor("x", role, dept), region).ShouldBeNull();
    }

    [Theory]
    [InlineData(Role.Officer, "340100-PO")]
    [InlineData(Role.Supervisor, "340100-EDU")]  // a supervisor role without a petition office
    [InlineData(Role.Supervisor, null)]
    [InlineData(Role.Petitioner, null)]
    [InlineData(Role.Integrator, "340100-PO")]
    [InlineData(Role.System, null)]
    public void everyone_else_is_forbidden(Role role, string? dept)
    {
        Refusal(new Actor("x", role, dept), "340100").ShouldBe(RuleCode.Forbidden);
        Jurisdiction.CanAnalyse(new Actor("x", role, dept), Directory, "340100").ShouldBeFalse();
    }

    [Fact]
    public void without_a_token_it_is_unauthenticated_and_an_unknown_region_is_a_validation_error()
    {
        Refusal(null, "340100").ShouldBe(RuleCode.Unauthenticated);
        Refusal(Actor.AnonymousPetitioner, "340100", anonymous: true).ShouldBe(RuleCode.Unauthenticated);
        Refusal(new Actor("a", Role.Auditor, null), "349900").ShouldBe(RuleCode.Validation);
        Refusal(new Actor("a", Role.Auditor, null), "x").ShouldBe(RuleCode.Validation);
    }
}
