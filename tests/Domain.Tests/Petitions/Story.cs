using CaseEngine.Domain;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>Departments of the demo directory the stories use.</summary>
public static class Places
{
    public const string Province = "340000";
    public const string City = "340100";
    public const string County = "340101";
    public const string OtherCounty = "340102";
    public const string Township = "340101001";
    public const string OtherCity = "340200";

    public const string ProvinceOffice = "340000-PO";
    public const string CityOffice = "340100-PO";
    public const string CountyOffice = "340101-PO";
    public const string OtherCountyOffice = "340102-PO";
    public const string TownshipOffice = "340101001-PO";
    public const string OtherCityOffice = "340200-PO";
    public const string CountyEducation = "340101-EDU";
    public const string CityEducation = "340100-EDU";
    public const string ProvinceEducation = "340000-EDU";
    public const string OtherCountyEducation = "340102-EDU";
    public const string CountyGovernment = "340101-GOV";
    public const string ProvinceGovernment = "340000-GOV";
    public const string NationalOffice = "000000-PO";
}

/// <summary>Callers as access.md names them.</summary>
public static class Callers
{
    public static Actor Officer(string departmentId) => new($"officer@{departmentId}", Role.Officer, departmentId);
    public static Actor Supervisor(string departmentId) => new($"supervisor@{departmentId}", Role.Supervisor, departmentId);
    public static readonly Actor Citizen = new("citizen-1", Role.Petitioner, null);
    public static readonly Actor OtherCitizen = new("citizen-2", Role.Petitioner, null);
    public static readonly Actor Auditor = new("auditor-1", Role.Auditor, null);
    public static readonly Actor Integrator = new("integrator-1", Role.Integrator, null);
    public static readonly Actor Admin = new("admin-1", Role.Admin, null);
}

/// <summary>
/// A petition's life told as business steps: each step runs the real decision with a sensible
/// caller and time and folds its events, so tests start from states reached the lawful way.
/// </summary>
public sealed record Story(Petition? State, IReadOnlyList<IPetitionEvent> Events, DateTimeOffset Now)
{
    public static readonly DepartmentDirectory Directory = DemoDirectory.Build();
    public static readonly StatutoryClock Clock = new(ClockPolicy.Default, CaseEngine.Domain.Calendar.BusinessCalendar.China);

    /// <summary>Monday 3 March 2025, 09:00 in Shanghai: an ordinary working day.</summary>
    public static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));

    public static readonly Guid PetitionId = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-000000000001");

    public Petition Petition => State ?? throw new InvalidOperationException("nothing submitted yet");

    public static DecisionContext Context(Actor actor, DateTimeOffset now, int? expectedVersion = null) =>
        new(actor, now, Directory, Clock) { ExpectedVersion = expectedVersion };

    /// <summary>A WEBSITE complaint by a citizen with a token, addressed to the county.</summary>
    public static Story Submitted(
        Channel channel = Channel.Website, PetitionCategory category = PetitionCategory.ComplaintRequest,
        string entryRegion = Places.County, DateTimeOffset? at = null, Actor? by = null)
    {
        var now = at ?? Monday;
        var actor = by ?? (channel.IsOnline() ? Callers.Citizen : Callers.Officer(Directory.PetitionOfficeOf(entryRegion)!.Id));
        var command = new SubmitPetition(channel, entryRegion, category, "村道损坏无人维修", "村里的道路损坏已有半年，请求尽快维修。",
            new PetitionerDetails("张三丰", "13812345678", "340101199001011234", "示范市1县1镇1"));
        var events = Submission.Decide(command, new Allocation(PetitionId, $"{entryRegion}-2025-000001"), Context(actor, now));
        return new Story(null, [], now).Apply(events);
    }

    public Story Apply(IEnumerable<IPetitionEvent> events)
    {
        var state = State;
        var all = Events.ToList();
        foreach (var e in events)
        {
            state = Petition.Evolve(state, e);
            all.Add(e);
        }
        return this with { State = state, Events = all };
    }

    public Story After(TimeSpan elapsed) => this with { Now = Now + elapsed };
    public Story AfterDays(int days) => After(TimeSpan.FromDays(days));
    public Story At(DateTimeOffset moment) => this with { Now = moment };

    /// <summary>The caller a step uses when none is named: staff of the current department, or the petitioner.</summary>
    public Actor DefaultCaller(IPetitionCommand command) => command switch
    {
        EvaluatePetition or WithdrawPetition or RequestReview or RequestReReview =>
            Petition.SubmitterId is { } sub ? new Actor(sub, Role.Petitioner, null) : Callers.Citizen,
        TransferLevel => Callers.Supervisor(Petition.CurrentDepartmentId),
        _ => Callers.Officer(Petition.CurrentDepartmentId),
    };

    public Outcome When(IPetitionCommand command, Actor? by = null, Petition? other = null, int? expectedVersion = null)
    {
        try
        {
            var ctx = Context(by ?? DefaultCaller(command), Now, expectedVersion);
            return new Outcome(this, Decider.Decide(command, Petition, ctx, other), null);
        }
        catch (RuleViolation violation)
        {
            return new Outcome(this, [], violation);
        }
    }

    /// <summary>Runs a step that must succeed and continues the story.</summary>
    public Story Then(IPetitionCommand command, Actor? by = null, Petition? other = null) => When(command, by, other).Succeeds();

    // ------------------------------------------------------------ the usual path

    public Story Forwarded(string to = Places.CountyEducation, ForwardMode mode = ForwardMode.Transfer) =>
        AfterDays(1).Then(new ForwardPetition(PetitionId, to, mode));

    public Story Accepted() => AfterDays(1).Then(new AcceptPetition(PetitionId));

    public Story Replied(ReplyDecision decision = ReplyDecision.Supported) =>
        AfterDays(10).Then(new IssueReply(PetitionId, decision, "经调查，已安排维修。"));

    public Story ReviewRequested() => AfterDays(3).Then(new RequestReview(PetitionId, "维修不到位"));

    public Story Reviewed(ReviewOutcome outcome = ReviewOutcome.Upheld) =>
        AfterDays(5).Then(new DecideReview(PetitionId, outcome, "维持原处理意见"));

    public Story ReReviewRequested() => AfterDays(3).Then(new RequestReReview(PetitionId, "仍不满意"));

    // ------------------------------------------------------------ steps for the state machine's other rows

    /// <summary>A submission counted on another clock (another calendar or policy), by the citizen, at the county.</summary>
    public static Story SubmittedOn(StatutoryClock clock, DateTimeOffset at)
    {
        var command = new SubmitPetition(Channel.Website, Places.County, PetitionCategory.ComplaintRequest, "村道损坏无人维修",
            "村里的道路损坏已有半年，请求尽快维修。", new PetitionerDetails("张三丰", "13812345678", null, null));
        var ctx = new DecisionContext(Callers.Citizen, at, Directory, clock);
        return new Story(null, [], at).Apply(Submission.Decide(command, new Allocation(PetitionId, "340101-2025-000001"), ctx));
    }

    /// <summary>Runs a command in a context the test builds (another clock, an anonymous caller, the engine itself).</summary>
    public Outcome WhenIn(DecisionContext ctx, IPetitionCommand command, Petition? other = null)
    {
        try
        {
            return new Outcome(this, Decider.Decide(command, Petition, ctx, other), null);
        }
        catch (RuleViolation violation)
        {
            return new Outcome(this, [], violation);
        }
    }

    public Story ThenIn(DecisionContext ctx, IPetitionCommand command, Petition? other = null) => WhenIn(ctx, command, other).Succeeds();

    /// <summary>The same step counted on another clock, by the default caller.</summary>
    public Story ThenOn(StatutoryClock clock, IPetitionCommand command) =>
        ThenIn(new DecisionContext(DefaultCaller(command), Now, Directory, clock), command);

    /// <summary>An access-code act: no token, the workflow verified the petition's access code.</summary>
    public Outcome WhenByAccessCode(IPetitionCommand command) =>
        WhenIn(new DecisionContext(Actor.AnonymousPetitioner, Now, Directory, Clock, Anonymous: true, AccessCodeVerified: true), command);

    /// <summary>No token and no verified access code.</summary>
    public Outcome WhenAnonymous(IPetitionCommand command) =>
        WhenIn(new DecisionContext(Actor.AnonymousPetitioner, Now, Directory, Clock, Anonymous: true), command);

    /// <summary>What the engine does by itself at this moment (missed deadlines, closures, recounts).</summary>
    public Outcome WhenTheSystem(IPetitionCommand command, StatutoryClock? clock = null) =>
        WhenIn(DecisionContext.System(Now, Directory, clock ?? Clock), command);

    /// <summary>The moment the main line's clock falls due.</summary>
    public Story AtTheDueMoment() => At(Petition.Clock!.Due.DueAt);

    public Story Declined() => AfterDays(1).Then(new DeclinePetition(PetitionId, "不属于信访事项"));

    public Story Withdrawn() => AfterDays(1).Then(new WithdrawPetition(PetitionId, "问题已解决"));

    public Story HearingStarted() => AfterDays(2).Then(new StartHearing(PetitionId, "事实争议较大"));

    public Story HearingConcluded(TimeSpan length) => After(length).Then(new ConcludeHearing(PetitionId, "听证结束"));

    /// <summary>The open request window (review or re-review) lapses unused and the engine closes the petition.</summary>
    public Story Closed()
    {
        var clock = Petition.Clock!;
        return AtTheDueMoment().WhenTheSystem(new CaseEngine.Domain.Petitions.Deadlines.CloseLapsedWindow(PetitionId, clock.Stage, clock.Instance)).Succeeds();
    }

    public Story ReReviewDecided(ReviewOutcome outcome = ReviewOutcome.Upheld) =>
        AfterDays(5).Then(new DecideReReview(PetitionId, outcome, "维持复查意见"));

    /// <summary>Linked by the current office as a duplicate of <paramref name="original"/>.</summary>
    public Story Merged(Petition original) =>
        AfterDays(1).Then(new CaseEngine.Domain.Petitions.Duplicates.LinkDuplicate(PetitionId, original.Id, "同一事项"), other: original);

    /// <summary>A supervision issued by a SUPERVISOR of <paramref name="office"/>, due after <paramref name="days"/> days.</summary>
    public Story Supervised(string office = Places.CountyOffice, int days = 10) =>
        Then(new CaseEngine.Domain.Petitions.Supervising.SupervisePetition(PetitionId, "请加快办理", Now.AddDays(days)), Callers.Supervisor(office));
}

public sealed record Outcome(Story Before, IPetitionEvent[] Events, RuleViolation? Failure)
{
    public Story Succeeds()
    {
        Failure.ShouldBeNull($"expected success but got {Failure?.WireCode}: {Failure?.Message}");
        return Before.Apply(Events);
    }

    public RuleViolation Fails(RuleCode code)
    {
        Failure.ShouldNotBeNull($"expected {code} but the command succeeded with {string.Join(", ", Events.Select(e => e.GetType().Name))}");
        Failure.Code.ShouldBe(code, Failure.Message);
        return Failure;
    }

    /// <summary>The command succeeded and left the petition in this status and stage.</summary>
    public Petition Leaves(PetitionStatus status, Stage stage)
    {
        var after = Succeeds().Petition;
        after.Status.ShouldBe(status);
        after.Stage.ShouldBe(stage);
        return after;
    }

    public T Single<T>() where T : IPetitionEvent => Events.OfType<T>().ShouldHaveSingleItem();
}
