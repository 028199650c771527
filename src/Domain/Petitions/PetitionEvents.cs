using CaseEngine.Domain.Clocks;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// Every event on a petition's stream. Events are "fat": each carries the department responsible
/// for the petition once it is applied (<see cref="DepartmentId"/>) and that department's region path
/// at that moment, so read models never look up the directory or the clock and a rebuild gives the
/// same rows after the directory changes. Region paths are region codes from the nation down,
/// joined by '.', e.g. "000000.340000.340100.340104".
/// </summary>
public interface IPetitionEvent
{
    Guid PetitionId { get; }
    string DepartmentId { get; }
    string RegionPath { get; }
    Actor By { get; }
    DateTimeOffset At { get; }
}

/// <summary>An event a statistics counter is attributed to: it says by what it is counted.</summary>
public interface ICountedEvent : IPetitionEvent
{
    PetitionCategory Category { get; }
    Channel Channel { get; }
}

/// <summary>Personal data: only ever under "petitioner", so masking has one place to look.</summary>
public sealed record PetitionerDetails(string Name, string? Phone, string? IdNumber, string? Address) : ConfidentialRecord;

// ---------------------------------------------------------------- submission and routing

/// <summary>登记: the petition arrives at the entry region's petition office; the routing clock starts at receipt.</summary>
public sealed record PetitionSubmitted(
    Guid PetitionId, string CaseNumber, Channel Channel, PetitionCategory Category, string EntryRegionCode,
    string Subject, string Content, PetitionerDetails Petitioner, string? SubmitterId,
    DateTimeOffset ReceivedAt, Due Routing,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>The office corrects the category; from then on the new category's rules apply.</summary>
public sealed record PetitionReclassified(
    Guid PetitionId, PetitionCategory From, PetitionCategory To, string Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// 转送 / 交办: the office forwards to a handling agency. For the office this is its acceptance
/// decision (counted as accepted, on time against the routing clock).
/// </summary>
public sealed record PetitionForwarded(
    Guid PetitionId, string FromDepartmentId, string FromRegionPath, ForwardMode Mode, string? Note,
    bool OnTime, PetitionCategory Category, Channel Channel, Due Acceptance, Due ReturnWindow,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>The office moves the petition to another level's office; counted as the office's acceptance decision.</summary>
public sealed record PetitionTransferredLevel(
    Guid PetitionId, string FromDepartmentId, string FromRegionPath, string Reason,
    bool OnTime, PetitionCategory Category, Channel Channel, Due Routing,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>退回: the agency objects that it lacks authority; back to the forwarding office with a new routing clock.</summary>
public sealed record PetitionReturned(
    Guid PetitionId, string FromDepartmentId, string FromRegionPath, string Reason, Due Routing,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>不予受理: not accepted, by the office (REGISTERED) or the agency (FORWARDED); final.</summary>
public sealed record PetitionDeclined(
    Guid PetitionId, string Reason, LegalRoute? LegalRoute, bool OnTime, PetitionCategory Category, Channel Channel,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

// ---------------------------------------------------------------- handling

/// <summary>受理: the agency takes the petition on; the 60-day handling clock starts.</summary>
public sealed record PetitionAccepted(
    Guid PetitionId, bool OnTime, PetitionCategory Category, Channel Channel, Due Handling,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>承办人: one officer of the current department takes the case.</summary>
public sealed record OfficerAssigned(
    Guid PetitionId, string OfficerId,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>延期: the handling period is extended once, with a reason told to the petitioner.</summary>
public sealed record DeadlineExtended(
    Guid PetitionId, int Days, string Reason, Due Handling,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>听证 opened: the stage's clock stops.</summary>
public sealed record HearingStarted(
    Guid PetitionId, Stage Stage, string Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>听证 concluded: the clock restarts, its last day moved by the hearing's whole days.</summary>
public sealed record HearingConcluded(
    Guid PetitionId, Stage Stage, string Summary, TimeSpan Length, Due Resumed,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// 信访处理意见书: the written reply ends the handling clock and opens the review and evaluation
/// windows. <see cref="HandlingDays"/> is reply − acceptance in days with hearing time excluded.
/// </summary>
public sealed record ReplyIssued(
    Guid PetitionId, ReplyDecision Decision, string Text, bool OnTime, PetitionCategory Category, Channel Channel,
    double HandlingDays, Due ReviewWindow, Due Evaluation,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>交办: the result is reported back to the assigning office.</summary>
public sealed record ResultReported(
    Guid PetitionId, string ToDepartmentId, ReplyDecision Decision,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

// ---------------------------------------------------------------- supervision

/// <summary>督办: a petition office supervises a department in its subtree, by hand or automatically.</summary>
public sealed record SupervisionIssued(
    Guid PetitionId, string SupervisionId, string SupervisedDepartmentId, string SupervisedRegionPath,
    string ByDepartmentId, string Instruction, bool Automatic, Stage? MissedStage, Due Response,
    PetitionCategory Category, Channel Channel,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>The supervised department answers in writing, even after the petition moved on.</summary>
public sealed record SupervisionAnswered(
    Guid PetitionId, string SupervisionId, string SupervisedDepartmentId, string Response, bool OnTime,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

// ---------------------------------------------------------------- petitioner's rights

/// <summary>满意 / 基本满意 / 不满意, counted to the replying department.</summary>
public sealed record PetitionEvaluated(
    Guid PetitionId, Satisfaction Satisfaction, string? Comment,
    string RepliedDepartmentId, string RepliedRegionPath, PetitionCategory Category, Channel Channel,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>复查 requested: the superior of the replying department decides and becomes current.</summary>
public sealed record ReviewRequested(
    Guid PetitionId, string Reason, string ChallengedDepartmentId, string ChallengedRegionPath,
    PetitionCategory Category, Channel Channel, Due Review,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

public sealed record ReviewDecided(
    Guid PetitionId, ReviewOutcome Outcome, string Text, bool OnTime, Due ReReviewWindow,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>复核 requested: the reviewer's superior decides and becomes current.</summary>
public sealed record ReReviewRequested(
    Guid PetitionId, string Reason, string ChallengedDepartmentId, string ChallengedRegionPath,
    PetitionCategory Category, Channel Channel, Due ReReview,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

public sealed record ReReviewDecided(
    Guid PetitionId, ReviewOutcome Outcome, string Text, bool OnTime,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>The petitioner withdraws: every clock stops.</summary>
public sealed record PetitionWithdrawn(
    Guid PetitionId, string? Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

// ---------------------------------------------------------------- duplicates

/// <summary>The system suspects the petition repeats another one; the office decides.</summary>
public sealed record DuplicateSuspected(
    Guid PetitionId, Guid CandidatePetitionId, double Score,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>The office judged a suspected duplicate wrong: the flag is withdrawn and not raised again.</summary>
public sealed record SuspectedDuplicateDismissed(
    Guid PetitionId, Guid CandidatePetitionId, string? Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// 重复件: linked to the original and counted once. It names the entry bucket it leaves
/// (entry office, receipt time, channel, category) so statistics can take it out.
/// </summary>
public sealed record DuplicateLinked(
    Guid PetitionId, Guid DuplicateOfPetitionId, string? Reason,
    string EntryDepartmentId, string EntryRegionPath, DateTimeOffset ReceivedAt,
    PetitionCategory Category, Channel Channel,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

// ---------------------------------------------------------------- clocks and endings

/// <summary>
/// An official time limit passed with its stage instance still open; counted as overdue to the
/// late department. <see cref="SupervisionId"/> names the notice for a missed supervision response.
/// </summary>
public sealed record DeadlineMissed(
    Guid PetitionId, Stage Stage, int StageInstance, string? SupervisionId, DateTimeOffset DueAt,
    string LateDepartmentId, string LateRegionPath, PetitionCategory Category, Channel Channel,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, ICountedEvent;

/// <summary>A provisional deadline recounted on a newer calendar; history is never rewritten.</summary>
public sealed record DeadlineRecalculated(
    Guid PetitionId, Stage Stage, string? SupervisionId, Due Previous, Due Recalculated,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

public enum ClosureReason { ReviewWindowLapsed, ReReviewWindowLapsed }

/// <summary>办结: a replied or reviewed petition whose request window ended unused; the last decision stands.</summary>
public sealed record PetitionClosed(
    Guid PetitionId, ClosureReason Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>终结: a decided re-review; the same matter on the same facts is not accepted again.</summary>
public sealed record PetitionTerminated(
    Guid PetitionId,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

// ---------------------------------------------------------------- petitions linked across databases (issue 20)

/// <summary>
/// 转送 / 交办 / 移交 across databases: the forward or level transfer just before it sent the petition to a
/// department whose petitions another database holds (the national office handing down to a province, a
/// province transferring to another, a province office sending up to the national office). From here the
/// linked copy in that database decides and this petition only mirrors it (<see cref="LinkedProgressReported"/>);
/// its clocks stop here, because they run on the copy.
/// </summary>
/// <param name="FromDepartmentId">the office that forwarded or transferred it</param>
/// <param name="Mode">TRANSFER or ASSIGN for a forward to an agency; null for a transfer to a petition office</param>
public sealed record PetitionHandedOver(
    Guid PetitionId, Guid LinkedPetitionId, string LinkedProvince, string FromDepartmentId, ForwardMode? Mode,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// A petition handed over from another database arrives as its linked copy: the first event of the copy's
/// stream, with a case number of its own and the origin's id and case number. It is handled like a forward
/// (an agency's acceptance clock and return window, or an office's routing clock, start on arrival); it is
/// not counted as received, because the origin was (received is counted once, where first received).
/// <see cref="FormerDepartments"/> are the departments the origin had been at: the same matter, so their staff
/// read the copy and see its personal data as they did the origin's, no more (access.md).
/// </summary>
public sealed record HandedOverPetitionReceived(
    Guid PetitionId, string CaseNumber, Guid OriginPetitionId, string OriginCaseNumber, string OriginProvince,
    Channel Channel, PetitionCategory Category, string EntryRegionCode, string EntryDepartmentId, string EntryRegionPath,
    string Subject, string Content, PetitionerDetails Petitioner, string? SubmitterId, DateTimeOffset ReceivedAt,
    string FromDepartmentId, string FromRegionPath, ForwardMode? Mode, Due Clock, Due? ReturnWindow, string[] FormerDepartments,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// The linked copy's progress reported back onto the origin: the copy's events <see cref="FromVersion"/> …
/// <see cref="ToVersion"/> (named in <see cref="Acts"/>) and where they left it. Not counted: every counter of
/// the copy's acts belongs to the department that decided them, in the copy's database. <see cref="Clock"/> is the
/// copy's open time limit, shown on the origin (the petitioner tracking it sees the deadline) but never run there.
/// </summary>
public sealed record LinkedProgressReported(
    Guid PetitionId, Guid LinkedPetitionId, string LinkedCaseNumber, int FromVersion, int ToVersion, string[] Acts,
    PetitionStatus Status, Stage Stage, ReplyRecord? Reply, DecisionRecord? Review, DecisionRecord? ReReview,
    EvaluationRecord? Evaluation, OpenClock? Clock,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// 退回 across databases: the agency holding a handed-down copy objects, within its 5 working days, that the
/// matter is not within its authority. The copy's part ends here (CLOSED); the reason is reported back and the
/// origin takes the petition back (<see cref="HandOverReturned"/>). Not counted, as a return is not.
/// </summary>
public sealed record HandedOverPetitionReturned(
    Guid PetitionId, string Reason,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;

/// <summary>
/// The origin takes back a petition its copy's agency returned: back at the office that handed it over, with a
/// new routing clock, decided here again (it may be forwarded or handed over anew).
/// </summary>
public sealed record HandOverReturned(
    Guid PetitionId, Guid LinkedPetitionId, string Reason, string FromDepartmentId, string FromRegionPath, Due Routing,
    string DepartmentId, string RegionPath, Actor By, DateTimeOffset At) : ConfidentialRecord, IPetitionEvent;
