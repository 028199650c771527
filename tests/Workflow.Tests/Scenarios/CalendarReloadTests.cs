using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Petitions;
using CaseEngine.Testing;
using CaseEngine.Workflow.Deadlines;
using Microsoft.Extensions.DependencyInjection;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class when_a_new_years_holidays_are_loaded(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    // Test data, not a real notice: 2027's New Year holiday on Friday 1 and Monday 4 January.
    private static readonly CalendarYear TestYear2027 = new(2027, "test data: not a State Council notice",
        [new CalendarDay(new DateOnly(2027, 1, 1), "元旦"), new CalendarDay(new DateOnly(2027, 1, 4), "元旦（测试）")], []);

    [Fact]
    public async Task open_provisional_deadlines_are_recounted_with_an_event_and_their_timers_follow()
    {
        // Received Saturday 19 December 2026: routing's 15 days end Monday 4 January 2027, a year without data yet.
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2026, 12, 19)));
        var id = (await engine.SubmitAsync()).PetitionId;
        var before = (await engine.PetitionAsync(id)).Clock!.Due;
        before.LastDay.ShouldBe(new DateOnly(2027, 1, 4));
        before.Provisional.ShouldBeTrue();

        var reload = engine.Host.Services.GetRequiredService<CalendarReload>();
        (await reload.LoadAsync(BusinessCalendar.China.WithYear(TestYear2027))).ShouldBe(1);
        (await reload.LoadAsync(BusinessCalendar.China.WithYear(TestYear2027))).ShouldBe(0);   // same data again: nothing new

        var recalculated = (await engine.StreamAsync(id)).Select(e => e.Data).OfType<DeadlineRecalculated>().ShouldHaveSingleItem();
        recalculated.Previous.ShouldBe(before);
        recalculated.Recalculated.LastDay.ShouldBe(new DateOnly(2027, 1, 5));
        recalculated.Recalculated.Provisional.ShouldBeFalse();
        (await engine.PetitionAsync(id)).Clock!.Due.DueAt.ShouldBe(Midnight(2027, 1, 6));

        // The timer moved with it: not missed at the old due moment, missed at the new one.
        engine.Clock.SetUtcNow(Midnight(2027, 1, 5).AddHours(1));
        await engine.SweepAsync();
        (await engine.StreamAsync(id)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldBeEmpty();
        engine.Clock.SetUtcNow(Midnight(2027, 1, 6));
        await engine.SweepAsync();
        (await engine.StreamAsync(id)).Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem();
    }
}
