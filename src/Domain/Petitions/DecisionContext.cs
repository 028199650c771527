using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// Everything a decision may consult besides the command and the state: who acts, when, the
/// directory (jurisdiction is a domain rule) and the statutory clock.
/// </summary>
/// <param name="Actor">the caller, recorded on every event it causes</param>
/// <param name="Anonymous">no token: only online submission and access-code acts are possible</param>
/// <param name="AccessCodeVerified">the workflow checked the petition's access code for this command</param>
public sealed record DecisionContext(
    Actor Actor, DateTimeOffset Now, DepartmentDirectory Directory, StatutoryClock Clock,
    bool Anonymous = false, bool AccessCodeVerified = false)
{
    /// <summary>The client's expected stream version, checked after access and before the state (contract order).</summary>
    public int? ExpectedVersion { get; init; }

    /// <summary>
    /// Whether another database holds the petitions of a region's province (issue 20): a forward or transfer
    /// to a department there hands the petition over to a linked copy in that database. The workflow knows
    /// the served databases; by default (one database) nothing is elsewhere.
    /// </summary>
    public Func<string, bool> HeldElsewhere { get; init; } = static _ => false;

    /// <summary>The context in which the engine acts by itself (missed deadlines, closures, recounts).</summary>
    public static DecisionContext System(DateTimeOffset now, DepartmentDirectory directory, StatutoryClock clock) =>
        new(Actor.System(), now, directory, clock);

    public Department RequireDepartment(string id) =>
        Directory.FindDepartment(id) ?? throw RuleViolation.Validation("the department is not in the directory");

    public string RegionPathOf(string departmentId) =>
        string.Join('.', Directory.RegionPath(RequireDepartment(departmentId).RegionCode));
}
