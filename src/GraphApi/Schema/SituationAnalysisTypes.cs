using CaseEngine.Projections.SituationAnalysis;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

// 形势研判 as the API shows it: an extension of the contract, readable by a SUPERVISOR for its
// subtree, AUDITOR and ADMIN (Jurisdiction.CanAnalyse in src/Domain holds the rule).

public sealed class AnalysisPeriodEnum : EnumerationGraphType<AnalysisPeriod>
{
    public AnalysisPeriodEnum() => Name = "AnalysisPeriod";
}

public sealed class RisingItemType : ObjectGraphType<RisingItem>
{
    public RisingItemType()
    {
        Name = "RisingItem";
        Description = "A sub-region or a category and how its received count compares with its own last 4 periods.";
        Field<NonNullGraphType<StringGraphType>, string>("key").Resolve(c => c.Source.Key);
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(c => c.Source.Count);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IntGraphType>>>, IEnumerable<int>>("baselineCounts").Resolve(c => c.Source.BaselineCounts);
        Field<NonNullGraphType<FloatGraphType>, double>("baselineMean").Resolve(c => c.Source.BaselineMean);
        Field<FloatGraphType, double?>("ratio").Description("count ÷ baseline mean; null when the baseline is zero (ranked first)").Resolve(c => c.Source.Ratio);
    }
}

public sealed class KeywordTrendType : ObjectGraphType<KeywordTrend>
{
    public KeywordTrendType()
    {
        Name = "KeywordTrend";
        Field<NonNullGraphType<StringGraphType>, string>("keyword").Resolve(c => c.Source.Keyword);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(c => c.Source.Count);
        Field<NonNullGraphType<IntGraphType>, int>("baselineCount").Resolve(c => c.Source.BaselineCount);
        Field<NonNullGraphType<FloatGraphType>, double>("score").Description("TF-IDF of the period's subjects against the previous periods").Resolve(c => c.Source.Score);
    }
}

public sealed class SituationReportType : ObjectGraphType<SituationReport>
{
    public SituationReportType()
    {
        Name = "SituationReport";
        Field<NonNullGraphType<IdGraphType>, string>("regionCode").Resolve(c => c.Source.RegionCode);
        Field<NonNullGraphType<StringGraphType>, string>("regionName").Resolve(c => c.Source.RegionName);
        Field<NonNullGraphType<AnalysisPeriodEnum>, AnalysisPeriod>("period").Resolve(c => c.Source.Window.Period);
        Field<NonNullGraphType<DateScalar>, DateOnly>("periodStart").Resolve(c => c.Source.Window.Start);
        Field<NonNullGraphType<DateScalar>, DateOnly>("periodEnd").Description("exclusive").Resolve(c => c.Source.Window.End);
        Field<NonNullGraphType<IntGraphType>, int>("received").Resolve(c => c.Source.Received);
        Field<NonNullGraphType<FloatGraphType>, double>("baselineMean").Resolve(c => c.Source.BaselineMean);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RisingItemType>>>, IEnumerable<RisingItem>>("risingRegions").Resolve(c => c.Source.Regions);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RisingItemType>>>, IEnumerable<RisingItem>>("risingCategories").Resolve(c => c.Source.Categories);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeywordTrendType>>>, IEnumerable<KeywordTrend>>("keywords").Resolve(c => c.Source.Keywords);
    }
}
