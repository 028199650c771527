using System.Globalization;
using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.Duplicates;
using Xunit.Abstractions;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

/// <summary>The similarity alone, on the labelled set's compared pairs: how the threshold was chosen.</summary>
public class when_the_labelled_pairs_are_scored(ITestOutputHelper output)
{
    private static TermVector Vector(PlannedPetition p)
    {
        var c = p.Command;
        return TermVector.Of(ChineseTextAnalyzer.Shared, c.Subject, c.Content, DuplicateIndex.MaxContentChars);
    }

    [Theory]
    [InlineData(20250303)]
    [InlineData(1)]
    [InlineData(2)]
    public void rewordings_score_above_the_threshold_and_other_matters_below_it(int seed)
    {
        var workload = LabelledWorkload.Generate(seed);
        var expected = workload.ExpectedPairs();
        var scored = workload.ComparedPairs()
            .Select(p => (Duplicate: expected.Contains((p.New.Index, p.Earlier.Index)), Score: DuplicateDetector.Score(Vector(p.New), Vector(p.Earlier)), p.New, p.Earlier))
            .ToList();

        foreach (var threshold in new[] { 0.25, 0.3, 0.35, 0.4, DuplicateDetector.Threshold, 0.5, 0.6 })
        {
            var tp = scored.Count(s => s.Duplicate && s.Score >= threshold);
            var fp = scored.Count(s => !s.Duplicate && s.Score >= threshold);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threshold {threshold:0.00}: precision {tp / (double)Math.Max(1, tp + fp):0.000} recall {tp / (double)expected.Count:0.000} (tp {tp}, fp {fp}, labelled {expected.Count})"));
        }
        var positives = scored.Where(s => s.Duplicate).Select(s => s.Score).Order().ToList();
        var negatives = scored.Where(s => !s.Duplicate).Select(s => s.Score).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"duplicates: n={positives.Count} min {positives[0]:0.000} p10 {positives[positives.Count / 10]:0.000} median {positives[positives.Count / 2]:0.000}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"other matters: n={negatives.Count} median {negatives[negatives.Count / 2]:0.000} p90 {negatives[negatives.Count * 9 / 10]:0.000} max {negatives[^1]:0.000}"));
        foreach (var s in scored.Where(s => s.Duplicate != (s.Score >= DuplicateDetector.Threshold)).Take(8))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(s.Duplicate ? "missed" : "false")} {s.Score:0.000}: [{s.New.Command.Subject}] vs [{s.Earlier.Command.Subject}]"));

        var hits = scored.Count(s => s.Duplicate && s.Score >= DuplicateDetector.Threshold);
        var flagged = scored.Count(s => s.Score >= DuplicateDetector.Threshold);
        (hits / (double)flagged).ShouldBeGreaterThanOrEqualTo(0.9);
        (hits / (double)expected.Count).ShouldBeGreaterThanOrEqualTo(0.8);
    }

    [Fact]
    public void the_labelled_set_has_at_least_200_petitions_of_every_kind_of_case()
    {
        var workload = LabelledWorkload.Generate();
        workload.All.Count().ShouldBeGreaterThanOrEqualTo(200);
        workload.ExpectedPairs().Count.ShouldBeGreaterThan(100);
        workload.Endings.Values.Distinct().Count().ShouldBe(3);
    }
}
