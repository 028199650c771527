using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Petitions;

/// <summary>How much of the petitioner's personal data a caller sees on one petition (access.md, Personal data).</summary>
public enum PersonalDataView
{
    /// <summary>The petitioner, OFFICER/SUPERVISOR of a department that handles or handled it, ADMIN: every read is logged.</summary>
    Clear,

    /// <summary>Everyone else: name 张*, phone 138****5678, ID number and address null.</summary>
    Masked,

    /// <summary>A REPORT_ACCUSATION petition read from a HANDLING_AGENCY department: name ***, the rest null.</summary>
    Hidden,
}

/// <summary>
/// The read side's rules (access.md): the petitioner's own view and the personal-data view, who
/// follows the event feed and how far, and who analyses the situation of a region. The API and the
/// read side only call these.
/// </summary>
public static partial class Jurisdiction
{
    /// <summary>The petitioner's own view (by token or access code): it shows no internal fields.</summary>
    public static bool IsOwnView(Petition p, Actor actor, bool anonymous, bool accessCodeVerified) =>
        actor.Role == Role.Petitioner
        && (accessCodeVerified || (!anonymous && p.SubmitterId is not null && p.SubmitterId == actor.Id));

    /// <summary>What the caller sees of the petitioner; <paramref name="ownView"/> from <see cref="IsOwnView"/>.</summary>
    public static PersonalDataView PersonalDataViewOf(Petition p, Actor actor, DepartmentDirectory directory, bool ownView)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(directory);
        if (ownView || actor.Role == Role.Admin)
            return PersonalDataView.Clear;
        // The accused body never learns who reported it, whatever else the caller may see.
        if (p.Category == PetitionCategory.ReportAccusation && actor.DepartmentId is { } dept
            && directory.FindDepartment(dept)?.Kind == DepartmentKind.HandlingAgency)
            return PersonalDataView.Hidden;
        if (actor.IsStaff() && actor.DepartmentId is { } handling && p.Departments.Contains(handling))
            return PersonalDataView.Clear;
        return PersonalDataView.Masked;
    }

    /// <summary>
    /// What the integration events on the message broker show of the petitioner. Any integrator of any
    /// region may bind to the exchange, so they carry what the feed shows an INTEGRATOR without a
    /// department: the masked view (never clear, never the petitioner's own view).
    /// </summary>
    public static PersonalDataView IntegrationEventView => PersonalDataView.Masked;

    /// <summary>Who may follow the event feed: AUDITOR, ADMIN, INTEGRATOR (its scope); staff for petitions they may read.</summary>
    public static void EnsureMayFollowFeed(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "the event feed needs a token");
        if (actor.Role is Role.Petitioner)
            throw RuleViolation.Forbidden("the event feed is for auditors, integrators and staff");
    }

    /// <summary>An event of this petition reaches the caller's feed (within its scope, <see cref="FeedScopePath"/>).</summary>
    public static bool MayFollow(Petition p, Actor actor, bool anonymous, DepartmentDirectory directory) =>
        actor.Role == Role.Integrator || CanRead(p, actor, directory, anonymous, accessCodeVerified: false);

    /// <summary>
    /// An INTEGRATOR with a dept follows only events stored within that department's region subtree:
    /// the region path of that subtree ("-" for an unknown department: nothing), or null for no limit.
    /// </summary>
    public static string? FeedScopePath(Actor actor, DepartmentDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(directory);
        if (actor.Role != Role.Integrator || actor.DepartmentId is not { } dept)
            return null;
        var department = directory.FindDepartment(dept);
        return department is null ? "-" : string.Join('.', directory.RegionPath(department.RegionCode));
    }

    /// <summary>
    /// Situation analysis (形势研判): a SUPERVISOR of a petition office for any region in that office's
    /// region subtree, AUDITOR and ADMIN for any region.
    /// </summary>
    public static bool CanAnalyse(Actor? actor, DepartmentDirectory directory, string regionCode)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (actor is null || directory.FindRegion(regionCode ?? "") is not { } region)
            return false;
        return actor.Role switch
        {
            Role.Admin or Role.Auditor => true,
            Role.Supervisor => actor.DepartmentId is { } dept
                && directory.FindDepartment(dept) is { Kind: DepartmentKind.PetitionOffice } office
                && directory.IsInSubtree(region.Code, office.RegionCode),
            _ => false,
        };
    }

    /// <summary>
    /// The contract's refusal in its order: UNAUTHENTICATED (no caller, or anonymous), VALIDATION
    /// (unknown region), FORBIDDEN (no right to this region). Messages name the rule only.
    /// </summary>
    public static void EnsureMayAnalyse(Actor? actor, bool anonymous, DepartmentDirectory directory, string regionCode)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (actor is null || anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "situation analysis needs a token");
        if (directory.FindRegion(regionCode ?? "") is null)
            throw RuleViolation.Validation("the region is not in the directory");
        if (!CanAnalyse(actor, directory, regionCode!))
            throw RuleViolation.Forbidden(actor.Role == Role.Supervisor
                ? "a supervisor analyses only its own office's region subtree"
                : "situation analysis is for supervisors, auditors and admins");
    }

    /// <summary>
    /// The submitter of an online petition holds the access code just issued: as a PETITIONER it
    /// sees what it submitted in its own view. Anyone else (ADMIN) submitting sees by its role.
    /// </summary>
    public static bool SubmitterHoldsAccessCode(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Role == Role.Petitioner;
    }

    /// <summary>
    /// trackPetition: the case number and the access code make the caller the petitioner. A
    /// PETITIONER keeps its identity; anyone else reads as the anonymous petitioner, never with the
    /// rights of its own role.
    /// </summary>
    public static (Actor Actor, bool Anonymous) TrackingCaller(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Role == Role.Petitioner ? (actor, anonymous) : (Actor.AnonymousPetitioner, true);
    }

    /// <summary>Events the petitioner's own view leaves out: the offices' internal work.</summary>
    public static bool IsInternal(IPetitionEvent e) =>
        e is OfficerAssigned or SupervisionIssued or SupervisionAnswered or DuplicateSuspected or SuspectedDuplicateDismissed or ResultReported;

    /// <summary>The actor of an event as the caller sees it: the petitioner's own view carries no metadata of staff (null).</summary>
    public static Actor? ActorAsSeen(Actor actor, bool ownView)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return ownView && actor.Role is not (Role.Petitioner or Role.System) ? null : actor;
    }

    /// <summary>Correlation and causation ids are the offices' metadata: not shown in the petitioner's own view.</summary>
    public static bool ShowsMetadata(bool ownView) => !ownView;

    /// <summary>A region path lies in the subtree whose root path is <paramref name="scopePath"/> (itself included).</summary>
    public static bool InRegionScope(string regionPath, string scopePath)
    {
        ArgumentNullException.ThrowIfNull(regionPath);
        ArgumentNullException.ThrowIfNull(scopePath);
        return regionPath == scopePath || regionPath.StartsWith(scopePath + ".", StringComparison.Ordinal);
    }

    /// <summary>An INTEGRATOR's reads of the log are limited to what it may follow (<see cref="FeedScopePath"/>); others are not.</summary>
    public static bool IsFeedScoped(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Role == Role.Integrator;
    }

    /// <summary>
    /// A petitioner's own list (myPetitions): a PETITIONER token, whose <c>sub</c> is the list's key.
    /// UNAUTHENTICATED without a token (an anonymous petitioner tracks by case number and access code);
    /// FORBIDDEN to staff and the other roles, who read queues, not a petitioner's list.
    /// </summary>
    public static void EnsureMayListOwnPetitions(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "a petitioner's own list needs a PETITIONER token");
        if (actor.Role != Role.Petitioner)
            throw RuleViolation.Forbidden("only a PETITIONER lists its own petitions");
    }

    /// <summary>The personal-data access log: AUDITOR and ADMIN. UNAUTHENTICATED without a token, else FORBIDDEN.</summary>
    public static void EnsureMayReadAccessLog(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "the access log needs a token");
        if (actor.Role is not (Role.Auditor or Role.Admin))
            throw RuleViolation.Forbidden("only AUDITOR and ADMIN read the personal-data access log");
    }

    /// <summary>
    /// The dead letters (messages and engine commands that kept failing): listing and replaying them is
    /// operating the engine, ADMIN only. UNAUTHENTICATED without a token, else FORBIDDEN.
    /// </summary>
    public static void EnsureMayManageDeadLetters(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "the dead letters need a token");
        if (actor.Role != Role.Admin)
            throw RuleViolation.Forbidden("only ADMIN lists and replays dead letters");
    }

    /// <summary>Verifying a petition's chain of events: AUDITOR and ADMIN (<paramref name="what"/> names the act in the message).</summary>
    public static void EnsureMayAudit(Actor actor, bool anonymous, string what)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, $"only AUDITOR and ADMIN {what}: a token is needed");
        if (actor.Role is not (Role.Auditor or Role.Admin))
            throw RuleViolation.Forbidden($"only AUDITOR and ADMIN {what}");
    }

    /// <summary>The event log's day roots and inclusion proofs: INTEGRATOR (its scope), AUDITOR and ADMIN.</summary>
    public static void EnsureMayFollowRoots(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "the event log's roots need a token");
        if (actor.Role is not (Role.Integrator or Role.Auditor or Role.Admin))
            throw RuleViolation.Forbidden("the event log's roots are for integrators and auditors");
    }

    /// <summary>
    /// Reading the schema itself (introspection, and the field suggestions that describe it): ADMIN only outside
    /// Development, where a deployment's API surface is not advertised; in Development everyone, for GraphiQL.
    /// </summary>
    public static bool MayIntrospect(Actor actor, bool development)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return development || actor.Role == Role.Admin;
    }
}
