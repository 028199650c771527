using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Domain.Tests.Petitions;
using CsCheck;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>Every kind of act a walk may try, whether or not the state allows it.</summary>
public enum Act
{
    Forward, TransferLevel, Decline, Return, Accept, AssignOfficer, ExtendDeadline, StartHearing, ConcludeHearing,
    IssueReply, Supervise, RespondToSupervision, Evaluate, RequestReview, DecideReview, RequestReReview,
    DecideReReview, Withdraw, MarkDeadlineMissed, CloseLapsedWindow, LinkDuplicate, Reclassify, FlagSuspectedDuplicate,
    RecalculateDeadlines, DismissSuspectedDuplicate,
}

/// <summary>Who sends the act: mostly the one the table names, sometimes someone plausible but wrong.</summary>
public enum Caller { Natural, CurrentOfficer, SupervisorAbove, Petitioner, Admin }

/// <param name="Advance">time passing before the act</param>
/// <param name="Choice">picks targets, supervision notices, originals, outcomes and day counts</param>
public sealed record Step(Act Act, Caller Caller, TimeSpan Advance, int Choice)
{
    public override string ToString() => $"{Act}/{Caller}/+{Advance.TotalDays:0.##}d/{Choice}";
}

public sealed record WalkStart(DateTimeOffset At, Channel Channel, PetitionCategory Category, string EntryRegion);

public sealed record Walk(WalkStart Start, Step[] Steps)
{
    public override string ToString() =>
        $"{Start.At:O} {Start.Channel} {Start.Category} {Start.EntryRegion}: {string.Join(", ", Steps.Select(s => s.ToString()))}";
}

/// <summary>One decision of a walk: the act as sent, and the state before and after its events.</summary>
public sealed record Transition(
    Step Step, IPetitionCommand Command, Actor Actor, DateTimeOffset Now, Petition Before, IPetitionEvent[] Events, Petition After);

/// <summary>
/// Random walks through a petition's life: from a submitted petition, each step lets time pass and
/// sends a random act with a plausible caller through the real decisions. Refusals are skipped.
/// </summary>
public static class Walks
{
    private static readonly DepartmentDirectory Directory = Story.Directory;
    private static readonly Guid Id = Story.PetitionId;

    private static readonly DateTimeOffset From = new(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(8));
    private static readonly int Seconds2024To2026 = (int)(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)) - From).TotalSeconds;

    /// <summary>A moment in 2024–2026, at any time of day.</summary>
    public static readonly Gen<DateTimeOffset> Moment = Gen.Int[0, Seconds2024To2026 - 1].Select(s => From.AddSeconds(s));

    /// <summary>0–40 days, with short waits more likely so that walks get deep as well as late.</summary>
    public static readonly Gen<TimeSpan> Advance = Gen.Frequency(
        (3, Gen.Int[0, 6 * 3600].Select(s => TimeSpan.FromSeconds(s))),
        (3, Gen.Int[0, 3 * 86400].Select(s => TimeSpan.FromSeconds(s))),
        (2, Gen.Int[0, 40 * 86400].Select(s => TimeSpan.FromSeconds(s))));

    public static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Enum<Act>(),
        Gen.FrequencyConst((6, Caller.Natural), (1, Caller.CurrentOfficer), (1, Caller.SupervisorAbove), (1, Caller.Petitioner), (1, Caller.Admin)),
        Advance,
        Gen.Int[0, 1000],
        (act, caller, advance, choice) => new Step(act, caller, advance, choice));

    public static readonly Gen<WalkStart> StartGen = Gen.Select(
        Moment, Gen.Enum<Channel>(), Gen.Enum<PetitionCategory>(),
        Gen.OneOfConst(Places.County, Places.City, Places.Township, Places.Province),
        (at, channel, category, region) => new WalkStart(at, channel, category, region));

    /// <summary>
    /// The lawful path as steps: a walk starts with some of it (possibly none), then acts at random. Acts picked
    /// uniformly rarely line up seven lawful steps in a row, and the deep states need checking too.
    /// </summary>
    /// <param name="choice">0: forward by TRANSFER, 1: by ASSIGN, in both cases to the first agency of the office's region</param>
    public static Step[] LawfulPath(int choice) =>
    [
        .. new[] { Act.Forward, Act.Accept, Act.IssueReply, Act.RequestReview, Act.DecideReview, Act.RequestReReview }
            .Select(act => new Step(act, Caller.Natural, TimeSpan.FromDays(1), choice)),
    ];

    public static readonly Gen<Walk> WalkGen = Gen.Select(
        StartGen, Gen.Int[0, 6], Gen.Int[0, 1], StepGen.Array[1, 40],
        (start, depth, choice, steps) => new Walk(start, [.. LawfulPath(choice).Take(depth), .. steps]));

    /// <summary>
    /// The calendar after next year's arrangement is published (an invented 2027, for the walk only):
    /// a walk that recalculates deadlines has loaded it and counts on it from then on.
    /// </summary>
    public static readonly StatutoryClock ClockWith2027 = new(ClockPolicy.Default, BusinessCalendar.China.WithYear(new CalendarYear(
        2027, "test arrangement for property walks",
        [
            .. Days(new DateOnly(2027, 1, 1), 1, "元旦"), .. Days(new DateOnly(2027, 2, 6), 8, "春节"),
            .. Days(new DateOnly(2027, 5, 1), 5, "劳动节"), .. Days(new DateOnly(2027, 10, 1), 7, "国庆节"),
        ],
        [new CalendarDay(new DateOnly(2027, 2, 20), "春节调休"), new CalendarDay(new DateOnly(2027, 10, 9), "国庆节调休")])));

    private static IEnumerable<CalendarDay> Days(DateOnly first, int count, string name) =>
        Enumerable.Range(0, count).Select(i => new CalendarDay(first.AddDays(i), name));

    /// <summary>Originals a duplicate may be linked to, in the statuses that matter to the rule.</summary>
    private static readonly Petition[] Originals = CreateOriginals();

    private static Petition[] CreateOriginals()
    {
        var registered = Story.Submitted().Petition;
        var declined = Story.Submitted().Then(new DeclinePetition(Id, "不属于信访事项")).Petition;
        var handled = Story.Submitted().Forwarded().Accepted().Petition;
        return
        [
            registered with { Id = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-0000000000a1") },
            handled with { Id = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-0000000000a2") },
            declined with { Id = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-0000000000a3") },
            registered with { Id = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-0000000000a4"), Status = PetitionStatus.Withdrawn, Stage = Stage.None, Clock = null },
            registered with { Id = Guid.Parse("0b9c3c3e-3f43-4b0f-9c1f-0000000000a5"), Status = PetitionStatus.Merged, Stage = Stage.None, Clock = null },
        ];
    }

    /// <summary>
    /// Runs the walk. <paramref name="check"/> sees every successful decision; a refusal that is not a
    /// <see cref="RuleViolation"/> escapes and fails the property.
    /// </summary>
    public static (Petition State, IReadOnlyList<IPetitionEvent> Events, IReadOnlyList<Petition> States) Run(
        Walk walk, Action<Transition>? check = null)
    {
        var story = Story.Submitted(walk.Start.Channel, walk.Start.Category, walk.Start.EntryRegion, walk.Start.At);
        var state = story.Petition;
        var events = story.Events.ToList();
        var states = new List<Petition> { state };
        var now = walk.Start.At;
        var clock = Story.Clock;
        foreach (var step in walk.Steps)
        {
            now += step.Advance;
            var command = Command(step, state, now);
            if (command is RecalculateDeadlines)
                clock = ClockWith2027;
            var (actor, anonymous, accessCode) = CallerFor(step, command, state);
            var ctx = new DecisionContext(actor, now, Directory, clock, anonymous, accessCode);
            var other = command is LinkDuplicate link ? Originals.FirstOrDefault(o => o.Id == link.DuplicateOfPetitionId) : null;
            IPetitionEvent[] produced;
            try
            {
                produced = Decider.Decide(command, state, ctx, other);
            }
            catch (RuleViolation)
            {
                continue;
            }
            var before = state;
            foreach (var e in produced)
            {
                state = Petition.Evolve(state, e);
                events.Add(e);
                states.Add(state);
            }
            check?.Invoke(new Transition(step, command, actor, now, before, produced, state));
        }
        return (state, events, states);
    }

    private static IPetitionCommand Command(Step step, Petition s, DateTimeOffset now)
    {
        var n = step.Choice;
        return step.Act switch
        {
            Act.Forward => new ForwardPetition(Id, Pick(ForwardTargets(s), n / 2), n % 2 == 0 ? ForwardMode.Transfer : ForwardMode.Assign,
                n % 3 == 0 ? null : "请依法处理"),
            Act.TransferLevel => new TransferLevel(Id, Pick(TransferTargets(s), n), "属于上级或下级管辖"),
            Act.Decline => new DeclinePetition(Id, "不予受理", n % 3 == 0 ? null : (LegalRoute)(n % 5)),
            Act.Return => new ReturnPetition(Id, "不属于本机关职权范围"),
            Act.Accept => new AcceptPetition(Id),
            Act.AssignOfficer => new AssignOfficer(Id, $"officer-{n % 7}"),
            // Mostly lawful day counts, sometimes 0 or 31 (a validation refusal).
            Act.ExtendDeadline => new ExtendDeadline(Id, n % 32, "情况复杂，需要延期"),
            Act.StartHearing => new StartHearing(Id, "争议较大，举行听证"),
            Act.ConcludeHearing => new ConcludeHearing(Id, "听证结束"),
            Act.IssueReply => new IssueReply(Id, (ReplyDecision)(n % 4), "经调查，答复如下。"),
            Act.Supervise => new SupervisePetition(Id, "请按期办理", now.AddDays(n % 41)),
            Act.RespondToSupervision => new RespondToSupervision(Id,
                s.Supervisions.IsEmpty ? "no-such-notice" : s.Supervisions[n % s.Supervisions.Count].Id, "已按要求办理"),
            Act.Evaluate => new EvaluatePetition(Id, (Satisfaction)(n % 3), n % 2 == 0 ? null : "评价"),
            Act.RequestReview => new RequestReview(Id, "不服处理意见"),
            Act.DecideReview => new DecideReview(Id, (ReviewOutcome)(n % 3), "复查意见"),
            Act.RequestReReview => new RequestReReview(Id, "不服复查意见"),
            Act.DecideReReview => new DecideReReview(Id, (ReviewOutcome)(n % 3), "复核意见"),
            Act.Withdraw => new WithdrawPetition(Id, n % 2 == 0 ? null : "问题已解决"),
            Act.MarkDeadlineMissed => n % 3 == 0 && !s.Supervisions.IsEmpty
                ? ResponseMissed(s.Supervisions[n % s.Supervisions.Count])
                : new MarkDeadlineMissed(Id, s.Clock?.Stage ?? Stage.Routing, s.Clock?.Instance ?? 1),
            Act.CloseLapsedWindow => new CloseLapsedWindow(Id, s.Clock?.Stage ?? Stage.ReviewWindow, s.Clock?.Instance ?? 1),
            Act.LinkDuplicate => new LinkDuplicate(Id, Originals[n % Originals.Length].Id, n % 2 == 0 ? null : "同一事项"),
            Act.Reclassify => new ReclassifyPetition(Id, (PetitionCategory)(n % 4), "类别有误"),
            Act.FlagSuspectedDuplicate => new FlagSuspectedDuplicates(Id, [new(Originals[n % Originals.Length].Id, 0.5 + n % 50 / 100.0)]),
            Act.RecalculateDeadlines => new RecalculateDeadlines(Id),
            Act.DismissSuspectedDuplicate => new DismissSuspectedDuplicate(Id, Originals[n % Originals.Length].Id),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
    }

    private static MarkDeadlineMissed ResponseMissed(SupervisionRecord v) =>
        new(Id, Stage.SupervisionResponse, v.Instance, v.Id);

    private static string Pick(IReadOnlyList<string> options, int n) => options[n % options.Count];

    private static Department Current(Petition s) => Directory.FindDepartment(s.CurrentDepartmentId)!;

    /// <summary>Handling agencies of the current region and of one region below, and two wrong targets.</summary>
    private static List<string> ForwardTargets(Petition s)
    {
        var region = Current(s).RegionCode;
        var targets = Directory.DepartmentsOf(region).Where(d => d.Kind == DepartmentKind.HandlingAgency).Select(d => d.Id).Take(3).ToList();
        if (Directory.ChildrenOf(region) is [var child, ..])
            targets.AddRange(Directory.DepartmentsOf(child.Code).Where(d => d.Kind == DepartmentKind.HandlingAgency).Select(d => d.Id).Take(2));
        targets.Add(Places.OtherCityOffice);
        targets.Add("340200-EDU");
        return targets;
    }

    /// <summary>Petition offices above and below, and two wrong targets.</summary>
    private static List<string> TransferTargets(Petition s)
    {
        var region = Current(s).RegionCode;
        var targets = Directory.RegionPath(region).Where(r => r != region)
            .Select(r => Directory.PetitionOfficeOf(r)?.Id).OfType<string>().ToList();
        if (Directory.ChildrenOf(region) is [var child, ..] && Directory.PetitionOfficeOf(child.Code) is { } below)
            targets.Add(below.Id);
        targets.Add(Places.OtherCountyOffice);
        targets.Add(Places.CountyEducation);
        return targets;
    }

    private static (Actor Actor, bool Anonymous, bool AccessCodeVerified) CallerFor(Step step, IPetitionCommand command, Petition s)
    {
        var petitioner = s.SubmitterId is { } sub
            ? (new Actor(sub, Role.Petitioner, null), false, false)
            : (Actor.AnonymousPetitioner, true, true);
        var current = Current(s);
        return step.Caller switch
        {
            Caller.CurrentOfficer => (Callers.Officer(current.Id), false, false),
            Caller.SupervisorAbove => (Callers.Supervisor(OfficeAbove(current)), false, false),
            Caller.Petitioner => petitioner,
            Caller.Admin => (Callers.Admin, false, false),
            _ => command switch
            {
                EvaluatePetition or RequestReview or RequestReReview or WithdrawPetition => petitioner,
                TransferLevel => (Callers.Supervisor(current.Id), false, false),
                SupervisePetition => (Callers.Supervisor(step.Choice % 2 == 0
                    ? Directory.PetitionOfficeOf(current.RegionCode)?.Id ?? OfficeAbove(current)
                    : OfficeAbove(current)), false, false),
                RespondToSupervision r => (Callers.Officer(
                    s.Supervisions.FirstOrDefault(v => v.Id == r.SupervisionId)?.SupervisedDepartmentId ?? current.Id), false, false),
                MarkDeadlineMissed or CloseLapsedWindow or FlagSuspectedDuplicates or RecalculateDeadlines => (Actor.System(), false, false),
                _ => (Callers.Officer(current.Id), false, false),
            },
        };
    }

    /// <summary>The petition office of the region above the department's own (the national office at the top).</summary>
    private static string OfficeAbove(Department d)
    {
        var path = Directory.RegionPath(d.RegionCode);
        for (var i = path.Count - 2; i >= 0; i--)
        {
            if (Directory.PetitionOfficeOf(path[i]) is { } office)
                return office.Id;
        }
        return Places.NationalOffice;
    }
}
