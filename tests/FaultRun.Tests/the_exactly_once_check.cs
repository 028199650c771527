using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using Npgsql;

namespace CaseEngine.FaultRun.Tests;

/// <summary>
/// The fault run's exactly-once check on the log itself, against a real engine: it must count an
/// event appended by a second execution of a command, and nothing that one execution appends. A CI run
/// of the fault run failed on the old check (one causation, stream and type appearing twice): one flag
/// command appends a DuplicateSuspected per candidate, so a petition flagged with two candidates at once
/// looked like a command applied twice.
/// </summary>
public sealed class the_exactly_once_check(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task counts_a_second_execution_and_not_the_several_events_of_one()
    {
        await using var engine = await Engine.StartAsync(db);
        var flagged = await engine.SubmitAsync();
        var first = await engine.SubmitAsync();
        var second = await engine.SubmitAsync();
        var flag = CommandMeta.System(Guid.NewGuid(), "exactly-once-check");
        var result = await engine.SendAsync(new CommandEnvelope(flag,
            new FlagSuspectedDuplicates(flagged.PetitionId, [new(first.PetitionId, 0.9), new(second.PetitionId, 0.8)])));
        result.Events.Count.ShouldBe(2, "one flag, two candidates: two events of one type on one stream from one command");

        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(Engine.ProvinceOf(flagged.PetitionId)));
        await connection.OpenAsync();
        var (count, detail) = await Bench.Faults.FaultRun.EventsBeyondTheirCommandAsync(connection);
        count.ShouldBe(0, detail);

        // A second execution of the flag: its event again, under the same command id, past the versions its record names.
        var stream = await engine.StreamAsync(flagged.PetitionId);
        await using (var session = engine.Store.LightweightSession(Engine.ProvinceOf(flagged.PetitionId)))
        {
            var again = session.Events.Append(flagged.PetitionId, stream[^1].Data);
            again.Events[0].CausationId = flag.CommandId.ToString();
            await session.SaveChangesAsync();
        }
        (count, detail) = await Bench.Faults.FaultRun.EventsBeyondTheirCommandAsync(connection);
        count.ShouldBe(1);
        detail.ShouldContain("duplicate_suspected");
        detail.ShouldContain($"v{stream.Count + 1}");
    }
}
