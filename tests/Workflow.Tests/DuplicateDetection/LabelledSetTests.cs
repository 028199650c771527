using CaseEngine.Workflow.Commands;
using System.Diagnostics;
using System.Globalization;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Testing;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Submitting;
using Marten;
using Marten.Events;
using Xunit.Abstractions;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

/// <summary>
/// The labelled set through the real workflow: every petition submitted through the bus, some
/// originals withdrawn, declined or taken to termination between the two phases, detection run by the
/// daemon after each commit; what the petitions' state says was flagged is compared with the labels.
/// </summary>
public class when_a_labelled_set_of_petitions_goes_through_the_workflow(DatabaseFixture db, ITestOutputHelper output)
    : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task likely_duplicates_are_flagged_with_at_least_090_precision_and_080_recall()
    {
        var workload = LabelledWorkload.Generate();
        var watch = Stopwatch.StartNew();
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)), o => o.DuplicateDetection = true);
        var ids = new Dictionary<int, Guid>();

        foreach (var p in workload.FirstPhase)
            ids[p.Index] = await SubmitAsync(engine, p);
        await engine.Store.SettleAsync(Settle);

        var all = workload.All.ToDictionary(p => p.Index);
        foreach (var (index, ending) in workload.Endings)
            await EndAsync(engine, all[index], ids[index], ending);

        foreach (var p in workload.SecondPhase)
            ids[p.Index] = await SubmitAsync(engine, p);
        await engine.Store.SettleAsync(Settle);

        var indexOf = ids.ToDictionary(x => x.Value, x => x.Key);
        var predicted = new HashSet<(int, int)>();
        var scores = new List<double>();
        await using (var session = engine.Store.QuerySession(Province.Demo))
        {
            var petitions = await session.LoadManyAsync<Petition>([.. ids.Values]);
            foreach (var petition in petitions)
            {
                foreach (var flag in petition.SuspectedDuplicates)
                {
                    predicted.Add((indexOf[petition.Id], indexOf[flag.CandidatePetitionId]));
                    scores.Add(flag.Score);
                }
                // Never declined, merged or otherwise moved by detection: only the workload's own endings.
                if (!workload.Endings.ContainsKey(indexOf[petition.Id]))
                    petition.Status.ShouldBe(PetitionStatus.Registered);
            }
        }

        var expected = workload.ExpectedPairs();
        var truePositives = predicted.Count(expected.Contains);
        var precision = truePositives / (double)predicted.Count;
        var recall = truePositives / (double)expected.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ids.Count} petitions, {expected.Count} labelled duplicate pairs, {predicted.Count} flagged, {truePositives} right: precision {precision:0.000}, recall {recall:0.000} (threshold {DuplicateDetector.Threshold}); {watch.Elapsed.TotalSeconds:0.0} s"));
        scores.ShouldAllBe(s => s >= DuplicateDetector.Threshold && s <= 1);
        precision.ShouldBeGreaterThanOrEqualTo(0.9);
        recall.ShouldBeGreaterThanOrEqualTo(0.8);

        // The labelled endings: a withdrawn or declined original is a new matter's past, a terminated one is not.
        foreach (var (index, ending) in workload.Endings)
        {
            var repeats = workload.SecondPhase.Where(p => p.MatterId == all[index].MatterId && p.Person == all[index].Person).ToList();
            foreach (var repeat in repeats)
                predicted.Contains((repeat.Index, index)).ShouldBe(ending == Ending.Terminated, $"{ending} original");
        }
    }

    private static async Task<Guid> SubmitAsync(Engine engine, PlannedPetition p)
    {
        engine.Clock.Advance(TimeSpan.FromMinutes(7));
        var result = await engine.SendAsync(new CommandEnvelope(Engine.As(p.Person.Actor), p.Command));
        return result.PetitionId;
    }

    /// <summary>Withdrawn by the petitioner, declined by the entry office, or terminated after reply, review and re-review.</summary>
    private static async Task EndAsync(Engine engine, PlannedPetition p, Guid id, Ending ending)
    {
        var county = p.EntryRegion;
        var city = county[..4] + "00";
        engine.Clock.Advance(TimeSpan.FromHours(1));
        switch (ending)
        {
            case Ending.Withdrawn:
                await engine.SendAsync(new CommandEnvelope(Engine.As(p.Person.Actor), new WithdrawPetition(id, "已协商解决")));
                break;
            case Ending.Declined:
                await engine.SendAsync(new CommandEnvelope(Engine.As(Officer($"{county}-PO")),
                    new DeclinePetition(id, "属于诉讼途径解决的事项", LegalRoute.Litigation)));
                break;
            case Ending.Terminated:
                await engine.Forward(id, to: $"{county}-EDU", by: $"{county}-PO");
                await engine.Accept(id, by: $"{county}-EDU");
                await engine.Reply(id, by: $"{county}-EDU");
                await engine.SendAsync(new CommandEnvelope(Engine.As(p.Person.Actor), new RequestReview(id, "不服处理意见")));
                await engine.SendAsync(new CommandEnvelope(Engine.As(Officer($"{city}-EDU")), new DecideReview(id, ReviewOutcome.Upheld, "维持")));
                await engine.SendAsync(new CommandEnvelope(Engine.As(p.Person.Actor), new RequestReReview(id, "仍不服")));
                var result = await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340000-EDU")),
                    new DecideReReview(id, ReviewOutcome.Upheld, "维持复查意见")));
                result.Types().ShouldContain(nameof(PetitionTerminated));
                break;
        }
    }
}
