using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Submitting;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.Testing;

/// <summary>What a workload run did, for the report.</summary>
public sealed record WorkloadReport(int Petitions, int Commands, int Refused, int Sweeps, long Events, TimeSpan Elapsed,
    IReadOnlyDictionary<string, int> ByCommand, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// A seeded random workload through the real workflow: the fake clock advanced in steps of hours
/// over months with the deadline sweep after each step. Decisions are drawn sequentially from the
/// seed; the commands of one step (at most one per petition) run in parallel, each as a bus message
/// or, with <paramref name="batchSize"/> &gt; 0, in <see cref="CommandBatch"/>es of that size (the
/// benchmark's province and national data). <paramref name="entryRegions"/> are where petitions
/// arrive (default: a few demo regions).
/// </summary>
public sealed class Workload(Engine engine, int petitions, int seed, int ticks = 150, int parallelism = 4,
    IReadOnlyList<string>? entryRegions = null, int batchSize = 0)
{
    private static readonly string[] DemoEntryRegions =
        ["340000", "340100", "340200", "340101", "340102", "340201", "340101001", "340101002", "340102001"];

    private readonly IReadOnlyList<string> _entryRegions = entryRegions ?? DemoEntryRegions;
    private readonly HashSet<string> _entrySet = [.. entryRegions ?? DemoEntryRegions];
    private readonly Random _rng = new(seed);
    private readonly DepartmentDirectory _directory = engine.Host.Services.GetRequiredService<RuleBook>().Directory;
    private readonly Dictionary<Guid, Petition> _state = [];
    private readonly Dictionary<Guid, (double Activity, Func<CommandMeta> Petitioner)> _profile = [];
    private readonly List<Guid> _order = [];
    private readonly Dictionary<string, int> _byCommand = [];
    private int _commands;
    private int _refused;
    private int _sweeps;

    public async Task<WorkloadReport> RunAsync()
    {
        var watch = Stopwatch.StartNew();
        var start = engine.Clock.GetUtcNow();
        var submitTicks = Math.Max(1, ticks * 2 / 3);
        var submitted = 0;
        for (var tick = 0; tick < ticks; tick++)
        {
            var actions = new List<(Guid? Petition, string Name, Func<CommandEnvelope> Build, Action<Guid, string?>? After)>();
            var quota = tick == submitTicks - 1 ? petitions - submitted : Math.Min(petitions - submitted, (petitions + submitTicks - 1) / submitTicks);
            for (var i = 0; i < quota; i++, submitted++)
                actions.Add(Submission(submitted));
            foreach (var id in _order)
            {
                var s = _state[id];
                if (_rng.NextDouble() >= _profile[id].Activity)
                    continue;
                if (Choose(s) is { } choice)
                    actions.Add((id, choice.Name, choice.Build, null));
            }
            await RunAsync(actions);

            engine.Clock.Advance(TimeSpan.FromHours(_rng.Next(8, 31)) + TimeSpan.FromMinutes(_rng.Next(0, 60)));
            await SweepAsync();
        }
        var end = engine.Clock.GetUtcNow();
        // Every province database's log: the national data is spread over one database per province.
        long events = 0;
        foreach (var province in await ProvincesAsync())
        {
            await using var session = engine.Store.QuerySession(province);
            events += await session.Events.QueryAllRawEvents().CountAsync();
        }
        return new WorkloadReport(petitions, _commands, _refused, _sweeps, events, watch.Elapsed,
            new Dictionary<string, int>(_byCommand), start, end);
    }

    private async Task RunAsync(List<(Guid? Petition, string Name, Func<CommandEnvelope> Build, Action<Guid, string?>? After)> actions)
    {
        if (batchSize > 0)
        {
            await RunInBatchesAsync(actions);
            return;
        }
        var touched = new HashSet<Guid>();
        var results = new List<(Guid? Petition, CommandResult? Result, Action<Guid, string?>? After)>();
        var gate = new object();
        await Parallel.ForEachAsync(actions, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (a, _) =>
        {
            CommandResult? result = null;
            try
            {
                result = await engine.SendAsync(a.Build());
            }
            catch (RuleViolation e) when (Expected(e))
            {
                Interlocked.Increment(ref _refused);
            }
            lock (gate)
            {
                _commands++;
                _byCommand[a.Name] = _byCommand.GetValueOrDefault(a.Name) + 1;
                results.Add((a.Petition ?? result?.PetitionId, result, a.After));
            }
        });
        foreach (var (petition, result, after) in results)
        {
            if (result is not null)
                after?.Invoke(result.PetitionId, result.AccessCode);
            if (petition is { } id)
                touched.Add(id);
        }
        await ReloadAsync(touched);
    }

    /// <summary>Expected refusals: a lapsed right, no superior body, a race with the original of a duplicate.</summary>
    private static bool Expected(RuleViolation e) =>
        e.Code is RuleCode.DeadlinePassed or RuleCode.InvalidTransition or RuleCode.ConcurrencyConflict;

    /// <summary>
    /// The step's commands as batches; the petitions' states follow from the events each command
    /// appended (the snapshot projection folds them the same way), so nothing is read back.
    /// </summary>
    private async Task RunInBatchesAsync(List<(Guid? Petition, string Name, Func<CommandEnvelope> Build, Action<Guid, string?>? After)> actions)
    {
        var batch = engine.Host.Services.GetRequiredService<CommandBatch>();
        var chunks = actions.Chunk(batchSize).ToList();
        var outcomes = new IReadOnlyList<BatchOutcome>[chunks.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, chunks.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
            outcomes[i] = await batch.RunAsync([.. chunks[i].Select(a => a.Build())], ct));
        foreach (var (chunk, results) in chunks.Zip(outcomes))
        {
            foreach (var (a, outcome) in chunk.Zip(results))
            {
                _commands++;
                _byCommand[a.Name] = _byCommand.GetValueOrDefault(a.Name) + 1;
                if (outcome.Refusal is { } refusal)
                {
                    if (!Expected(refusal))
                        throw refusal;
                    _refused++;
                    continue;
                }
                a.After?.Invoke(outcome.PetitionId, outcome.AccessCode);
                if (_state.TryGetValue(outcome.PetitionId, out var before))
                    _state[outcome.PetitionId] = outcome.Events.Aggregate(before, Petition.Evolve);
                else if (outcome.Events.Count > 0)
                {
                    _order.Add(outcome.PetitionId);
                    _state[outcome.PetitionId] = Petition.Fold(outcome.Events);
                }
            }
        }
    }

    private async Task SweepAsync()
    {
        List<Guid> due;
        var now = engine.Clock.GetUtcNow();
        due = [];
        foreach (var province in await ProvincesAsync())
        {
            await using var session = engine.Store.QuerySession(province);
            due.AddRange((await session.Query<DeadlineTimer>().Where(t => t.DueAt <= now).ToListAsync()).Select(t => t.PetitionId).Distinct());
        }
        if (due.Count == 0)
            return;
        _sweeps += await engine.SweepAsync();
        await ReloadAsync(due);
    }

    private IReadOnlyList<string>? _provinces;

    /// <summary>The province databases the engine serves (listed before the run; none is added during it).</summary>
    private async Task<IReadOnlyList<string>> ProvincesAsync() =>
        _provinces ??= await engine.Host.Services.GetRequiredService<ProvinceDatabases>().AllAsync();

    private async Task ReloadAsync(IEnumerable<Guid> ids)
    {
        foreach (var (province, chunk) in ids.GroupBy(Engine.ProvinceOf).SelectMany(g => g.Chunk(2000).Select(c => (g.Key, c))))
        {
            await using var session = engine.Store.QuerySession(province);
            foreach (var p in await session.LoadManyAsync<Petition>(chunk))
            {
                if (!_state.ContainsKey(p.Id))
                    _order.Add(p.Id);
                _state[p.Id] = p;
            }
        }
    }

    private (Guid?, string, Func<CommandEnvelope>, Action<Guid, string?>?) Submission(int index)
    {
        var region = _entryRegions[_rng.Next(_entryRegions.Count)];
        var channels = Enum.GetValues<Channel>();
        var channel = channels[_rng.Next(channels.Length)];
        var categories = Enum.GetValues<PetitionCategory>();
        var category = categories[_rng.Next(categories.Length)];
        var subject = $"{Topics[_rng.Next(Topics.Length)]} 第{index}件";
        var activity = _rng.NextDouble() < 0.15 ? 0.02 : 0.3 + _rng.NextDouble() * 0.3;
        var receivedBack = TimeSpan.FromHours(_rng.Next(0, 72));
        var citizen = new Actor($"citizen-{index}", Role.Petitioner, null);
        var office = _directory.PetitionOfficeOf(region)!.Id;
        return (null, "submitPetition", () =>
        {
            var now = engine.Clock.GetUtcNow();
            var command = Samples.Complaint(channel, region, category, subject) with
            {
                ReceivedAt = channel.IsOnline() ? null : now - receivedBack,
                Petitioner = Petitioner(index, region),
            };
            var meta = channel.IsOnline() ? Engine.As(citizen) : Engine.As(new Actor($"officer-{office}", Role.Officer, office));
            return new CommandEnvelope(meta, command);
        }, (petitionId, code) =>
        {
            _profile[petitionId] = (activity,
                channel.IsOnline() ? () => Engine.As(citizen) : () => Engine.Anonymously(code));
        }
        );
    }

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
    private static readonly string[] GivenNames = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "涛"];

    /// <summary>A petitioner of their own per petition (made-up data of the right shape), as the duplicate index sees in life.</summary>
    private static PetitionerDetails Petitioner(int index, string region) =>
        new($"{Surnames[index % Surnames.Length]}{GivenNames[index / Surnames.Length % GivenNames.Length]}{GivenNames[index / 7 % GivenNames.Length]}",
            $"13{index % 1_000_000_000:000000000}",
            $"{region[..6]}19{60 + index % 40:00}0{1 + index % 9}{10 + index % 18:00}{index % 1000:000}X",
            $"{region}号{index % 500}");

    private static readonly string[] Topics = ["村道损坏", "拖欠工资", "学校收费", "医保报销", "征地补偿", "噪音扰民", "低保申请", "违章建筑"];

    private (string Name, Func<CommandEnvelope> Build)? Choose(Petition s)
    {
        var options = new List<(double Weight, string Name, Func<CommandEnvelope> Build)>();
        var id = s.Id;
        var staff = Engine.As(new Actor($"officer-{s.CurrentDepartmentId}", Role.Officer, s.CurrentDepartmentId));
        var petitioner = _profile[id].Petitioner;
        var now = engine.Clock.GetUtcNow();
        void Add(double weight, string name, Func<CommandEnvelope> build) => options.Add((weight, name, build));

        switch (s.Status)
        {
            case PetitionStatus.Registered:
                {
                    if (AgenciesUnder(s.CurrentDepartmentId) is { Count: > 0 } agencies)
                    {
                        var agency = agencies[_rng.Next(agencies.Count)];
                        var mode = _rng.Next(2) == 0 ? ForwardMode.Transfer : ForwardMode.Assign;
                        Add(5, "forwardPetition", () => new CommandEnvelope(staff, new ForwardPetition(id, agency, mode, "请依法处理")));
                    }
                    if (RelatedOffices(s.CurrentDepartmentId) is { Count: > 0 } offices)
                    {
                        var target = offices[_rng.Next(offices.Count)];
                        var supervisor = Engine.As(new Actor($"sup-{s.CurrentDepartmentId}", Role.Supervisor, s.CurrentDepartmentId));
                        Add(1, "transferLevel", () => (new CommandEnvelope(supervisor, new TransferLevel(id, target, "属地管理"))));
                    }
                    var route = s.Category == PetitionCategory.LegalProcedure ? LegalRoute.Litigation : (LegalRoute?)null;
                    Add(1, "declinePetition", () => (new CommandEnvelope(staff, new DeclinePetition(id, "不属于信访事项", route))));
                    var other = Enum.GetValues<PetitionCategory>().Where(c => c != s.Category).ToArray()[_rng.Next(3)];
                    Add(0.6, "reclassifyPetition", () => (new CommandEnvelope(staff, new ReclassifyPetition(id, other, "更正分类"))));
                    // A few draws, not a scan: the national workload holds a million petitions. An original is in the
                    // same province's database (a petition of another province is NOT_FOUND there).
                    if (Enumerable.Range(0, 4).Select(_ => _order[_rng.Next(_order.Count)]).FirstOrDefault(o => o != id
                        && Engine.ProvinceOf(o) == Engine.ProvinceOf(id)
                        && _state[o].Status is not (PetitionStatus.Declined or PetitionStatus.Withdrawn or PetitionStatus.Merged)) is var original
                        && original != Guid.Empty)
                    {
                        // The office links to an original it may read (a petition once at its department) or to one the
                        // engine flagged on this petition; anything else is NOT_FOUND for it.
                        if (_state[original].Departments.Contains(s.CurrentDepartmentId))
                            Add(0.6, "linkDuplicate", () => (new CommandEnvelope(staff, new LinkDuplicate(id, original, "同一事项"))));
                        Add(0.4, "flagSuspectedDuplicates", () => (new CommandEnvelope(
                            CommandMeta.System(Guid.NewGuid()), new FlagSuspectedDuplicates(id, [new(original, 0.9)]))));
                    }
                    if (s.SuspectedDuplicates.Select(d => d.CandidatePetitionId).FirstOrDefault(c => _state.TryGetValue(c, out var flagged)
                        && flagged.Status is not (PetitionStatus.Declined or PetitionStatus.Withdrawn or PetitionStatus.Merged)) is var candidate
                        && candidate != Guid.Empty)
                        Add(0.6, "linkDuplicate", () => (new CommandEnvelope(staff, new LinkDuplicate(id, candidate, "同一事项"))));
                    if (s.SuspectedDuplicates.Count > 0)
                    {
                        var judged = s.SuspectedDuplicates[0].CandidatePetitionId;
                        Add(0.2, "dismissSuspectedDuplicate", () => (new CommandEnvelope(staff, new DismissSuspectedDuplicate(id, judged, "不同事项"))));
                    }
                    Add(0.3, "withdrawPetition", () => (new CommandEnvelope(petitioner(), new WithdrawPetition(id, "已解决"))));
                    break;
                }
            case PetitionStatus.Forwarded:
                Add(5, "acceptPetition", () => (new CommandEnvelope(staff, new AcceptPetition(id))));
                Add(1, "declinePetition", () => (new CommandEnvelope(staff,
                    new DeclinePetition(id, "不予受理", s.Category == PetitionCategory.LegalProcedure ? LegalRoute.Arbitration : null))));
                Add(1, "returnPetition", () => (new CommandEnvelope(staff, new ReturnPetition(id, "不属于本机关职权"))));
                Add(1, "assignOfficer", () => (new CommandEnvelope(staff, new AssignOfficer(id, $"handler-{_rng.Next(5)}"))));
                Add(0.2, "withdrawPetition", () => (new CommandEnvelope(petitioner(), new WithdrawPetition(id))));
                break;
            case PetitionStatus.InHandling:
                if (s.HearingOpen)
                    Add(3, "concludeHearing", () => (new CommandEnvelope(staff, new ConcludeHearing(id, "听证结束"))));
                else
                {
                    Add(4, "issueReply", () => (new CommandEnvelope(staff, new IssueReply(id,
                        Enum.GetValues<ReplyDecision>()[_rng.Next(4)], "经调查，答复如下。"))));
                    Add(1, "startHearing", () => (new CommandEnvelope(staff, new StartHearing(id, "需要听证"))));
                    if (!s.Extended)
                    {
                        var days = _rng.Next(1, 31);
                        Add(1, "extendDeadline", () => (new CommandEnvelope(staff, new ExtendDeadline(id, days, "情况复杂"))));
                    }
                }
                Add(1, "assignOfficer", () => (new CommandEnvelope(staff, new AssignOfficer(id, $"handler-{_rng.Next(5)}"))));
                Add(0.2, "withdrawPetition", () => (new CommandEnvelope(petitioner(), new WithdrawPetition(id))));
                break;
            case PetitionStatus.Replied:
                AddEvaluation(s, petitioner, Add);
                Add(0.7, "requestReview", () => (new CommandEnvelope(petitioner(), new RequestReview(id, "对答复不服"))));
                Add(0.1, "withdrawPetition", () => (new CommandEnvelope(petitioner(), new WithdrawPetition(id))));
                break;
            case PetitionStatus.UnderReview:
                Add(4, "decideReview", () => (new CommandEnvelope(staff, new DecideReview(id,
                    Enum.GetValues<ReviewOutcome>()[_rng.Next(3)], "复查意见"))));
                Add(1, "assignOfficer", () => (new CommandEnvelope(staff, new AssignOfficer(id, $"reviewer-{_rng.Next(3)}"))));
                Add(0.2, "withdrawPetition", () => (new CommandEnvelope(petitioner(), new WithdrawPetition(id))));
                break;
            case PetitionStatus.Reviewed:
                AddEvaluation(s, petitioner, Add);
                Add(0.7, "requestReReview", () => (new CommandEnvelope(petitioner(), new RequestReReview(id, "对复查不服"))));
                break;
            case PetitionStatus.UnderReReview:
                if (s.HearingOpen)
                    Add(3, "concludeHearing", () => (new CommandEnvelope(staff, new ConcludeHearing(id, "听证结束"))));
                else
                {
                    Add(3, "decideReReview", () => (new CommandEnvelope(staff, new DecideReReview(id,
                        Enum.GetValues<ReviewOutcome>()[_rng.Next(3)], "复核意见"))));
                    Add(1, "startHearing", () => (new CommandEnvelope(staff, new StartHearing(id, "复核听证"))));
                }
                Add(0.5, "assignOfficer", () => (new CommandEnvelope(staff, new AssignOfficer(id, "rereviewer"))));
                break;
            case PetitionStatus.Closed:
                AddEvaluation(s, petitioner, Add);
                break;
        }

        if (!s.IsFinal && _directory.FindDepartment(s.CurrentDepartmentId) is { } current
            && _directory.PetitionOfficeOf(current.RegionCode) is { } supervisorOffice)
        {
            var supervisor = Engine.As(new Actor($"sup-{supervisorOffice.Id}", Role.Supervisor, supervisorOffice.Id));
            var due = now + TimeSpan.FromDays(_rng.Next(3, 21));
            Add(0.3, "supervisePetition", () => (new CommandEnvelope(supervisor, new SupervisePetition(id, "请加快办理", due))));
        }
        foreach (var v in s.Supervisions.Where(v => v.IsOpen))
        {
            var answerer = Engine.As(new Actor($"officer-{v.SupervisedDepartmentId}", Role.Officer, v.SupervisedDepartmentId));
            Add(1, "respondToSupervision", () => (new CommandEnvelope(answerer, new RespondToSupervision(id, v.Id, "已落实"))));
        }

        if (options.Count == 0)
            return null;
        var chosen = _rng.PickWeighted(options, o => o.Weight);
        return (chosen.Name, chosen.Build);
    }

    private void AddEvaluation(Petition s, Func<CommandMeta> petitioner, Action<double, string, Func<CommandEnvelope>> add)
    {
        if (s.Reply is null || s.Evaluation is not null)
            return;
        var satisfaction = Enum.GetValues<Satisfaction>()[_rng.Next(3)];
        add(2, "evaluatePetition", () => (new CommandEnvelope(petitioner(), new EvaluatePetition(s.Id, satisfaction, "评价"))));
    }

    private readonly Dictionary<string, List<string>> _agencies = [];
    private readonly Dictionary<string, List<string>> _related = [];

    /// <summary>Handling agencies of the office's own region and of its child regions among the entry regions.</summary>
    private List<string> AgenciesUnder(string officeId)
    {
        if (_agencies.TryGetValue(officeId, out var list))
            return list;
        var office = _directory.FindDepartment(officeId)!;
        var regions = _directory.ChildrenOf(office.RegionCode).Select(r => r.Code).Where(_entrySet.Contains).Prepend(office.RegionCode);
        list = [.. regions.SelectMany(_directory.DepartmentsOf).Where(d => d.Kind == DepartmentKind.HandlingAgency).Select(d => d.Id)];
        return _agencies[officeId] = list;
    }

    /// <summary>Petition offices of the parent region and of child regions among the entry regions.</summary>
    private List<string> RelatedOffices(string officeId)
    {
        if (_related.TryGetValue(officeId, out var list))
            return list;
        var office = _directory.FindDepartment(officeId)!;
        var parent = _directory.FindRegion(office.RegionCode)!.ParentCode;
        var regions = _directory.ChildrenOf(office.RegionCode).Select(r => r.Code).Append(parent).Where(r => r is not null && _entrySet.Contains(r));
        list = [.. regions.Select(r => _directory.PetitionOfficeOf(r!)?.Id).OfType<string>()];
        return _related[officeId] = list;
    }
}

/// <summary>
/// One submission as the bench's load clients send it over GraphQL (enum values in the schema's spelling).
/// <paramref name="Resubmission"/>: the same petitioner submitting a matter of theirs again, reworded.
/// </summary>
public sealed record BenchSubmission(string EntryRegion, string Category, string Subject, string Content,
    string Name, string Phone, string IdNumber, string Address, bool Resubmission);

/// <summary>
/// The bench's submission workload (issue 17): every new submission comes from a petitioner of their own,
/// and about <see cref="ResubmissionRate"/> of them are genuine resubmissions — a petitioner this client
/// served before brings the same matter again in other words (the next wording of the same
/// <see cref="Text.Matter"/>: same place, party, amount and date, other sentences), as people do when
/// they write to a higher level or lose patience. So duplicate detection does the work it does in
/// production: it segments every text and compares each petitioner's earlier petitions, and flags only
/// the resubmissions (distinct petitioners are never candidates of each other). One <see cref="Client"/>
/// per load client; <paramref name="run"/> keeps the petitioners of one run apart from those of an
/// earlier run on a kept database.
/// </summary>
public sealed class SubmissionMix(long run, IReadOnlyList<string> entryRegions, double resubmissionRate = SubmissionMix.ResubmissionRate)
{
    /// <summary>About 3 % of submissions repeat a matter of the same petitioner (issue 17's realistic rate).</summary>
    public const double ResubmissionRate = 0.03;

    /// <summary>How many of its earlier petitioners a client remembers to resubmit for.</summary>
    private const int Remembered = 256;

    /// <summary>A new run key: random, so two runs never share a petitioner.</summary>
    public static long NewRun() => System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) * 4_294_967_296L
        + System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);

    public Client For(int client) => new(run, client, entryRegions, resubmissionRate);

    /// <summary>The submissions of one load client, in order; not thread-safe (one per client).</summary>
    public sealed class Client(long run, int client, IReadOnlyList<string> entryRegions, double resubmissionRate)
    {
        private readonly Random _rng = new(unchecked((int)(run ^ (run >> 32)) * 31 + client));
        /// <summary>ID numbers a run can tell apart: 50 birth years × 12 months × 28 days × 10,000 sequence numbers.</summary>
        private const long IdSlots = 50L * 12 * 28 * 10_000;

        private readonly List<(BenchSubmission First, Text.Matter Matter, int Wording)> _earlier = [];
        private long _petitioners;

        public BenchSubmission Next()
        {
            if (_earlier.Count > 0 && _rng.NextDouble() < resubmissionRate)
            {
                var pick = _rng.Next(_earlier.Count);
                var (first, matter, wording) = _earlier[pick];
                _earlier[pick] = (first, matter, wording + 1);
                return first with
                {
                    Subject = matter.Subject(wording + 1),
                    Content = matter.Content(wording + 1),
                    Resubmission = true,
                };
            }
            var region = entryRegions[_rng.Next(entryRegions.Count)];
            var kind = Text.PetitionTexts.Pick(_rng, Text.PetitionTexts.Kinds);
            var m = Text.PetitionTexts.NewMatter(kind, _rng);
            var w = _rng.Next(4);
            // Made-up data of the right shape, distinct within a run by construction: the client and its
            // count of petitioners pick a slot, the run turns it; ID number and phone are one-to-one in the slot.
            var slot = (client * 1_000_000L + _petitioners++ + (run & 0x7fff_ffff)) % IdSlots;
            var (sequence, day, month, year) = (slot % 10_000, slot / 10_000 % 28, slot / 280_000 % 12, slot / 3_360_000);
            var submission = new BenchSubmission(region, CategoryName(kind.Category), m.Subject(w), m.Content(w),
                Text.PetitionTexts.Pick(_rng, ["张", "王", "李", "赵", "刘", "陈"]) + Text.PetitionTexts.Pick(_rng, ["伟", "芳", "敏", "静", "强", "磊"]) + "某",
                $"13{(slot * 7_919 + (run & 0xffff)) % 1_000_000_000:000000000}",
                $"{region.PadRight(6, '0')[..6]}19{50 + year:00}{1 + month:00}{1 + day:00}{sequence:0000}",
                $"{m.Place}{_rng.Next(1, 200)}号", false);
            if (_earlier.Count >= Remembered)
                _earlier.RemoveAt(_rng.Next(_earlier.Count));
            _earlier.Add((submission, m, w));
            return submission;
        }

        private static string CategoryName(Domain.PetitionCategory category) => category switch
        {
            Domain.PetitionCategory.ComplaintRequest => "COMPLAINT_REQUEST",
            Domain.PetitionCategory.Suggestion => "SUGGESTION",
            Domain.PetitionCategory.ReportAccusation => "REPORT_ACCUSATION",
            _ => "LEGAL_PROCEDURE",
        };
    }
}
