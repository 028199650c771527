using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Testing;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

/// <summary>
/// The bench's submission workload (issue 17) is realistic for duplicate detection: distinct
/// petitioners, about 3 % resubmissions by the same petitioner, and those reworded enough to be
/// new text yet similar enough that the detector flags them as production would.
/// </summary>
public class when_the_bench_draws_its_submissions
{
    private static List<BenchSubmission> Draw(int clients, int each)
    {
        var mix = new SubmissionMix(20261205, ["340102", "340103"]);
        return [.. Enumerable.Range(0, clients).SelectMany(c =>
        {
            var client = mix.For(c);
            return Enumerable.Range(0, each).Select(_ => client.Next()).ToList();
        })];
    }

    [Fact]
    public void every_new_submission_has_a_petitioner_of_its_own_and_about_3_percent_are_resubmissions()
    {
        var all = Draw(8, 1000);
        var originals = all.Where(s => !s.Resubmission).ToList();
        originals.Select(s => s.IdNumber).Distinct().Count().ShouldBe(originals.Count);
        originals.Select(s => s.Phone).Distinct().Count().ShouldBe(originals.Count);
        (all.Count(s => s.Resubmission) / (double)all.Count).ShouldBeInRange(0.02, 0.04);
        foreach (var again in all.Where(s => s.Resubmission))
        {
            var first = originals.Single(o => o.IdNumber == again.IdNumber);
            (first.Name, first.Phone, first.Address).ShouldBe((again.Name, again.Phone, again.Address));
            (first.Subject + first.Content).ShouldNotBe(again.Subject + again.Content);
        }
    }

    [Fact]
    public void the_detector_would_flag_most_resubmissions_against_their_first_petition()
    {
        var all = Draw(8, 1000);
        var firsts = all.Where(s => !s.Resubmission).ToDictionary(s => s.IdNumber);
        static TermVector Vector(BenchSubmission s) =>
            TermVector.Of(ChineseTextAnalyzer.Shared, s.Subject, s.Content, DuplicateIndex.MaxContentChars);
        var resubmissions = all.Where(s => s.Resubmission).ToList();
        var flagged = resubmissions.Count(s => DuplicateDetector.Score(Vector(s), Vector(firsts[s.IdNumber])) >= DuplicateDetector.Threshold);
        (flagged / (double)resubmissions.Count).ShouldBeGreaterThanOrEqualTo(0.8);
    }
}
