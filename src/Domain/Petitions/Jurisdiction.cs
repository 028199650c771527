using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// Who may read a petition and who may act on it (../shared/contract/access.md). Reading decides
/// NOT_FOUND (a petition the caller may not read is indistinguishable from a missing one);
/// the caller's role and department's relation to the petition decide FORBIDDEN. Whether the
/// state allows the act is never an access question.
/// </summary>
public static partial class Jurisdiction
{
    public static bool IsStaff(this Actor actor) => actor.Role is Role.Officer or Role.Supervisor;

    /// <summary>May the caller read this petition at all?</summary>
    public static bool CanRead(Petition p, Actor actor, DepartmentDirectory directory, bool anonymous, bool accessCodeVerified) =>
        actor.Role switch
        {
            Role.Admin or Role.Auditor or Role.System => true,
            Role.Petitioner => accessCodeVerified || (!anonymous && p.SubmitterId is not null && p.SubmitterId == actor.Id),
            Role.Officer => actor.DepartmentId is not null && p.Departments.Contains(actor.DepartmentId),
            Role.Supervisor => actor.DepartmentId is not null && SupervisesAnyOf(directory, actor.DepartmentId, p.Departments),
            _ => false,
        };

    /// <summary>The petition office's region subtree holds the department.</summary>
    public static bool Supervises(DepartmentDirectory directory, string officeId, string departmentId)
    {
        var office = directory.FindDepartment(officeId);
        var department = directory.FindDepartment(departmentId);
        return office is { Kind: DepartmentKind.PetitionOffice } && department is not null
            && directory.IsInSubtree(department.RegionCode, office.RegionCode);
    }

    private static bool SupervisesAnyOf(DepartmentDirectory directory, string officeId, IEnumerable<string> departments) =>
        departments.Any(d => Supervises(directory, officeId, d));

    /// <summary>NOT_FOUND for what the caller may not read; an anonymous staff act is UNAUTHENTICATED.</summary>
    public static void EnsureReadable(Petition p, DecisionContext ctx, bool petitionerAct = false)
    {
        if (ctx.Anonymous && !ctx.AccessCodeVerified && !petitionerAct)
            throw new RuleViolation(RuleCode.Unauthenticated, "this act needs a token");
        if (!CanRead(p, ctx.Actor, ctx.Directory, ctx.Anonymous, ctx.AccessCodeVerified))
            throw RuleViolation.NotFound("no petition with that id");
    }

    /// <summary>CONCURRENCY_CONFLICT when the client decided on another version than the stored one.</summary>
    public static void EnsureExpectedVersion(Petition p, DecisionContext ctx)
    {
        if (ctx.ExpectedVersion is { } expected && expected != p.Version)
            throw RuleViolation.Concurrency($"the petition is at version {p.Version}, not {expected}");
    }

    /// <summary>Staff acts: an OFFICER or SUPERVISOR of the current department, or ADMIN.</summary>
    public static void EnsureCurrentDepartmentStaff(Petition p, DecisionContext ctx, string act)
    {
        EnsureReadable(p, ctx);
        if (ctx.Actor.Role != Role.Admin && (!ctx.Actor.IsStaff() || ctx.Actor.DepartmentId != p.CurrentDepartmentId))
            throw RuleViolation.Forbidden($"only the current department may {act}");
        EnsureExpectedVersion(p, ctx);
    }

    /// <summary>Supervisor acts: a SUPERVISOR of a petition office whose region subtree holds the current department, or ADMIN.</summary>
    public static void EnsureSupervisorOver(Petition p, DecisionContext ctx, string act, bool mustBeCurrentOffice)
    {
        EnsureReadable(p, ctx);
        if (ctx.Actor.Role != Role.Admin)
        {
            if (ctx.Actor.Role != Role.Supervisor || ctx.Actor.DepartmentId is null)
                throw RuleViolation.Forbidden($"only a SUPERVISOR may {act}");
            var allowed = mustBeCurrentOffice
                ? ctx.Actor.DepartmentId == p.CurrentDepartmentId
                : Supervises(ctx.Directory, ctx.Actor.DepartmentId, p.CurrentDepartmentId);
            if (!allowed)
                throw RuleViolation.Forbidden($"the caller's office has no jurisdiction to {act}");
        }
        EnsureExpectedVersion(p, ctx);
    }

    /// <summary>Acts of a named department (answering a supervision): its OFFICER or SUPERVISOR, or ADMIN.</summary>
    public static void EnsureStaffOf(Petition p, DecisionContext ctx, string departmentId, string act)
    {
        EnsureReadable(p, ctx);
        if (ctx.Actor.Role != Role.Admin && (!ctx.Actor.IsStaff() || ctx.Actor.DepartmentId != departmentId))
            throw RuleViolation.Forbidden($"only the addressed department may {act}");
        EnsureExpectedVersion(p, ctx);
    }

    /// <summary>The acts a petitioner sends, by token or with the access code instead of a token.</summary>
    public static bool IsPetitionerAct(IPetitionCommand command) =>
        command is EvaluatePetition or WithdrawPetition or RequestReview or RequestReReview;

    /// <summary>
    /// A repeated command id is answered with the first result only to a caller that may read the
    /// petition now, with this request's access code: command ids are visible (causationId), and the
    /// command's identity names the caller's id only, not its department or its access code.
    /// </summary>
    public static void EnsureMayHearRepeat(IPetitionCommand command, Petition p, DecisionContext ctx) =>
        EnsureReadable(p, ctx, petitionerAct: IsPetitionerAct(command));

    /// <summary>
    /// The second petition a command names (the original of a duplicate link) is reached only where
    /// the caller may read it, or where the engine itself flagged it on <paramref name="p"/> as a
    /// suspected duplicate; anything else is NOT_FOUND, whatever its state, so that neither its
    /// existence nor its status leaks.
    /// </summary>
    public static Petition EnsureMayReferTo(Petition p, Petition? other, Guid otherId, DecisionContext ctx)
    {
        if (other is null
            || !(CanRead(other, ctx.Actor, ctx.Directory, ctx.Anonymous, accessCodeVerified: false)
                || p.SuspectedDuplicates.Any(d => d.CandidatePetitionId == otherId)))
            throw RuleViolation.NotFound("no original petition with that id");
        return other;
    }

    /// <summary>
    /// Which departments a caller's inbox, overdue list or statistics of <paramref name="department"/>
    /// cover (access.md, Rights): ADMIN and AUDITOR any department; an OFFICER its own department
    /// only, so for an OFFICER <paramref name="includeSubordinates"/> is ignored (it may not read the
    /// subtree's petitions); a SUPERVISOR a department in its office's region subtree, rolled up when
    /// asked. Returns whether the figures roll up the region subtree (a petition office only);
    /// UNAUTHENTICATED without a token, FORBIDDEN for any other department or role.
    /// </summary>
    public static bool WorkQueueScope(Actor actor, bool anonymous, Department department, DepartmentDirectory directory,
        bool includeSubordinates, string what)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(department);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, $"the {what} needs a token");
        var (allowed, mayRollUp) = actor.Role switch
        {
            Role.Admin or Role.Auditor => (true, true),
            Role.Officer => (actor.DepartmentId == department.Id, false),
            Role.Supervisor => (actor.DepartmentId is { } office && Supervises(directory, office, department.Id), true),
            _ => (false, false),
        };
        if (!allowed)
            throw RuleViolation.Forbidden($"the caller may not read this department's {what}");
        return mayRollUp && includeSubordinates && department.Kind == DepartmentKind.PetitionOffice;
    }

    /// <summary>
    /// A work queue request in the contract's order of refusals: UNAUTHENTICATED without a token,
    /// VALIDATION for a department not in the directory and then for the other arguments
    /// (<paramref name="validate"/>), FORBIDDEN last (<see cref="WorkQueueScope"/>).
    /// </summary>
    /// <returns>the department, and whether its figures roll up the region subtree for this caller</returns>
    public static (Department Department, bool RollUp) EnsureWorkQueue(Actor actor, bool anonymous, string departmentId,
        DepartmentDirectory directory, string what, bool includeSubordinates = false, Action? validate = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, $"the {what} needs a token");
        var department = directory.FindDepartment(departmentId)
            ?? throw RuleViolation.Validation("departmentId is not in the directory");
        validate?.Invoke();
        return (department, WorkQueueScope(actor, anonymous, department, directory, includeSubordinates, what));
    }

    /// <summary>Petitioner acts: the petitioner (by token or access code), or ADMIN.</summary>
    public static void EnsurePetitioner(Petition p, DecisionContext ctx, string act)
    {
        EnsureReadable(p, ctx, petitionerAct: true);
        if (ctx.Actor.Role is not (Role.Petitioner or Role.Admin))
            throw RuleViolation.Forbidden($"only the petitioner may {act}");
        EnsureExpectedVersion(p, ctx);
    }
}
