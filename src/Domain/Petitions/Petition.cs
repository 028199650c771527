using System.Collections.Immutable;
using CaseEngine.Domain.Clocks;

namespace CaseEngine.Domain.Petitions;

/// <summary>A running time limit: which stage, which instance of it, its due moment, and whether it stopped or was missed.</summary>
/// <param name="Instance">the stream version of the event that opened it: a missed deadline names the instance it was for, so a stage that moved on is never marked late</param>
public sealed record OpenClock(Stage Stage, Due Due, int Instance, DateTimeOffset? PausedAt = null, bool Missed = false)
{
    public bool Paused => PausedAt is not null;
}

public sealed record ReplyRecord(
    ReplyDecision Decision, string Text, DateTimeOffset IssuedAt, string DepartmentId, string RegionPath, bool OnTime) : ConfidentialRecord;

public sealed record DecisionRecord(
    ReviewOutcome Outcome, string Text, DateTimeOffset DecidedAt, string DepartmentId, string RegionPath, bool OnTime) : ConfidentialRecord;

public sealed record EvaluationRecord(Satisfaction Satisfaction, string? Comment, DateTimeOffset EvaluatedAt) : ConfidentialRecord;

public sealed record SupervisionRecord(
    string Id, string SupervisedDepartmentId, string SupervisedRegionPath, string ByDepartmentId,
    string Instruction, DateTimeOffset IssuedAt, Due Due, bool Automatic, int Instance,
    DateTimeOffset? RespondedAt = null, string? Response = null, bool Missed = false, bool ClockStopped = false) : ConfidentialRecord
{
    public bool IsOpen => RespondedAt is null;

    /// <summary>The response clock runs while the notice is unanswered and the petition was not withdrawn.</summary>
    public bool ClockRunning => IsOpen && !ClockStopped;
}

/// <summary>Which side of a link across databases a petition is (issue 20).</summary>
public enum LinkRole
{
    /// <summary>Handed over: the linked copy decides, this petition mirrors it.</summary>
    Origin,
    /// <summary>The copy that decides, in the database of the department it was handed to.</summary>
    Copy,
}

/// <summary>
/// The petition in another database this one is linked to: its id, the province whose database holds it,
/// its case number (known to the origin from the copy's first report) and, on the origin, the copy's last
/// version reported back.
/// </summary>
public sealed record PetitionLink(Guid PetitionId, string Province, LinkRole Role, string? CaseNumber, int ReportedVersion = 0);

public sealed record SuspectedDuplicate(Guid CandidatePetitionId, double Score, DateTimeOffset At);

/// <summary>
/// The state of one petition, folded from its events by <see cref="Evolve"/>. Immutable: every
/// event yields a new state, so a fetched aggregate is never mutated.
/// </summary>
public sealed record Petition : ConfidentialRecord
{
    public Guid Id { get; init; }
    /// <summary>Number of events applied.</summary>
    public int Version { get; init; }
    public string CaseNumber { get; init; } = "";
    public PetitionStatus Status { get; init; }
    public Stage Stage { get; init; } = Stage.None;
    public Channel Channel { get; init; }
    public PetitionCategory Category { get; init; }
    /// <summary>The category the petition was received (and counted as received) under; reclassification leaves it.</summary>
    public PetitionCategory ReceivedCategory { get; init; }
    public string EntryRegionCode { get; init; } = "";
    public string EntryDepartmentId { get; init; } = "";
    public string EntryRegionPath { get; init; } = "";
    public string Subject { get; init; } = "";
    public string Content { get; init; } = "";
    public PetitionerDetails Petitioner { get; init; } = new("", null, null, null);
    /// <summary>The PETITIONER token subject that submitted it, when it came with one.</summary>
    public string? SubmitterId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public string CurrentDepartmentId { get; init; } = "";
    public string CurrentRegionPath { get; init; } = "";
    /// <summary>Every department the petition has been at, in order of first arrival (who may read it).</summary>
    public ImmutableList<string> Departments { get; init; } = [];
    /// <summary>The office that forwarded it to the current agency (the target of a return, and of a result report under ASSIGN).</summary>
    public string? ForwardingOfficeId { get; init; }
    public ForwardMode? ForwardMode { get; init; }
    /// <summary>The agency's right to return the petition: 5 working days from arrival.</summary>
    public Due? ReturnWindow { get; init; }
    public string? AssignedOfficerId { get; init; }
    /// <summary>The main line's open time limit (ROUTING … RE_REVIEW).</summary>
    public OpenClock? Clock { get; init; }
    public bool Extended { get; init; }
    public DateTimeOffset? AcceptedAt { get; init; }
    /// <summary>Hearing time during handling, excluded from average handling days.</summary>
    public TimeSpan HandlingHearingTime { get; init; }
    public ReplyRecord? Reply { get; init; }
    public DecisionRecord? Review { get; init; }
    public DecisionRecord? ReReview { get; init; }
    public EvaluationRecord? Evaluation { get; init; }
    /// <summary>The petitioner's evaluation window, open from the reply until evaluated or lapsed.</summary>
    public Due? EvaluationWindow { get; init; }
    public ImmutableList<SupervisionRecord> Supervisions { get; init; } = [];
    public ImmutableList<SuspectedDuplicate> SuspectedDuplicates { get; init; } = [];

    /// <summary>Candidates the office judged not to be the same matter: never flagged on this petition again.</summary>
    public ImmutableList<Guid> DismissedDuplicates { get; init; } = [];
    public Guid? DuplicateOf { get; init; }
    public DateTimeOffset LastEventAt { get; init; }
    /// <summary>The petition in another database this one is linked to by a hand-over; null for most.</summary>
    public PetitionLink? Link { get; init; }
    /// <summary>On a handed-over petition, its copy's open time limit as last reported: shown, never run here (no timer).</summary>
    public OpenClock? MirroredClock { get; init; }

    public bool IsFinal => Status.IsFinal();
    /// <summary>Handed over to another database: its linked copy decides every act, this petition mirrors it.</summary>
    public bool HandedOver => Link?.Role == LinkRole.Origin;
    public bool HearingOpen => Clock?.Paused == true;

    public static Petition Evolve(Petition? state, IPetitionEvent e)
    {
        var s = (state ?? new Petition()) with
        {
            Version = (state?.Version ?? 0) + 1,
            CurrentDepartmentId = e.DepartmentId,
            CurrentRegionPath = e.RegionPath,
            LastEventAt = e.At,
        };
        if (!s.Departments.Contains(e.DepartmentId))
            s = s with { Departments = s.Departments.Add(e.DepartmentId) };
        var instance = s.Version;

        return e switch
        {
            PetitionSubmitted x => s with
            {
                Id = x.PetitionId,
                CaseNumber = x.CaseNumber,
                Status = PetitionStatus.Registered,
                Stage = Stage.Routing,
                Channel = x.Channel,
                Category = x.Category,
                ReceivedCategory = x.Category,
                EntryRegionCode = x.EntryRegionCode,
                EntryDepartmentId = x.DepartmentId,
                EntryRegionPath = x.RegionPath,
                Subject = x.Subject,
                Content = x.Content,
                Petitioner = x.Petitioner,
                SubmitterId = x.SubmitterId,
                ReceivedAt = x.ReceivedAt,
                Clock = new OpenClock(Stage.Routing, x.Routing, instance),
            },
            PetitionReclassified x => s with { Category = x.To },
            PetitionForwarded x => s with
            {
                Status = PetitionStatus.Forwarded,
                Stage = Stage.Acceptance,
                ForwardingOfficeId = x.FromDepartmentId,
                ForwardMode = x.Mode,
                ReturnWindow = x.ReturnWindow,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.Acceptance, x.Acceptance, instance),
            },
            PetitionTransferredLevel x => s with
            {
                Status = PetitionStatus.Registered,
                Stage = Stage.Routing,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.Routing, x.Routing, instance),
            },
            PetitionReturned x => s with
            {
                Status = PetitionStatus.Registered,
                Stage = Stage.Routing,
                ForwardingOfficeId = null,
                ForwardMode = null,
                ReturnWindow = null,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.Routing, x.Routing, instance),
            },
            PetitionDeclined => Ended(s, PetitionStatus.Declined),
            PetitionAccepted x => s with
            {
                Status = PetitionStatus.InHandling,
                Stage = Stage.Handling,
                AcceptedAt = x.At,
                ReturnWindow = null,
                Clock = new OpenClock(Stage.Handling, x.Handling, instance),
            },
            OfficerAssigned x => s with { AssignedOfficerId = x.OfficerId },
            DeadlineExtended x => s with { Extended = true, Clock = s.Clock! with { Due = x.Handling } },
            HearingStarted x => s with { Clock = s.Clock! with { PausedAt = x.At } },
            HearingConcluded x => s with
            {
                Clock = s.Clock! with { Due = x.Resumed, PausedAt = null },
                HandlingHearingTime = x.Stage == Stage.Handling ? s.HandlingHearingTime + x.Length : s.HandlingHearingTime,
            },
            ReplyIssued x => s with
            {
                Status = PetitionStatus.Replied,
                Stage = Stage.ReviewWindow,
                Reply = new ReplyRecord(x.Decision, x.Text, x.At, x.DepartmentId, x.RegionPath, x.OnTime),
                EvaluationWindow = x.Evaluation,
                Clock = new OpenClock(Stage.ReviewWindow, x.ReviewWindow, instance),
            },
            ResultReported => s,
            SupervisionIssued x => s with
            {
                Supervisions = s.Supervisions.Add(new SupervisionRecord(
                    x.SupervisionId, x.SupervisedDepartmentId, x.SupervisedRegionPath, x.ByDepartmentId,
                    x.Instruction, x.At, x.Response, x.Automatic, instance)),
            },
            SupervisionAnswered x => s with
            {
                Supervisions = Replace(s.Supervisions, x.SupervisionId, v => v with { RespondedAt = x.At, Response = x.Response }),
            },
            PetitionEvaluated x => s with
            {
                Evaluation = new EvaluationRecord(x.Satisfaction, x.Comment, x.At),
                EvaluationWindow = null,
            },
            ReviewRequested x => s with
            {
                Status = PetitionStatus.UnderReview,
                Stage = Stage.Review,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.Review, x.Review, instance),
            },
            ReviewDecided x => s with
            {
                Status = PetitionStatus.Reviewed,
                Stage = Stage.ReReviewWindow,
                Review = new DecisionRecord(x.Outcome, x.Text, x.At, x.DepartmentId, x.RegionPath, x.OnTime),
                Clock = new OpenClock(Stage.ReReviewWindow, x.ReReviewWindow, instance),
            },
            ReReviewRequested x => s with
            {
                Status = PetitionStatus.UnderReReview,
                Stage = Stage.ReReview,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.ReReview, x.ReReview, instance),
            },
            ReReviewDecided x => s with
            {
                ReReview = new DecisionRecord(x.Outcome, x.Text, x.At, x.DepartmentId, x.RegionPath, x.OnTime),
                Clock = null,
            },
            PetitionTerminated => Ended(s, PetitionStatus.Terminated),
            PetitionClosed => Ended(s, PetitionStatus.Closed),
            PetitionWithdrawn => Ended(s, PetitionStatus.Withdrawn) with
            {
                // Withdrawal stops every clock, the evaluation window and supervision responses included.
                EvaluationWindow = null,
                Supervisions = [.. s.Supervisions.Select(v => v.IsOpen ? v with { ClockStopped = true } : v)],
            },
            DuplicateSuspected x => s with
            {
                SuspectedDuplicates = s.SuspectedDuplicates.Add(new SuspectedDuplicate(x.CandidatePetitionId, x.Score, x.At)),
            },
            SuspectedDuplicateDismissed x => s with
            {
                SuspectedDuplicates = s.SuspectedDuplicates.RemoveAll(d => d.CandidatePetitionId == x.CandidatePetitionId),
                DismissedDuplicates = s.DismissedDuplicates.Add(x.CandidatePetitionId),
            },
            DuplicateLinked x => Ended(s, PetitionStatus.Merged) with { DuplicateOf = x.DuplicateOfPetitionId },
            DeadlineMissed x when x.SupervisionId is not null => s with
            {
                Supervisions = Replace(s.Supervisions, x.SupervisionId, v => v with { Missed = true }),
            },
            DeadlineMissed => s with { Clock = s.Clock! with { Missed = true } },
            DeadlineRecalculated x => x.Stage switch
            {
                _ when x.SupervisionId is not null => s with
                {
                    Supervisions = Replace(s.Supervisions, x.SupervisionId, v => v with { Due = x.Recalculated }),
                },
                Stage.Evaluation => s with { EvaluationWindow = x.Recalculated },
                _ when s.ReturnWindow is not null && x.Previous.Equals(s.ReturnWindow) => s with { ReturnWindow = x.Recalculated },
                _ => s with { Clock = s.Clock! with { Due = x.Recalculated } },
            },
            PetitionHandedOver x => s with
            {
                // The copy runs the clocks now: none here, so no timer fires twice for one time limit.
                Clock = null,
                ReturnWindow = null,
                Link = new PetitionLink(x.LinkedPetitionId, x.LinkedProvince, LinkRole.Origin, null),
            },
            HandedOverPetitionReceived x => s with
            {
                Id = x.PetitionId,
                CaseNumber = x.CaseNumber,
                Status = x.Mode is null ? PetitionStatus.Registered : PetitionStatus.Forwarded,
                Stage = x.Mode is null ? Stage.Routing : Stage.Acceptance,
                Channel = x.Channel,
                Category = x.Category,
                ReceivedCategory = x.Category,
                EntryRegionCode = x.EntryRegionCode,
                EntryDepartmentId = x.EntryDepartmentId,
                EntryRegionPath = x.EntryRegionPath,
                Subject = x.Subject,
                Content = x.Content,
                Petitioner = x.Petitioner,
                SubmitterId = x.SubmitterId,
                ReceivedAt = x.ReceivedAt,
                ForwardingOfficeId = x.Mode is null ? null : x.FromDepartmentId,
                ForwardMode = x.Mode,
                ReturnWindow = x.ReturnWindow,
                Clock = new OpenClock(x.Mode is null ? Stage.Routing : Stage.Acceptance, x.Clock, instance),
                Link = new PetitionLink(x.OriginPetitionId, x.OriginProvince, LinkRole.Copy, x.OriginCaseNumber),
                Departments = [.. x.FormerDepartments.Where(d => d != x.DepartmentId), x.DepartmentId],
            },
            LinkedProgressReported x => s with
            {
                Status = x.Status,
                Stage = x.Stage,
                Reply = x.Reply,
                Review = x.Review,
                ReReview = x.ReReview,
                Evaluation = x.Evaluation,
                Clock = null,
                MirroredClock = x.Clock,
                EvaluationWindow = null,
                Link = s.Link! with { CaseNumber = x.LinkedCaseNumber, ReportedVersion = x.ToVersion },
            },
            HandedOverPetitionReturned => Ended(s, PetitionStatus.Closed),
            HandOverReturned x => s with
            {
                Status = PetitionStatus.Registered,
                Stage = Stage.Routing,
                ForwardingOfficeId = null,
                ForwardMode = null,
                AssignedOfficerId = null,
                Clock = new OpenClock(Stage.Routing, x.Routing, instance),
                MirroredClock = null,
                // Decided here again: a new hand-over makes a new link.
                Link = null,
            },
            _ => throw new InvalidOperationException($"no evolution for event {e.GetType().Name}"),
        };
    }

    public static Petition Fold(IEnumerable<IPetitionEvent> events) =>
        events.Aggregate((Petition?)null, Evolve) ?? throw new InvalidOperationException("a petition has at least one event");

    private static Petition Ended(Petition s, PetitionStatus status) =>
        s with { Status = status, Stage = Stage.None, Clock = null, ReturnWindow = null };

    private static ImmutableList<SupervisionRecord> Replace(
        ImmutableList<SupervisionRecord> list, string id, Func<SupervisionRecord, SupervisionRecord> change) =>
        [.. list.Select(v => v.Id == id ? change(v) : v)];
}
