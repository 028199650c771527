using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using static CaseEngine.Workflow.Tests.Scenarios.Steps;

namespace CaseEngine.Workflow.Tests.Scenarios;

public class when_a_petition_is_routed(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task b_a_legal_procedure_matter_is_declined_with_its_legal_route_and_ends()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync(Samples.Complaint(category: PetitionCategory.LegalProcedure))).PetitionId;

        var withoutRoute = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(Officer("340101-PO")), new DeclinePetition(id, "属于诉讼事项"))));
        withoutRoute.Code.ShouldBe(RuleCode.Validation);

        var declined = (await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-PO")),
            new DeclinePetition(id, "属于诉讼事项，请向人民法院起诉", LegalRoute.Litigation)))).Data<PetitionDeclined>();
        declined.LegalRoute.ShouldBe(LegalRoute.Litigation);
        declined.OnTime.ShouldBeTrue();
        var p = await engine.PetitionAsync(id);
        p.Status.ShouldBe(PetitionStatus.Declined);
        p.Stage.ShouldBe(Stage.None);

        (await Should.ThrowAsync<RuleViolation>(() => engine.Forward(id))).Code.ShouldBe(RuleCode.InvalidTransition);
    }

    [Fact]
    public async Task c_a_return_on_the_5th_working_day_is_accepted_and_on_the_6th_refused()
    {
        // Forwarded Wednesday 24 September 2025: Thu 25, Fri 26, Sun 28 (a make-up working day), Mon 29, Tue 30.
        await using var engine = await Engine.StartAsync(db, new FakeClock(Shanghai(2025, 9, 24)));
        var onTime = (await engine.SubmitAsync()).PetitionId;
        var late = (await engine.SubmitAsync()).PetitionId;
        (await engine.Forward(onTime)).Data<PetitionForwarded>().ReturnWindow.LastDay.ShouldBe(new DateOnly(2025, 9, 30));
        await engine.Forward(late);

        engine.Clock.SetUtcNow(Shanghai(2025, 9, 30, 23, 59));
        var returned = await engine.SendAsync(new CommandEnvelope(Engine.As(Officer("340101-EDU")), new ReturnPetition(onTime, "不属于本机关职权")));
        returned.Types().ShouldBe(["PetitionReturned"]);
        var back = await engine.PetitionAsync(onTime);
        back.Status.ShouldBe(PetitionStatus.Registered);
        back.CurrentDepartmentId.ShouldBe("340101-PO");
        // A new routing clock from the return: 30 Sept + 15 = 15 Oct, a working day.
        back.Clock!.Due.LastDay.ShouldBe(new DateOnly(2025, 10, 15));

        // The 6th working day is Thursday 9 October (1–8 October is the National Day holiday).
        engine.Clock.SetUtcNow(Shanghai(2025, 10, 9));
        var refused = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(Officer("340101-EDU")), new ReturnPetition(late, "不属于本机关职权"))));
        refused.Code.ShouldBe(RuleCode.DeadlinePassed);
        (await engine.PetitionAsync(late)).Status.ShouldBe(PetitionStatus.Forwarded);
    }

    [Fact]
    public async Task d_a_supervisor_transfers_up_a_level_and_the_city_transfers_back_down()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;

        var officerTry = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(Officer("340101-PO")), new TransferLevel(id, "340100-PO", "涉及全市"))));
        officerTry.Code.ShouldBe(RuleCode.Forbidden);

        var up = (await engine.SendAsync(new CommandEnvelope(Engine.As(Supervisor("340101-PO")),
            new TransferLevel(id, "340100-PO", "涉及全市")))).Data<PetitionTransferredLevel>();
        up.FromDepartmentId.ShouldBe("340101-PO");
        up.DepartmentId.ShouldBe("340100-PO");
        (await engine.PetitionAsync(id)).CurrentDepartmentId.ShouldBe("340100-PO");

        engine.Clock.Advance(TimeSpan.FromDays(1));
        await engine.SendAsync(new CommandEnvelope(Engine.As(Supervisor("340100-PO")), new TransferLevel(id, "340101001-PO", "由乡镇就地处理")));
        var down = await engine.PetitionAsync(id);
        down.Status.ShouldBe(PetitionStatus.Registered);
        down.Stage.ShouldBe(Stage.Routing);
        down.CurrentDepartmentId.ShouldBe("340101001-PO");

        var sideways = await Should.ThrowAsync<RuleViolation>(() => engine.SendAsync(new CommandEnvelope(
            Engine.As(Supervisor("340101001-PO")), new TransferLevel(id, "340101002-PO", "邻镇"))));
        sideways.Code.ShouldBe(RuleCode.InvalidTransition);
    }

    [Fact]
    public async Task h_an_assigned_petition_reports_its_result_to_the_assigning_office_on_reply()
    {
        await using var engine = await Engine.StartAsync(db);
        var id = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(id, mode: ForwardMode.Assign);
        await engine.Accept(id);
        var reply = await engine.Reply(id);
        reply.Types().ShouldBe(["ReplyIssued", "ResultReported"]);
        reply.Data<ResultReported>().ToDepartmentId.ShouldBe("340101-PO");

        var transferred = (await engine.SubmitAsync()).PetitionId;
        await engine.Forward(transferred, mode: ForwardMode.Transfer);
        await engine.Accept(transferred);
        (await engine.Reply(transferred)).Types().ShouldBe(["ReplyIssued"]);
    }
}
