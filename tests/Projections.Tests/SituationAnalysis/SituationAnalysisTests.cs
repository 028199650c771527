using CaseEngine.Workflow.Commands;
using System.Diagnostics;
using System.Globalization;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Projections.Statistics;
using CaseEngine.Testing;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Submitting;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using IProjectionCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace CaseEngine.Projections.Tests.SituationAnalysis;

/// <summary>形势研判 on a seeded workload with a planted surge, through the real workflow and the async daemon.</summary>
[RunsLong]
public class when_one_countys_land_requisition_petitions_triple(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private static readonly string[] LandWords = ["征地", "补偿", "征地补偿", "土地", "征收", "征用", "补偿款"];
    private static readonly DepartmentDirectory Directory = DemoDirectory.Build();

    [Fact]
    public async Task that_county_and_that_topic_rank_first_exactly_as_counted_from_the_seed_and_after_a_rebuild()
    {
        var watch = Stopwatch.StartNew();
        var seeded = SurgeWorkload.Generate();
        await using var engine = await Engine.StartAsync(db, new FakeClock(seeded[0].ReceivedAt));
        var ids = new List<Guid>();
        foreach (var p in seeded)
        {
            engine.Clock.SetUtcNow(p.ReceivedAt);
            var result = await engine.SendAsync(new CommandEnvelope(
                Engine.As(new Actor($"citizen-{p.Index}", Role.Petitioner, null)), p.Command(p.Index)));
            ids.Add(result.PetitionId);
        }
        await engine.Store.SettleAsync(Settle);
        var seededAt = watch.Elapsed;

        SituationReport city;
        await using (var session = engine.Store.QuerySession(Province.Demo))
            city = await SituationAnalysisQueries.AnalyseAsync(session, Directory, SurgeWorkload.City, AnalysisPeriod.Month, new DateOnly(2025, 6, 18));
        Print(city);

        city.Window.Start.ShouldBe(SurgeWorkload.June);
        city.Window.BaselineStarts.ShouldBe([new DateOnly(2025, 2, 1), new DateOnly(2025, 3, 1), new DateOnly(2025, 4, 1), new DateOnly(2025, 5, 1)]);
        var first = city.Regions[0];
        first.Key.ShouldBe(SurgeWorkload.SurgeCounty);
        first.Count.ShouldBe(6 + 15);
        first.BaselineCounts.ShouldBe([11, 11, 11, 11]);
        first.Ratio.ShouldNotBeNull().ShouldBe(21 / 11.0, 1e-9);
        city.Regions.Skip(1).ShouldAllBe(r => r.Ratio == 1.0);
        city.Categories[0].Key.ShouldBe(nameof(PetitionCategory.ComplaintRequest));
        LandWords.ShouldContain(city.Keywords[0].Keyword);
        city.Keywords.Count.ShouldBe(SituationAnalysisQueries.KeywordCount);
        city.Keywords.Select(k => k.Keyword).ShouldContain("征地");
        city.ShouldBeEquivalentTo(Oracle(seeded, [], SurgeWorkload.City, city.Window));

        // The province: the surging city ranks first among its cities.
        await using (var session = engine.Store.QuerySession(Province.Demo))
        {
            var province = await SituationAnalysisQueries.AnalyseAsync(session, Directory, "34", AnalysisPeriod.Month, new DateOnly(2025, 6, 30));
            province.Regions[0].Key.ShouldBe(SurgeWorkload.City);
            province.Keywords.Select(k => k.Keyword).ShouldContain("征地");
            province.ShouldBeEquivalentTo(Oracle(seeded, [], DemoDirectory.ProvinceCode, province.Window));
        }

        // A June land petition of the county linked as a duplicate leaves the count (the original counts).
        var june = seeded.Where(p => p.EntryRegion == SurgeWorkload.SurgeCounty && p.ReceivedAt >= new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.FromHours(8))
            && p.Subject.Length > 0 && p.Category == PetitionCategory.ComplaintRequest).Take(2).ToList();
        await engine.SendAsync(new CommandEnvelope(Engine.As(new Actor("officer", Role.Officer, $"{SurgeWorkload.SurgeCounty}-PO")),
            new LinkDuplicate(ids[june[1].Index], ids[june[0].Index], "同一事项")));
        await engine.Store.SettleAsync(Settle);
        SituationReport afterLink;
        await using (var session = engine.Store.QuerySession(Province.Demo))
            afterLink = await SituationAnalysisQueries.AnalyseAsync(session, Directory, SurgeWorkload.City, AnalysisPeriod.Month, SurgeWorkload.June);
        afterLink.Regions[0].Count.ShouldBe(20);
        afterLink.Received.ShouldBe(city.Received - 1);
        afterLink.ShouldBeEquivalentTo(Oracle(seeded, [june[1].Index], SurgeWorkload.City, afterLink.Window));

        // Rebuilt from the events: the same report.
        await CaseEngine.Projections.Monitoring.ProjectionRebuilds.RebuildAsync(engine.Host.Services.GetRequiredService<IProjectionCoordinator>(), SituationAnalysisProjection.Name);
        await using (var session = engine.Store.QuerySession(Province.Demo))
            (await SituationAnalysisQueries.AnalyseAsync(session, Directory, SurgeWorkload.City, AnalysisPeriod.Month, SurgeWorkload.June))
                .ShouldBeEquivalentTo(afterLink);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{seeded.Count} petitions seeded in {seededAt.TotalSeconds:0.0} s; whole test {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    /// <summary>The report computed in memory from the seed, by the documented formulas.</summary>
    private static SituationReport Oracle(IReadOnlyList<SeededPetition> seeded, int[] merged, string regionCode, PeriodWindow window)
    {
        var region = Directory.FindRegion(regionCode)!;
        var path = string.Join('.', Directory.RegionPath(region.Code));
        var bounds = window.BaselineStarts.Append(window.Start).Append(window.End).ToArray();
        var text = ChineseTextAnalyzer.Shared;
        var rows = seeded
            .Where(p => !merged.Contains(p.Index))
            .Select(p => (p, Path: string.Join('.', Directory.RegionPath(p.EntryRegion)), Day: SituationAnalysisProjection.DayOf(p.ReceivedAt)))
            .Where(x => (x.Path == path || x.Path.StartsWith(path + ".", StringComparison.Ordinal)) && x.Day >= bounds[0] && x.Day < bounds[^1])
            .Select(x => (x.p, Child: x.Path == path ? null : x.Path[(path.Length + 1)..].Split('.')[0],
                Bucket: Array.FindLastIndex(bounds, b => b <= x.Day), Keywords: SituationAnalysisProjection.Keywords(text, x.p.Subject)))
            .ToList();
        int[] Counts(IEnumerable<int> buckets)
        {
            var counts = new int[SituationAnalysisQueries.BaselinePeriods + 1];
            foreach (var b in buckets) counts[b]++;
            return counts;
        }
        var names = Directory.ChildrenOf(region.Code).ToDictionary(c => c.Code, c => c.Name);
        var regions = rows.Where(r => r.Child is not null).GroupBy(r => r.Child!)
            .Select(g => SituationAnalysisQueries.Item(g.Key, names[g.Key], Counts(g.Select(r => r.Bucket))));
        var categories = rows.GroupBy(r => r.p.Category.ToString())
            .Select(g => SituationAnalysisQueries.Item(g.Key, g.Key, Counts(g.Select(r => r.Bucket))));
        var baselineSubjects = rows.Count(r => r.Bucket < SituationAnalysisQueries.BaselinePeriods);
        var keywords = rows.SelectMany(r => r.Keywords.Select(k => (k, Now: r.Bucket == SituationAnalysisQueries.BaselinePeriods)))
            .GroupBy(x => x.k)
            .Select(g => (Word: g.Key, Count: g.Count(x => x.Now), Baseline: g.Count(x => !x.Now)))
            .Where(x => x.Count > 0)
            .Select(x => new KeywordTrend(x.Word, x.Count, x.Baseline, x.Baseline / 4.0,
                Math.Round(x.Count * (Math.Log((1.0 + baselineSubjects) / (1 + x.Baseline)) + 1), 6)))
            .OrderByDescending(k => k.Score).ThenByDescending(k => k.Count).ThenBy(k => k.Keyword, StringComparer.Ordinal)
            .Take(SituationAnalysisQueries.KeywordCount).ToList();
        var total = Counts(rows.Select(r => r.Bucket));
        return new SituationReport(region.Code, region.Name, window, total[^1], total.Take(4).Average(),
            SituationAnalysisQueries.Rank(regions), SituationAnalysisQueries.Rank(categories), keywords);
    }

    private void Print(SituationReport report)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.RegionName} {report.Window.Start:yyyy-MM}: received {report.Received}, baseline mean {report.BaselineMean:0.0}"));
        foreach (var r in report.Regions.Take(3))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  region {r.Key} {r.Name}: {r.Count} vs [{string.Join(',', r.BaselineCounts)}] ratio {r.Ratio:0.00}"));
        foreach (var c in report.Categories)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  category {c.Key}: {c.Count} vs [{string.Join(',', c.BaselineCounts)}] ratio {c.Ratio:0.00}"));
        output.WriteLine("  keywords: " + string.Join(" ", report.Keywords.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Keyword}({k.Count}/{k.BaselineCount}:{k.Score:0.0})"))));
    }
}
