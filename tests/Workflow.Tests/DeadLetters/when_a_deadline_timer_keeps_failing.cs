using CaseEngine.Domain.Petitions;
using CaseEngine.Testing;
using CaseEngine.Workflow.DeadLetters;
using CaseEngine.Workflow.Deadlines;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.DeadLetters;

/// <summary>
/// A deadline whose firing fails every time (here the database refuses its commit) must not hold back
/// the others: the sweep fires every other due timer, tries the failing one on its next sweeps, then
/// sets it aside to the internal-commands queue, from where it becomes a dead letter an ADMIN replays.
/// </summary>
public sealed class when_a_deadline_timer_keeps_failing(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task the_other_deadlines_fire_and_the_failing_one_is_set_aside_kept_as_a_dead_letter_and_replayed()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var box = engine.Host.Services.GetRequiredService<DeadLetterBox>();
        // Poisoned falls due first, so before this change it stood at the head of every sweep.
        var poisoned = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(poisoned);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        var healthy = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(healthy);
        DeadlineTimer timer;
        await using (var session = engine.Store.QuerySession(Province.Demo))
            timer = await session.Query<DeadlineTimer>().Where(t => t.PetitionId == poisoned).OrderBy(t => t.DueAt).FirstAsync();

        // The database refuses every append to the poisoned petition (a fault of the kind a bad migration or a full disk gives).
        var schema = engine.Store.Options.Events.DatabaseSchemaName;
        await ExecuteAsync(engine, $"""
            create or replace function {schema}.refuse_poisoned() returns trigger language plpgsql as $$
            begin
              if new.stream_id = '{poisoned}' then raise exception 'appends to this stream are refused by the test'; end if;
              return new;
            end $$;
            create trigger refuse_poisoned before insert on {schema}.mt_events for each row execute function {schema}.refuse_poisoned();
            """);
        try
        {
            engine.Clock.Advance(TimeSpan.FromDays(30));
            // First sweep: the healthy petition's deadline fires though the poisoned one fails.
            await engine.SweepAsync();
            (await engine.StreamAsync(healthy)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldNotBeEmpty();
            (await engine.StreamAsync(poisoned)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldBeEmpty();
            for (var sweep = 1; sweep < DeadlineSweeper.AttemptsBeforeSettingAside; sweep++)
                await engine.SweepAsync();

            // Set aside: its row is gone, its command (same command id) failed in the queue and is kept.
            await using (var session = engine.Store.QuerySession(Province.Demo))
                (await session.Query<DeadlineTimer>().Where(t => t.Id == timer.Id).AnyAsync()).ShouldBeFalse();
            var commandId = DeadlineSweeper.FiringId(timer);
            var letter = await Poll.UntilAsync(async () => (await box.ListAsync(50, default)).SingleOrDefault(l => l.CommandId == commandId), Bound);
            letter.Command.ShouldBe("markDeadlineMissed");
            letter.PetitionId.ShouldBe(poisoned);

            // Repaired, then replayed as it was: the deadline is recorded once.
            await ExecuteAsync(engine, $"drop trigger refuse_poisoned on {schema}.mt_events;");
            (await box.ReplayAsync(letter.Id, default)).ShouldBeTrue();
            var missed = await Poll.UntilAsync(async () => (await engine.StreamAsync(poisoned)).Select(e => e.Data).OfType<DeadlineMissed>().FirstOrDefault(), Bound);
            missed.Stage.ShouldBe(timer.Stage);
            (await engine.StreamAsync(poisoned)).Select(e => e.Data).OfType<DeadlineMissed>().Count().ShouldBe(1);
        }
        finally
        {
            await ExecuteAsync(engine, $"drop trigger if exists refuse_poisoned on {schema}.mt_events;");
        }
    }

    private static async Task ExecuteAsync(Engine engine, string sql)
    {
        await using var connection = (await engine.Store.Storage.FindOrCreateDatabase(Province.Demo)).CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
