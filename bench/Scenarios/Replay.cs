using CaseEngine.Testing;
using System.Text.Json;
using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// T7: an auditor replays a petition of 1,000 events — its full history as the API serializes it,
/// and its state as of a version and as of a moment — built through the real append path.
/// </summary>
public static class Replay
{
    public static async Task<(Measured History, Measured AsOfVersion, Measured AsOfMoment, TimeSpan Build)> MeasureAsync(
        EngineHost engine, int events, int repetitions)
    {
        var build = System.Diagnostics.Stopwatch.StartNew();
        var citizen = new Actor("citizen-bench", Role.Petitioner, null);
        var officer = new Actor("officer-bench", Role.Officer, "340101-PO");
        var agency = new Actor("agency-bench", Role.Officer, "340101-EDU");
        var submitted = await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), citizen),
            new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest, "村道损坏无人维修",
                string.Concat(Enumerable.Repeat("村里的道路损坏已有半年，请求尽快维修。", 10)),
                new PetitionerDetails("张三丰", "13812345678", null, null))));
        var id = submitted.PetitionId;
        await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), officer), new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer)));
        await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), agency), new AcceptPetition(id)));
        for (var i = 3; i < events; i++)
            await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), agency), new AssignOfficer(id, $"officer-{i}")));
        build.Stop();

        var store = engine.Host.Services.GetRequiredService<IDocumentStore>();
        DateTimeOffset middle;
        await using (var session = store.QuerySession(Province.Demo))
            middle = (await session.Events.FetchStreamAsync(id, version: events / 2)).Last().Timestamp;

        // The API's own reads (HistoryQueries: history, petitionAsOf and every petition's history field), not
        // Marten's calls written out again here: a bench that reads another way measures another path.
        var history = await Load.RepeatAsync(repetitions, async _ =>
        {
            await using var session = store.QuerySession(Province.Demo);
            var stream = await HistoryQueries.HistoryAsync(session, id);
            var bytes = 0;
            foreach (var e in stream)
                bytes += JsonSerializer.SerializeToUtf8Bytes(e.Data, e.Data.GetType(), EventJson.Options).Length;
            if (stream.Count != events || bytes == 0)
                throw new InvalidOperationException($"history has {stream.Count} events, expected {events}");
        });
        var asOfVersion = await Load.RepeatAsync(repetitions, async _ =>
        {
            await using var session = store.QuerySession(Province.Demo);
            var state = await HistoryQueries.AsOfAsync(session, id, version: events / 2);
            if (state?.Version != events / 2)
                throw new InvalidOperationException("time travel by version folded the wrong prefix");
        });
        var asOfMoment = await Load.RepeatAsync(repetitions, async _ =>
        {
            await using var session = store.QuerySession(Province.Demo);
            var state = await HistoryQueries.AsOfAsync(session, id, at: middle);
            if (state is not { Version: >= 1 })
                throw new InvalidOperationException("time travel by moment found nothing");
        });
        return (history, asOfVersion, asOfMoment, build.Elapsed);
    }
}
