using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.Linking;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using static CaseEngine.Domain.Tests.Petitions.Places;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>
/// Issue 20: a petition handed over to a department whose province has a database of its own (the national
/// office handing down to Anhui, an Anhui office sending one up). The origin keeps its case number and
/// mirrors the linked copy; the copy decides; received is counted once, at the origin.
/// </summary>
public class when_a_petition_is_handed_over_to_another_database
{
    private static readonly Guid Id = Story.PetitionId;

    /// <summary>The national office's database beside Anhui's: Anhui's departments are held elsewhere.</summary>
    private static DecisionContext AtTheNation(Actor actor, DateTimeOffset now) =>
        Story.Context(actor, now) with { HeldElsewhere = r => Provinces.Of(r) == Province };

    private static DecisionContext InAnhui(Actor actor, DateTimeOffset now) =>
        Story.Context(actor, now) with { HeldElsewhere = r => Provinces.Of(r) == DepartmentDirectory.NationalCode };

    private static Story SubmittedToTheNation() => Story.Submitted(entryRegion: DepartmentDirectory.NationalCode);

    private static Story HandedDown(ForwardMode mode = ForwardMode.Assign)
    {
        var story = SubmittedToTheNation().AfterDays(1);
        return story.ThenIn(AtTheNation(Callers.Officer(NationalOffice), story.Now), new ForwardPetition(Id, CountyEducation, mode));
    }

    private static (Story Copy, ReceiveHandedOverPetition Command) Received(Story origin, int caseNumber = 7)
    {
        var command = LinkingDecisions.CopyOf(origin.Petition, [.. origin.Events]).ShouldNotBeNull();
        var arrived = origin.AfterDays(1).Now;
        var events = LinkingDecisions.Decide(command, $"340101-2025-{caseNumber:000000}", DecisionContext.System(arrived, Story.Directory, Story.Clock));
        return (new Story(null, [], arrived).Apply(events), command);
    }

    [Fact]
    public void the_national_offices_forward_to_an_anhui_agency_hands_it_over_and_stops_its_clocks_here()
    {
        var origin = HandedDown();
        var p = origin.Petition;
        p.Status.ShouldBe(PetitionStatus.Forwarded);
        p.CurrentDepartmentId.ShouldBe(CountyEducation);
        p.HandedOver.ShouldBeTrue();
        p.Link!.Role.ShouldBe(LinkRole.Origin);
        p.Link.Province.ShouldBe(Province);
        PetitionIds.ProvinceOf(p.Link.PetitionId).ShouldBe(Province);
        // The forward is still the national office's acceptance decision; no clock runs on the origin.
        origin.Events.OfType<PetitionForwarded>().ShouldHaveSingleItem().FromDepartmentId.ShouldBe(NationalOffice);
        var h = origin.Events.OfType<PetitionHandedOver>().ShouldHaveSingleItem();
        (h.FromDepartmentId, h.Mode, h.LinkedPetitionId).ShouldBe((NationalOffice, ForwardMode.Assign, p.Link.PetitionId));
        DeadlineDecisions.RunningClocks(p).ShouldBeEmpty();
    }

    [Fact]
    public void in_one_database_the_same_forward_hands_nothing_over()
    {
        var story = SubmittedToTheNation().AfterDays(1);
        var p = story.Then(new ForwardPetition(Id, CountyEducation, ForwardMode.Assign), Callers.Officer(NationalOffice)).Petition;
        p.Link.ShouldBeNull();
        p.Clock!.Stage.ShouldBe(Stage.Acceptance);
    }

    [Fact]
    public void the_copy_arrives_like_a_forward_with_its_own_case_number_and_clocks_from_its_arrival_and_is_not_counted_as_received()
    {
        var origin = HandedDown();
        var (copy, command) = Received(origin);
        var c = copy.Petition;
        c.Id.ShouldBe(origin.Petition.Link!.PetitionId);
        c.CaseNumber.ShouldBe("340101-2025-000007");
        (c.Status, c.Stage, c.CurrentDepartmentId).ShouldBe((PetitionStatus.Forwarded, Stage.Acceptance, CountyEducation));
        c.ForwardingOfficeId.ShouldBe(NationalOffice);
        // The same matter: whoever it was at reads it as before (the national office), and its new department.
        c.Departments.ShouldBe([NationalOffice, CountyEducation]);
        c.ForwardMode.ShouldBe(ForwardMode.Assign);
        c.Clock!.Due.StartDate.ShouldBe(DateOnly.FromDateTime(copy.Now.Date));
        c.ReturnWindow.ShouldNotBeNull();
        c.Link.ShouldBe(new PetitionLink(Id, DepartmentDirectory.NationalCode, LinkRole.Copy, origin.Petition.CaseNumber));
        (c.Subject, c.Petitioner, c.ReceivedAt, c.EntryDepartmentId).ShouldBe(
            (origin.Petition.Subject, origin.Petition.Petitioner, origin.Petition.ReceivedAt, NationalOffice));
        copy.Events.ShouldHaveSingleItem().ShouldNotBeAssignableTo<ICountedEvent>();
        command.OriginProvince.ShouldBe(DepartmentDirectory.NationalCode);
    }

    [Fact]
    public void the_copys_acts_are_reported_back_in_order_and_the_origin_mirrors_them()
    {
        var origin = HandedDown();
        var (copy, _) = Received(origin);
        var copyId = copy.Petition.Id;
        var reports = new List<ReportLinkedProgress> { LinkingDecisions.ReportOf(null, copy.Petition, [.. copy.Events]).ShouldNotBeNull() };
        foreach (IPetitionCommand step in new IPetitionCommand[] { new AcceptPetition(copyId), new IssueReply(copyId, ReplyDecision.Supported, "已安排维修。") })
        {
            var before = copy.Petition;
            var outcome = copy.AfterDays(2).When(step);
            copy = outcome.Succeeds();
            reports.Add(LinkingDecisions.ReportOf(before, copy.Petition, outcome.Events).ShouldNotBeNull());
        }
        reports.Select(r => (r.FromVersion, r.ToVersion)).ShouldBe([(1, 1), (2, 2), (3, 4)]);
        reports[2].Acts.ShouldBe([nameof(ReplyIssued), nameof(ResultReported)]);

        var system = DecisionContext.System(copy.Now, Story.Directory, Story.Clock);
        // Out of order: the reply's report before the acceptance's is a conflict, tried again later.
        origin.WhenIn(system, reports[0]).Succeeds().WhenIn(system, reports[2]).Fails(RuleCode.ConcurrencyConflict);
        var mirrored = reports.Aggregate(origin, (story, report) => story.ThenIn(system, report));
        var p = mirrored.Petition;
        (p.Status, p.Stage, p.CurrentDepartmentId).ShouldBe((PetitionStatus.Replied, Stage.ReviewWindow, CountyEducation));
        p.Reply!.Decision.ShouldBe(ReplyDecision.Supported);
        p.Link!.CaseNumber.ShouldBe(copy.Petition.CaseNumber);
        p.Link.ReportedVersion.ShouldBe(4);
        DeadlineDecisions.RunningClocks(p).ShouldBeEmpty();
        typeof(ICountedEvent).IsAssignableFrom(typeof(LinkedProgressReported)).ShouldBeFalse();
        // A report delivered twice is mirrored once.
        mirrored.WhenIn(system, reports[1]).Events.ShouldBeEmpty();
        // Only the engine reports.
        mirrored.When(reports[2], Callers.Admin).Fails(RuleCode.Forbidden);
    }

    [Fact]
    public void on_the_origin_a_petitioners_act_is_carried_to_the_copy_and_a_staff_act_is_refused()
    {
        var origin = HandedDown();
        var copyId = origin.Petition.Link!.PetitionId;
        var carried = origin.WhenByAccessCode(new EvaluatePetition(Id, Satisfaction.Satisfied)).Fails(RuleCode.InvalidTransition);
        carried.DecidingPetitionId.ShouldBe(copyId);
        LinkingDecisions.Retarget(new EvaluatePetition(Id, Satisfaction.Satisfied), copyId).PetitionId.ShouldBe(copyId);
        LinkingDecisions.Retarget(new RequestReview(Id, "不服"), copyId).PetitionId.ShouldBe(copyId);
        origin.When(new AcceptPetition(Id), Callers.Officer(CountyEducation)).Fails(RuleCode.InvalidTransition).DecidingPetitionId.ShouldBeNull();
        origin.When(new DeclinePetition(Id, "不属于信访事项"), Callers.Admin).Fails(RuleCode.InvalidTransition);
    }

    [Fact]
    public void the_copys_agency_returns_it_within_its_window_and_the_origin_takes_it_back_with_a_new_routing_clock()
    {
        var origin = HandedDown(ForwardMode.Transfer);
        var (copy, _) = Received(origin);
        var system = DecisionContext.System(copy.Now, Story.Directory, Story.Clock);
        var mirrored = origin.ThenIn(system, LinkingDecisions.ReportOf(null, copy.Petition, [.. copy.Events])!);

        var before = copy.Petition;
        var returning = copy.AfterDays(1).When(new ReturnPetition(before.Id, "不属于本机关职权"));
        var returned = returning.Succeeds().Petition;
        (returned.Status, returned.Stage, returned.Clock).ShouldBe((PetitionStatus.Closed, Stage.None, (OpenClock?)null));
        returning.Single<HandedOverPetitionReturned>().ShouldNotBeAssignableTo<ICountedEvent>();
        var report = LinkingDecisions.ReportOf(before, returned, returning.Events).ShouldNotBeNull();
        report.ReturnReason.ShouldBe("不属于本机关职权");

        var takenBack = mirrored.AfterDays(1).ThenIn(DecisionContext.System(mirrored.Now.AddDays(1), Story.Directory, Story.Clock), report);
        var e = takenBack.Events.OfType<HandOverReturned>().ShouldHaveSingleItem();
        (e.FromDepartmentId, e.LinkedPetitionId, e.DepartmentId).ShouldBe((CountyEducation, before.Id, NationalOffice));
        var p = takenBack.Petition;
        (p.Status, p.Stage, p.CurrentDepartmentId, p.HandedOver, p.Link).ShouldBe((PetitionStatus.Registered, Stage.Routing, NationalOffice, false, (PetitionLink?)null));
        p.Clock!.Due.ShouldBe(e.Routing);
        DeadlineDecisions.RunningClocks(p).ShouldHaveSingleItem().Stage.ShouldBe(Stage.Routing);

        // Decided here again: the national office hands it down anew, to another agency, as a new copy.
        var again = takenBack.ThenIn(AtTheNation(Callers.Officer(NationalOffice), takenBack.Now), new ForwardPetition(Id, CountyGovernment, ForwardMode.Assign));
        again.Petition.Link!.PetitionId.ShouldNotBe(before.Id);
        again.Petition.CurrentDepartmentId.ShouldBe(CountyGovernment);
    }

    [Fact]
    public void a_copy_forwarded_again_at_home_is_returned_at_home()
    {
        // Transferred to an Anhui county office, which forwards it to one of its agencies: that agency's return goes to that office.
        var story = SubmittedToTheNation().AfterDays(1);
        var origin = story.ThenIn(AtTheNation(Callers.Supervisor(NationalOffice), story.Now), new TransferLevel(Id, CountyOffice, "属地管理"));
        var (copy, _) = Received(origin);
        var copyId = copy.Petition.Id;
        var forwarded = copy.AfterDays(1).ThenIn(InAnhui(Callers.Officer(CountyOffice), copy.Now.AddDays(1)), new ForwardPetition(copyId, CountyEducation, ForwardMode.Transfer));
        var returning = forwarded.AfterDays(1).When(new ReturnPetition(copyId, "不属于本机关职权"));
        returning.Single<PetitionReturned>().DepartmentId.ShouldBe(CountyOffice);
        returning.Events.OfType<HandedOverPetitionReturned>().ShouldBeEmpty();
        var p = returning.Succeeds().Petition;
        (p.Status, p.CurrentDepartmentId, p.Link!.Role).ShouldBe((PetitionStatus.Registered, CountyOffice, LinkRole.Copy));
        LinkingDecisions.ReportOf(forwarded.Petition, p, returning.Events)!.ReturnReason.ShouldBeNull();
    }

    [Fact]
    public void the_copys_return_lapses_after_five_working_days_like_any_return()
    {
        var (copy, _) = Received(HandedDown());
        copy.AfterDays(10).When(new ReturnPetition(copy.Petition.Id, "不属于本机关职权")).Fails(RuleCode.DeadlinePassed);
    }

    [Fact]
    public void a_copy_is_not_handed_over_again()
    {
        // The national office transfers it to an Anhui county's office; that office's supervisor may not send it up again.
        var story = SubmittedToTheNation().AfterDays(1);
        var origin = story.ThenIn(AtTheNation(Callers.Supervisor(NationalOffice), story.Now), new TransferLevel(Id, CountyOffice, "属地管理"));
        var (copy, _) = Received(origin);
        copy.WhenIn(InAnhui(Callers.Supervisor(CountyOffice), copy.Now), new TransferLevel(copy.Petition.Id, NationalOffice, "退回国家信访局"))
            .Fails(RuleCode.InvalidTransition);
    }

    [Fact]
    public void only_the_engine_receives_a_copy()
    {
        var origin = HandedDown();
        var command = LinkingDecisions.CopyOf(origin.Petition, [.. origin.Events]).ShouldNotBeNull();
        Should.Throw<RuleViolation>(() => LinkingDecisions.Decide(command, "340101-2025-000001", Story.Context(Callers.Admin, origin.Now)))
            .Code.ShouldBe(RuleCode.Forbidden);
    }

    [Fact]
    public void an_anhui_supervisor_sends_one_up_to_the_national_office_which_receives_it_for_routing()
    {
        var story = Story.Submitted().AfterDays(1);
        var origin = story.ThenIn(InAnhui(Callers.Supervisor(CountyOffice), story.Now), new TransferLevel(Id, NationalOffice, "涉及中央国家机关"));
        var h = origin.Events.OfType<PetitionHandedOver>().ShouldHaveSingleItem();
        (h.LinkedProvince, h.Mode, h.DepartmentId).ShouldBe((DepartmentDirectory.NationalCode, (ForwardMode?)null, NationalOffice));
        var command = LinkingDecisions.CopyOf(origin.Petition, [.. origin.Events]).ShouldNotBeNull();
        command.OriginProvince.ShouldBe(Province);
        var copy = Petition.Fold(LinkingDecisions.Decide(command, "000000-2025-000001", DecisionContext.System(origin.Now, Story.Directory, Story.Clock)));
        (copy.Status, copy.Stage, copy.CurrentDepartmentId, copy.ForwardingOfficeId).ShouldBe(
            (PetitionStatus.Registered, Stage.Routing, NationalOffice, (string?)null));
        copy.Clock!.Stage.ShouldBe(Stage.Routing);
        copy.ReturnWindow.ShouldBeNull();
    }

    /// <summary>The event types only a hand-over produces.</summary>
    public static readonly Type[] LinkingEventTypes =
        [typeof(PetitionHandedOver), typeof(HandedOverPetitionReceived), typeof(LinkedProgressReported), typeof(HandedOverPetitionReturned), typeof(HandOverReturned)];

    /// <summary>Every event of a hand-over, both streams, through the real decisions (for the event catalogue's schema check).</summary>
    public static IEnumerable<IPetitionEvent> EveryLinkingEvent()
    {
        var origin = HandedDown();
        var (copy, _) = Received(origin);
        var report = LinkingDecisions.ReportOf(null, copy.Petition, [.. copy.Events])!;
        var mirrored = origin.ThenIn(DecisionContext.System(copy.Now, Story.Directory, Story.Clock), report);
        var returning = copy.AfterDays(1).When(new ReturnPetition(copy.Petition.Id, "不属于本机关职权"));
        var returned = returning.Succeeds();
        var back = mirrored.ThenIn(DecisionContext.System(returned.Now, Story.Directory, Story.Clock),
            LinkingDecisions.ReportOf(copy.Petition, returned.Petition, returning.Events)!);
        return [.. back.Events, .. returned.Events];
    }

    [Fact]
    public void a_copy_id_names_its_province_and_is_the_same_for_the_same_hand_over()
    {
        var now = Story.Monday;
        var a = PetitionIds.Linked(Id, 3, County, now);
        a.ShouldBe(PetitionIds.Linked(Id, 3, County, now));
        a.ShouldNotBe(PetitionIds.Linked(Id, 5, County, now));
        PetitionIds.ProvinceOf(a).ShouldBe(Province);
        PetitionIds.ProvinceOf(PetitionIds.Linked(Id, 3, DepartmentDirectory.NationalCode, now)).ShouldBe(DepartmentDirectory.NationalCode);
    }
}
