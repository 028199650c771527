using CaseEngine.Domain;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Projections.SituationAnalysis;

/// <summary>
/// Who may read situation analysis (contract/access.md): a SUPERVISOR of a petition office for any
/// region in that office's region subtree, AUDITOR and ADMIN for any region. Every other caller is
/// refused: UNAUTHENTICATED without a token, FORBIDDEN with one (an officer, a petitioner, an
/// integrator, a supervisor outside its subtree or without a petition office). An unknown region is
/// VALIDATION. Messages name the rule only.
/// </summary>
public static class SituationAnalysisAccess
{
    /// <summary>True when <paramref name="caller"/> may analyse <paramref name="regionCode"/>.</summary>
    public static bool CanAnalyse(Actor? caller, DepartmentDirectory directory, string regionCode)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (caller is null || directory.FindRegion(regionCode ?? "") is not { } region)
            return false;
        return caller.Role switch
        {
            Role.Admin or Role.Auditor => true,
            Role.Supervisor => caller.DepartmentId is { } dept
                && directory.FindDepartment(dept) is { Kind: DepartmentKind.PetitionOffice } office
                && directory.IsInSubtree(region.Code, office.RegionCode),
            _ => false,
        };
    }

    /// <summary>
    /// Throws the contract's refusal, checked in its order: UNAUTHENTICATED (no caller, or anonymous),
    /// VALIDATION (unknown region), FORBIDDEN (no right to this region).
    /// </summary>
    public static void EnsureAllowed(Actor? caller, bool anonymous, DepartmentDirectory directory, string regionCode)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (caller is null || anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "situation analysis needs a token");
        if (directory.FindRegion(regionCode ?? "") is null)
            throw RuleViolation.Validation("the region is not in the directory");
        if (!CanAnalyse(caller, directory, regionCode!))
            throw RuleViolation.Forbidden(caller.Role == Role.Supervisor
                ? "a supervisor analyses only its own office's region subtree"
                : "situation analysis is for supervisors, auditors and admins");
    }
}
