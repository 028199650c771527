using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// Who may read a petition and who may act on it (../shared/contract/access.md). Reading decides
/// NOT_FOUND (a petition the caller may not read is indistinguishable from a missing one);
/// the caller's role and department's relation to the petition decide FORBIDDEN. Whether the
/// state allows the act is never an access question.
/// </summary>
public static class Jurisdiction
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

    /// <summary>Petitioner acts: the petitioner (by token or access code), or ADMIN.</summary>
    public static void EnsurePetitioner(Petition p, DecisionContext ctx, string act)
    {
        EnsureReadable(p, ctx, petitionerAct: true);
        if (ctx.Actor.Role is not (Role.Petitioner or Role.Admin))
            throw RuleViolation.Forbidden($"only the petitioner may {act}");
        EnsureExpectedVersion(p, ctx);
    }
}
