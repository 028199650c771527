using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

/// <summary>Scenario (a): a petition's whole life up to termination, every event, status, stage, last day and due moment.</summary>
public class when_a_petition_goes_all_the_way_to_termination(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task every_step_lands_with_its_status_stage_and_deadline()
    {
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 3, 3)));
        var clock = engine.Clock;

        // Monday 3 March: submitted; routing runs 15 days, to Tuesday 18 March.
        var submitted = await engine.SubmitAsync();
        var id = submitted.PetitionId;
        submitted.Types().ShouldBe(["PetitionSubmitted"]);
        await Expect(engine, id, PetitionStatus.Registered, Stage.Routing, new DateOnly(2025, 3, 18), Midnight(2025, 3, 19));

        // Tuesday 4 March: forwarded; acceptance runs to Wednesday 19 March, the return right to the 5th working day, Tuesday 11 March.
        clock.SetUtcNow(Shanghai(2025, 3, 4));
        var forwarded = (await engine.Forward(id)).Data<PetitionForwarded>();
        forwarded.ReturnWindow.LastDay.ShouldBe(new DateOnly(2025, 3, 11));
        forwarded.OnTime.ShouldBeTrue();
        await Expect(engine, id, PetitionStatus.Forwarded, Stage.Acceptance, new DateOnly(2025, 3, 19), Midnight(2025, 3, 20));

        // Wednesday 5 March: accepted; 60 days end on Sunday 4 May inside the Labour Day holiday (1–5 May): Tuesday 6 May.
        clock.SetUtcNow(Shanghai(2025, 3, 5));
        (await engine.Accept(id)).Types().ShouldBe(["PetitionAccepted"]);
        await Expect(engine, id, PetitionStatus.InHandling, Stage.Handling, new DateOnly(2025, 5, 6), Midnight(2025, 5, 7));

        (await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-EDU")), new AssignOfficer(id, "officer-li"))))
            .Types().ShouldBe(["OfficerAssigned"]);
        (await engine.PetitionAsync(id)).AssignedOfficerId.ShouldBe("officer-li");

        // Tuesday 25 March: extended by 10 days: 6 May + 10 = Friday 16 May.
        clock.SetUtcNow(Shanghai(2025, 3, 25));
        (await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-EDU")), new ExtendDeadline(id, 10, "需要现场勘查"))))
            .Types().ShouldBe(["DeadlineExtended"]);
        var extended = await Expect(engine, id, PetitionStatus.InHandling, Stage.Handling, new DateOnly(2025, 5, 16), Midnight(2025, 5, 17));
        extended.Extended.ShouldBeTrue();

        // Thursday 10 April: replied on time; the review window's 30 days end on Saturday 10 May: Monday 12 May.
        clock.SetUtcNow(Shanghai(2025, 4, 10));
        var reply = (await engine.Reply(id)).Data<ReplyIssued>();
        reply.OnTime.ShouldBeTrue();
        reply.HandlingDays.ShouldBe(36, 0.001);
        await Expect(engine, id, PetitionStatus.Replied, Stage.ReviewWindow, new DateOnly(2025, 5, 12), Midnight(2025, 5, 13));

        // Friday 11 April: the petitioner is dissatisfied; that reopens nothing.
        clock.SetUtcNow(Shanghai(2025, 4, 11));
        (await engine.Evaluate(id, Satisfaction.Dissatisfied)).Data<PetitionEvaluated>().RepliedDepartmentId.ShouldBe("340101-EDU");
        await Expect(engine, id, PetitionStatus.Replied, Stage.ReviewWindow, new DateOnly(2025, 5, 12), Midnight(2025, 5, 13));

        // Saturday 12 April: review requested; the city education bureau decides within 30 days: Monday 12 May.
        clock.SetUtcNow(Shanghai(2025, 4, 12));
        (await engine.RequestReview(id)).Data<ReviewRequested>().ChallengedDepartmentId.ShouldBe("340101-EDU");
        var underReview = await Expect(engine, id, PetitionStatus.UnderReview, Stage.Review, new DateOnly(2025, 5, 12), Midnight(2025, 5, 13));
        underReview.CurrentDepartmentId.ShouldBe("340100-EDU");

        // The replying agency may not decide the review of its own reply.
        (await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-EDU")),
            new DecideReview(id, ReviewOutcome.Upheld, "维持"))))).Code.ShouldBe(RuleCode.Forbidden);

        // Sunday 20 April: the review upholds; the re-review window ends Tuesday 20 May.
        clock.SetUtcNow(Shanghai(2025, 4, 20));
        (await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340100-EDU")), new DecideReview(id, ReviewOutcome.Upheld, "维持原处理意见"))))
            .Types().ShouldBe(["ReviewDecided"]);
        await Expect(engine, id, PetitionStatus.Reviewed, Stage.ReReviewWindow, new DateOnly(2025, 5, 20), Midnight(2025, 5, 21));

        // Tuesday 22 April: re-review requested; the provincial department decides by Thursday 22 May.
        clock.SetUtcNow(Shanghai(2025, 4, 22));
        (await engine.SendAsync(new CommandEnvelope(Engine.As(Citizen), new RequestReReview(id, "仍不服"))))
            .Data<ReReviewRequested>().ChallengedDepartmentId.ShouldBe("340100-EDU");
        (await Expect(engine, id, PetitionStatus.UnderReReview, Stage.ReReview, new DateOnly(2025, 5, 22), Midnight(2025, 5, 23)))
            .CurrentDepartmentId.ShouldBe("340000-EDU");

        // A 36-hour hearing stops the clock and moves the last day by 2 days: Saturday 24 May, so Monday 26 May.
        var province = Officer("340000-EDU");
        clock.SetUtcNow(Shanghai(2025, 4, 23));
        await engine.SendAsync(new CommandEnvelope(Engine.As(province), new StartHearing(id, "听取双方意见")));
        (await engine.PetitionAsync(id)).Clock!.Paused.ShouldBeTrue();
        clock.SetUtcNow(Shanghai(2025, 4, 24, 21));
        (await engine.SendAsync(new CommandEnvelope(Engine.As(province), new ConcludeHearing(id, "听证结束"))))
            .Data<HearingConcluded>().Length.ShouldBe(TimeSpan.FromHours(36));
        await Expect(engine, id, PetitionStatus.UnderReReview, Stage.ReReview, new DateOnly(2025, 5, 26), Midnight(2025, 5, 27));

        // Monday 28 April: decided; the matter is final.
        clock.SetUtcNow(Shanghai(2025, 4, 28));
        (await engine.SendAsync(new CommandEnvelope(Engine.As(province), new DecideReReview(id, ReviewOutcome.Upheld, "维持复查意见"))))
            .Types().ShouldBe(["ReReviewDecided", "PetitionTerminated"]);
        var terminated = await engine.PetitionAsync(id);
        terminated.Status.ShouldBe(PetitionStatus.Terminated);
        terminated.Stage.ShouldBe(Stage.None);
        terminated.Clock.ShouldBeNull();

        (await engine.StreamAsync(id)).Select(e => e.EventType.Name).ShouldBe(
        [
            "PetitionSubmitted", "PetitionForwarded", "PetitionAccepted", "OfficerAssigned", "DeadlineExtended", "ReplyIssued",
            "PetitionEvaluated", "ReviewRequested", "ReviewDecided", "ReReviewRequested", "HearingStarted", "HearingConcluded",
            "ReReviewDecided", "PetitionTerminated",
        ]);
        // Nothing is left to fire for a terminated petition.
        clock.Advance(TimeSpan.FromDays(400));
        await engine.SweepAsync();
        (await engine.StreamAsync(id)).Count.ShouldBe(14);
    }

    private static async Task<Petition> Expect(Engine engine, Guid id, PetitionStatus status, Stage stage, DateOnly lastDay, DateTimeOffset dueAt)
    {
        var p = await engine.PetitionAsync(id);
        p.Status.ShouldBe(status);
        p.Stage.ShouldBe(stage);
        p.Clock.ShouldNotBeNull().Stage.ShouldBe(stage);
        p.Clock.Due.LastDay.ShouldBe(lastDay);
        p.Clock.Due.DueAt.ShouldBe(dueAt);
        return p;
    }
}
