using CaseEngine.Domain;

namespace CaseEngine.GraphApi.Auth;

/// <summary>Who sends a request: a verified token's subject, role and department, or the anonymous petitioner.</summary>
public sealed record Caller(Actor Actor, bool Anonymous)
{
    public static Caller AnonymousPetitioner { get; } = new(Actor.AnonymousPetitioner, true);

    public Role Role => Actor.Role;
    public string? DepartmentId => Actor.DepartmentId;

    public static Caller FromToken(string subject, Role role, string? departmentId) =>
        new(new Actor(subject, role, departmentId), false);
}
