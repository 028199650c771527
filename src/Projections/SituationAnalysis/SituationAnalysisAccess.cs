using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;

namespace CaseEngine.Projections.SituationAnalysis;

/// <summary>
/// Who may read situation analysis: the read side's name for the domain's rule
/// (<see cref="Jurisdiction.CanAnalyse"/>, <see cref="Jurisdiction.EnsureMayAnalyse"/>), which holds it.
/// </summary>
public static class SituationAnalysisAccess
{
    /// <summary>True when <paramref name="caller"/> may analyse <paramref name="regionCode"/>.</summary>
    public static bool CanAnalyse(Actor? caller, DepartmentDirectory directory, string regionCode) =>
        Jurisdiction.CanAnalyse(caller, directory, regionCode);

    /// <summary>UNAUTHENTICATED, VALIDATION (unknown region) or FORBIDDEN, in the contract's order.</summary>
    public static void EnsureAllowed(Actor? caller, bool anonymous, DepartmentDirectory directory, string regionCode) =>
        Jurisdiction.EnsureMayAnalyse(caller, anonymous, directory, regionCode);
}
