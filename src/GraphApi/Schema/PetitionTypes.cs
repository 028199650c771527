using System.Text.Json.Nodes;
using CaseEngine.Domain;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>One open time limit as the contract shows it.</summary>
public sealed record DeadlineView(Stage Stage, DateOnly LastDay, DateTimeOffset DueAt, bool Overdue, bool Extended, bool Paused)
{
    public static DeadlineView Of(Due due, DateTimeOffset now, bool paused = false, bool missed = false, bool extended = false) =>
        new(due.Stage, due.LastDay, due.DueAt, missed || (!paused && now >= due.DueAt), extended || due.ExtensionApplied, paused);

    /// <summary>The main line's open limit (ROUTING … RE_REVIEW), paused or not.</summary>
    public static DeadlineView? MainLine(Petition p, DateTimeOffset now) =>
        // A handed-over petition shows its copy's limit as last reported (issue 20).
        (p.Clock ?? p.MirroredClock) is { } c && !p.IsFinal
            ? Of(c.Due, now, c.Paused, c.Missed, p.Extended && c.Stage == Stage.Handling)
            : null;

    /// <summary>Every open limit: the main line, supervision responses (not in the petitioner's view) and the evaluation window.</summary>
    public static IEnumerable<DeadlineView> Open(Petition p, DateTimeOffset now, bool ownView)
    {
        if (MainLine(p, now) is { } main)
            yield return main;
        if (!ownView)
            foreach (var v in p.Supervisions.Where(v => v.ClockRunning))
                yield return Of(v.Due, now, missed: v.Missed);
        if (p.EvaluationWindow is { } window)
            yield return Of(window, now);
    }
}

public sealed class DeadlineType : ObjectGraphType<DeadlineView>
{
    public DeadlineType()
    {
        Name = "Deadline";
        Field<NonNullGraphType<StageEnum>, Stage>("stage").Resolve(c => c.Source.Stage);
        Field<NonNullGraphType<DateScalar>, DateOnly>("lastDay")
            .Description("the last day of the period (after extension, hearings and the rest-day rule)")
            .Resolve(c => c.Source.LastDay);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("dueAt")
            .Description("00:00 of the day after lastDay: an act is in time when it happens before dueAt")
            .Resolve(c => c.Source.DueAt);
        Field<NonNullGraphType<BooleanGraphType>, bool>("overdue")
            .Description("true when the stage is still open and dueAt has passed")
            .Resolve(c => c.Source.Overdue);
        Field<NonNullGraphType<BooleanGraphType>, bool>("extended").Resolve(c => c.Source.Extended);
        Field<NonNullGraphType<BooleanGraphType>, bool>("paused")
            .Description("true while the clock is stopped (a hearing is running)")
            .Resolve(c => c.Source.Paused);
    }
}

public sealed class PetitionerType : ObjectGraphType<PetitionerDetails>
{
    public PetitionerType()
    {
        Name = "Petitioner";
        Field<NonNullGraphType<StringGraphType>, string>("name")
            .Description("masked (e.g. 张*) unless the caller may see personal data of this petition")
            .Resolve(c => c.Source.Name);
        Field<StringGraphType, string>("phone").Resolve(c => c.Source.Phone);
        Field<StringGraphType, string>("idNumber").Resolve(c => c.Source.IdNumber);
        Field<StringGraphType, string>("address").Resolve(c => c.Source.Address);
    }
}

public sealed class ReplyType : ObjectGraphType<ReplyRecord>
{
    public ReplyType(RuleBook rules)
    {
        Name = "Reply";
        Field<NonNullGraphType<ReplyDecisionEnum>, ReplyDecision>("decision").Resolve(c => c.Source.Decision);
        Field<NonNullGraphType<StringGraphType>, string>("text").Resolve(c => c.Source.Text);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("issuedAt").Resolve(c => c.Source.IssuedAt);
        Field<NonNullGraphType<DepartmentType>, Department>("byDepartment")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.DepartmentId));
    }
}

public sealed class ReviewDecisionType : ObjectGraphType<DecisionRecord>
{
    public ReviewDecisionType(RuleBook rules)
    {
        Name = "ReviewDecision";
        Field<NonNullGraphType<ReviewOutcomeEnum>, ReviewOutcome>("outcome").Resolve(c => c.Source.Outcome);
        Field<NonNullGraphType<StringGraphType>, string>("text").Resolve(c => c.Source.Text);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("decidedAt").Resolve(c => c.Source.DecidedAt);
        Field<NonNullGraphType<DepartmentType>, Department>("byDepartment")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.DepartmentId));
    }
}

public sealed class EvaluationType : ObjectGraphType<EvaluationRecord>
{
    public EvaluationType()
    {
        Name = "Evaluation";
        Field<NonNullGraphType<SatisfactionEnum>, Satisfaction>("satisfaction").Resolve(c => c.Source.Satisfaction);
        Field<StringGraphType, string>("comment").Resolve(c => c.Source.Comment);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("evaluatedAt").Resolve(c => c.Source.EvaluatedAt);
    }
}

public sealed class SupervisionType : ObjectGraphType<SupervisionRecord>
{
    public SupervisionType(RuleBook rules)
    {
        Name = "Supervision";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<DepartmentType>, Department>("byDepartment")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.ByDepartmentId));
        Field<NonNullGraphType<StringGraphType>, string>("instruction").Resolve(c => c.Source.Instruction);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("issuedAt").Resolve(c => c.Source.IssuedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("dueAt").Resolve(c => c.Source.Due.DueAt);
        Field<DateTimeScalar, DateTimeOffset?>("respondedAt").Resolve(c => c.Source.RespondedAt);
        Field<StringGraphType, string>("response").Resolve(c => c.Source.Response);
        // An addition to the contract: the department the notice is addressed to.
        Field<DepartmentType, Department>("supervisedDepartment")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.SupervisedDepartmentId));
    }
}

/// <summary>One flag on a petition; the candidate is reached only where the caller may read it.</summary>
public sealed class SuspectedDuplicateType : ObjectGraphType<SuspectedDuplicateNode>
{
    public SuspectedDuplicateType()
    {
        Name = "SuspectedDuplicate";
        Description = "A petition the engine suspects this one repeats (重复件); the office links or dismisses it.";
        Field<NonNullGraphType<IdGraphType>, string>("candidateId").Resolve(c => c.Source.Flag.CandidatePetitionId.ToString());
        Field<StringGraphType, string>("caseNumber")
            .Description("null when the caller may not read the candidate")
            .Resolve(c => c.Source.Candidate?.State.CaseNumber);
        Field<NonNullGraphType<FloatGraphType>, double>("score").Resolve(c => c.Source.Flag.Score);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("flaggedAt").Resolve(c => c.Source.Flag.At);
        Field<PetitionType, PetitionNode>("petition")
            .Description("null when the caller may not read the candidate")
            .Resolve(c => c.Source.Candidate);
    }
}

/// <summary>The other side of a hand-over between databases (issue 20): ids and case numbers, no personal data.</summary>
public sealed class LinkedPetitionType : ObjectGraphType<PetitionLink>
{
    public LinkedPetitionType()
    {
        Name = "LinkedPetition";
        Description = "The petition in another database linked to this one by a hand-over. An extension of the contract.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.PetitionId.ToString());
        Field<StringGraphType, string>("caseNumber")
            .Description("null on a handed-over petition until its copy's first report arrives")
            .Resolve(c => c.Source.CaseNumber);
        Field<NonNullGraphType<StringGraphType>, string>("province")
            .Description("the province code of the database that holds it (000000: the national office's)")
            .Resolve(c => c.Source.Province);
        Field<NonNullGraphType<PetitionLinkRelationEnum>, LinkRole>("relation")
            .Description("HANDED_OVER_TO: this petition was handed over and mirrors the linked one, which decides; RECEIVED_FROM: this petition is the copy that decides, received from the linked one")
            .Resolve(c => c.Source.Role);
    }
}

public sealed class PetitionLinkRelationEnum : EnumerationGraphType
{
    public PetitionLinkRelationEnum()
    {
        Name = "PetitionLinkRelation";
        Add("HANDED_OVER_TO", LinkRole.Origin, "this petition was handed over; the linked copy decides");
        Add("RECEIVED_FROM", LinkRole.Copy, "this petition is the copy, received from the linked one");
    }
}

public sealed class PetitionType : ObjectGraphType<PetitionNode>
{
    public PetitionType(RuleBook rules, TimeProvider time)
    {
        Name = "Petition";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.State.Id.ToString());
        Field<NonNullGraphType<StringGraphType>, string>("caseNumber")
            .Description("<entry region code>-<year received>-<6-digit counter per entry region and year>, e.g. 340104-2026-000123")
            .Resolve(c => c.Source.State.CaseNumber);
        Field<NonNullGraphType<StringGraphType>, string>("subject").Resolve(c => c.Source.State.Subject);
        Field<NonNullGraphType<StringGraphType>, string>("content").Resolve(c => c.Source.State.Content);
        Field<NonNullGraphType<PetitionCategoryEnum>, PetitionCategory>("category").Resolve(c => c.Source.State.Category);
        Field<NonNullGraphType<ChannelEnum>, Channel>("channel").Resolve(c => c.Source.State.Channel);
        Field<NonNullGraphType<PetitionStatusEnum>, PetitionStatus>("status").Resolve(c => c.Source.State.Status);
        Field<NonNullGraphType<StageEnum>, Stage>("stage").Resolve(c => c.Source.State.Stage);
        Field<NonNullGraphType<RegionType>, Region>("entryRegion")
            .Description("the region whose petition office the petitioner addressed (any region that has one)")
            .Resolve(c => rules.Directory.FindRegion(c.Source.State.EntryRegionCode));
        Field<NonNullGraphType<DepartmentType>, Department>("currentDepartment")
            .Description("the department currently responsible")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.State.CurrentDepartmentId));
        Field<IdGraphType, string>("assignedOfficerId")
            .Resolve(c => c.Source.Lens.OwnView ? null : c.Source.State.AssignedOfficerId);
        Field<NonNullGraphType<PetitionerType>, PetitionerDetails>("petitioner")
            .Description("masked (e.g. 张*) unless the caller may see personal data of this petition; every clear read is logged")
            .Resolve(c =>
            {
                var node = c.Source;
                if (node.Lens.PersonalData == PersonalDataView.Clear)
                    c.Request().AccessLog.Record(node.State.Id, "Petition.petitioner");
                return Masking.Apply(node.State.Petitioner, node.Lens.PersonalData);
            });
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("submittedAt")
            .Description("when the petition was received (receivedAt for letters and visits registered later)")
            .Resolve(c => c.Source.State.ReceivedAt);
        Field<DeadlineType, DeadlineView>("deadline")
            .Description("the main line's open time limit (ROUTING … RE_REVIEW); null when none is open")
            .Resolve(c => DeadlineView.MainLine(c.Source.State, time.GetUtcNow()));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeadlineType>>>, IEnumerable<DeadlineView>>("openDeadlines")
            .Description("every open time limit, including evaluation and supervision responses")
            .Resolve(c => DeadlineView.Open(c.Source.State, time.GetUtcNow(), c.Source.Lens.OwnView).ToList());
        Field<ReplyType, ReplyRecord>("reply").Resolve(c => c.Source.State.Reply);
        Field<ReviewDecisionType, DecisionRecord>("review").Resolve(c => c.Source.State.Review);
        Field<ReviewDecisionType, DecisionRecord>("reReview").Resolve(c => c.Source.State.ReReview);
        Field<EvaluationType, EvaluationRecord>("evaluation").Resolve(c => c.Source.State.Evaluation);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SupervisionType>>>, IEnumerable<SupervisionRecord>>("supervisions")
            .Resolve(c => c.Source.Lens.OwnView ? [] : c.Source.State.Supervisions);
        Field<PetitionType, PetitionNode>("duplicateOf")
            .ResolveAsync(async c => c.Source.State.DuplicateOf is { } original
                ? await c.Service<PetitionReader>().ReadAsync(original, c.Caller(), c.CancellationToken)
                : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionType>>>, IEnumerable<PetitionNode>>("duplicates")
            .ResolveAsync(async c => await c.Service<PetitionReader>().DuplicatesAsync(c.Source.State.Id, c.Caller(), c.CancellationToken));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SuspectedDuplicateType>>>, IEnumerable<SuspectedDuplicateNode>>("suspectedDuplicates")
            .Description("likely duplicates the engine flagged and the office has neither linked nor dismissed; empty in the petitioner's own view. An extension of the contract.")
            .ResolveAsync(async c => c.Source.Lens.OwnView
                ? []
                : await c.Service<PetitionReader>().SuspectedDuplicatesAsync(c.Source.State, c.Caller(), c.CancellationToken));
        Field<LinkedPetitionType, PetitionLink>("linkedPetition")
            .Description("the petition in another database this one is linked to by a hand-over (转送 / 交办 / 移交 between the national office and a province, or between provinces); null for most. An extension of the contract.")
            .Resolve(c => c.Source.State.Link);
        Field<NonNullGraphType<IntGraphType>, int>("version")
            .Description("number of events in the stream")
            .Resolve(c => c.Source.State.Version);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IEnumerable<string>>("availableActions")
            .Description("the mutations this caller may send on this petition now (e.g. forwardPetition, acceptPetition), as the "
                + "domain's own rules decide them (AvailableActions); empty for a past state (petitionAsOf). linkDuplicate is never "
                + "listed (it depends on the other petition). An extension of the contract.")
            .Resolve(c =>
            {
                var node = c.Source;
                if (node.AsOfVersion is not null)
                    return [];
                var caller = c.Caller();
                // An anonymous reader sees the petition only through its access code (trackPetition): its own view.
                var ctx = new DecisionContext(caller.Actor, time.GetUtcNow(), rules.Directory, rules.Clock, caller.Anonymous,
                    AccessCodeVerified: caller.Anonymous && node.Lens.OwnView);
                return AvailableActions.For(node.State, ctx).Select(CaseEngine.Workflow.Commands.CommandEnvelope.NameOf);
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionEventType>>>, IEnumerable<EventNode>>("history")
            .Description("the full event history, oldest first")
            .ResolveAsync(async c =>
            {
                var node = c.Source;
                var events = await c.Service<PetitionReader>().HistoryAsync(node.State.Id, null, node.AsOfVersion ?? node.State.Version, c.CancellationToken);
                return PetitionEventType.Visible(events, node.Lens);
            });
    }
}

public sealed class PetitionEventType : ObjectGraphType<EventNode>
{
    public PetitionEventType()
    {
        Name = "PetitionEvent";
        Description = "One stored event as auditors and integrators see it.";
        Field<NonNullGraphType<LongScalar>, long>("sequence")
            .Description("global position in the event log: strictly increasing in delivery order (numbers may be skipped)")
            .Resolve(c => c.Source.Event.Sequence);
        Field<IdGraphType, string>("province")
            .Description("the province whose database holds the event (its code, e.g. 340000); given by the feed and the subscription")
            .Resolve(c => c.Source.Province);
        Field<LongScalar, long?>("provinceSequence")
            .Description("the event's position in its province database's log, the numbering of eventDayRoot and eventInclusionProof; "
                + "equal to sequence unless the caller follows the national log (a scope that spans provinces); given by the feed and the subscription")
            .Resolve(c => c.Source.ProvinceSequence);
        Field<NonNullGraphType<IdGraphType>, string>("petitionId").Resolve(c => c.Source.Event.PetitionId.ToString());
        Field<NonNullGraphType<IntGraphType>, int>("version")
            .Description("position inside the petition's own stream, starting at 1")
            .Resolve(c => c.Source.Event.Version);
        Field<NonNullGraphType<StringGraphType>, string>("type")
            .Description("the event record's name, e.g. PetitionSubmitted")
            .Resolve(c => c.Source.Event.Type);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("occurredAt").Resolve(c => c.Source.Event.OccurredAt);
        Field<IdGraphType, string>("departmentId")
            .Description("the department responsible for the petition once this event is applied (for a forward: the receiving agency)")
            .Resolve(c => c.Source.Event.Data.DepartmentId);
        Field<ActorType, Actor>("actor").Resolve(c => Jurisdiction.ActorAsSeen(c.Source.Event.Actor, c.Source.Lens.OwnView));
        Field<StringGraphType, string>("correlationId")
            .Resolve(c => Jurisdiction.ShowsMetadata(c.Source.Lens.OwnView) ? c.Source.Event.CorrelationId : null);
        Field<StringGraphType, string>("causationId")
            .Resolve(c => Jurisdiction.ShowsMetadata(c.Source.Lens.OwnView) ? c.Source.Event.CausationId : null);
        Field<NonNullGraphType<JsonScalar>, JsonNode>("data")
            .Description("the event record as camelCase JSON with enums as strings; personal data only under data.petitioner, masked for callers who may not see it")
            .Resolve(c => c.Source.Data(c.Request().AccessLog));
    }

    /// <summary>The events the lens shows: the petitioner's own view leaves out the offices' internal work.</summary>
    public static List<EventNode> Visible(IEnumerable<StoredEvent> events, PetitionLens lens) =>
        [.. events.Where(e => !lens.OwnView || !Jurisdiction.IsInternal(e.Data)).Select(e => new EventNode(e, lens))];
}
