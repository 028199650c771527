using CaseEngine.Bench.Harness;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;

namespace CaseEngine.Bench.Scenarios;

/// <summary>
/// "chain": what the tamper-evident event chain costs per command. The same closed loop (each client
/// submits a petition, forwards it, has it accepted and assigns an officer: four commands, four
/// appends) on a fresh database with the chain off, then on.
/// </summary>
public static class ChainCost
{
    public static async Task<Measured> MeasureAsync(string connectionString, bool chain, int clients, TimeSpan duration)
    {
        // Without duplicate detection: the same sample petition again and again would be flagged, and its
        // appends would race the measured commands on the same streams.
        await using var engine = await EngineHost.StartAsync(connectionString, chain, duplicateDetection: false);
        var citizen = new Actor("citizen-bench", Role.Petitioner, null);
        var officer = new Actor("officer-bench", Role.Officer, "340101-PO");
        var agency = new Actor("agency-bench", Role.Officer, "340101-EDU");
        // Warm-up: code generation and first connections are not the chain's cost.
        await Cycle(engine, citizen, officer, agency);
        var measured = await Load.RunAsync(clients, duration, async (_, _) => await Cycle(engine, citizen, officer, agency));
        // Four commands per operation.
        return new Measured(measured.Operations * 4, measured.Elapsed, [.. measured.LatenciesMs.Select(l => l / 4)]);
    }

    private static async Task Cycle(EngineHost engine, Actor citizen, Actor officer, Actor agency)
    {
        var submitted = await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), citizen),
            new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest, "村道损坏无人维修",
                "村里的道路损坏已有半年，请求尽快维修。", new PetitionerDetails("张三丰", "13812345678", null, null))));
        var id = submitted.PetitionId;
        await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), officer), new ForwardPetition(id, "340101-EDU", ForwardMode.Transfer)));
        await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), agency), new AcceptPetition(id)));
        await engine.SendAsync(new CommandEnvelope(new CommandMeta(Guid.NewGuid(), agency), new AssignOfficer(id, "officer-1")));
    }
}
