using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Deadlines;
using Marten;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class when_the_clock_passes_a_due_moment(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task e_missed_acceptance_and_handling_limits_are_recorded_once_and_supervised_automatically()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id);                                   // acceptance due 00:00 19 March

        engine.Clock.SetUtcNow(Midnight(2025, 3, 19).AddTicks(-1));
        (await engine.SweepAsync()).ShouldBe(0);                     // a tick before the due moment: nothing
        engine.Clock.SetUtcNow(Midnight(2025, 3, 19));
        (await engine.SweepAsync()).ShouldBeGreaterThan(0);
        (await engine.SweepAsync()).ShouldBe(0);                     // fired once

        var afterAcceptance = await engine.StreamAsync(id);
        var missed = afterAcceptance.Select(e => e.Data).OfType<DeadlineMissed>().ShouldHaveSingleItem();
        missed.Stage.ShouldBe(Stage.Acceptance);
        missed.LateDepartmentId.ShouldBe("340101-EDU");
        missed.By.Role.ShouldBe(Role.System);
        var auto = afterAcceptance.Select(e => e.Data).OfType<SupervisionIssued>().ShouldHaveSingleItem();
        auto.Automatic.ShouldBeTrue();
        auto.SupervisedDepartmentId.ShouldBe("340101-EDU");
        auto.ByDepartmentId.ShouldBe("340101-PO");                   // the petition office of the late agency's region
        auto.By.DepartmentId.ShouldBe("340101-PO");

        // Late acceptance still succeeds (an obligation) but is not on time.
        (await engine.Accept(id)).Data<PetitionAccepted>().OnTime.ShouldBeFalse();

        // The handling limit passes too: a second DeadlineMissed and a second automatic supervision.
        var handling = (await engine.PetitionAsync(id)).Clock!.Due;
        engine.Clock.SetUtcNow(handling.DueAt.AddHours(1));
        await engine.SweepAsync();
        var all = await engine.StreamAsync(id);
        // The first automatic supervision went unanswered for its 30 days too: overdue, but never supervised again.
        all.Select(e => e.Data).OfType<DeadlineMissed>().Select(m => m.Stage)
            .ShouldBe([Stage.Acceptance, Stage.SupervisionResponse, Stage.Handling]);
        all.Select(e => e.Data).OfType<SupervisionIssued>().Select(s => s.MissedStage).ShouldBe([Stage.Acceptance, Stage.Handling]);

        // The petition moves on (replied); the agency still answers the first supervision, on its own account.
        await engine.Reply(id);
        var answered = (await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-EDU")),
            new RespondToSupervision(id, auto.SupervisionId, "已受理并答复，今后注意时限")))).Data<SupervisionAnswered>();
        answered.OnTime.ShouldBeFalse();                             // its 30 days from 19 March had passed
        (await engine.PetitionAsync(id)).Supervisions.Single(s => s.Id == auto.SupervisionId).IsOpen.ShouldBeFalse();
    }

    [Fact]
    public async Task a_missed_supervision_response_is_overdue_but_never_supervised_again()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id);
        await engine.Accept(id);
        await engine.SendAsync(new CommandEnvelope(Engine.As(Supervisor("340100-PO")),
            new SupervisePetition(id, "请加快办理", Midnight(2025, 3, 10))));

        engine.Clock.SetUtcNow(Midnight(2025, 3, 10).AddMinutes(1));
        await engine.SweepAsync();
        var events = (await engine.StreamAsync(id)).Select(e => e.Data).ToList();
        events.OfType<DeadlineMissed>().ShouldHaveSingleItem().Stage.ShouldBe(Stage.SupervisionResponse);
        events.OfType<SupervisionIssued>().ShouldHaveSingleItem().Automatic.ShouldBeFalse();
    }

    [Fact]
    public async Task f_a_review_window_lapses_into_closed_and_a_late_request_is_refused()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id);
        await engine.Accept(id);
        var window = (await engine.Reply(id)).Data<ReplyIssued>().ReviewWindow;

        engine.Clock.SetUtcNow(window.DueAt);
        await engine.SweepAsync();
        var closed = await engine.PetitionAsync(id);
        closed.Status.ShouldBe(PetitionStatus.Closed);
        closed.Stage.ShouldBe(Stage.None);
        (await engine.StreamAsync(id)).Select(e => e.Data).OfType<PetitionClosed>().ShouldHaveSingleItem()
            .Reason.ShouldBe(ClosureReason.ReviewWindowLapsed);

        (await Should.ThrowAsync<RuleViolation>(() => engine.RequestReview(id))).Code.ShouldBe(RuleCode.DeadlinePassed);
    }

    [Fact]
    public async Task g_withdrawal_stops_every_clock()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id);
        await engine.SendAsync(new CommandEnvelope(Engine.As(Supervisor("340100-PO")),
            new SupervisePetition(id, "请加快办理", Shanghai(2025, 3, 10))));
        (await TimersAsync(engine, id)).Count.ShouldBe(2);

        (await engine.Withdraw(id)).Types().ShouldBe(["PetitionWithdrawn"]);
        (await TimersAsync(engine, id)).ShouldBeEmpty();
        engine.Clock.Advance(TimeSpan.FromDays(365));
        await engine.SweepAsync();
        var events = await engine.StreamAsync(id);
        events.Select(e => e.Data).OfType<DeadlineMissed>().ShouldBeEmpty();
        (await engine.PetitionAsync(id)).Status.ShouldBe(PetitionStatus.Withdrawn);
    }

    private static async Task<IReadOnlyList<DeadlineTimer>> TimersAsync(Engine engine, Guid id)
    {
        await using var session = engine.Store.QuerySession(Province.Demo);
        return await session.Query<DeadlineTimer>().Where(t => t.PetitionId == id).ToListAsync();
    }
}
