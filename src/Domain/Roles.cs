namespace CaseEngine.Domain;

/// <summary>Role names as the contract spells them (UPPER_SNAKE).</summary>
public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Petitioner => "PETITIONER",
        Role.Officer => "OFFICER",
        Role.Supervisor => "SUPERVISOR",
        Role.Auditor => "AUDITOR",
        Role.Integrator => "INTEGRATOR",
        Role.Admin => "ADMIN",
        _ => "SYSTEM",
    };

    public static bool TryParse(string name, out Role role)
    {
        foreach (var candidate in Enum.GetValues<Role>())
        {
            if (Name(candidate) == name)
            {
                role = candidate;
                return true;
            }
        }
        role = default;
        return false;
    }
}
