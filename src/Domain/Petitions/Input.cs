namespace CaseEngine.Domain.Petitions;

/// <summary>Input limits: empty or over-long text is VALIDATION, and nothing is stored.</summary>
public static class Input
{
    public const int SubjectMax = 200;
    public const int ContentMax = 20_000;
    public const int ReasonMax = 4_000;
    public const int NameMax = 100;
    public const int OfficerIdMax = 100;

    public static string Text(string? value, string field, int max)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
            throw RuleViolation.Validation($"{field} must not be empty");
        if (trimmed.Length > max)
            throw RuleViolation.Validation($"{field} must be at most {max} characters");
        return trimmed;
    }

    public static string? OptionalText(string? value, string field, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : Text(value, field, max);

    public static PetitionerDetails Petitioner(PetitionerDetails p)
    {
        var name = Text(p.Name, "petitioner.name", NameMax);
        var phone = OptionalText(p.Phone, "petitioner.phone", 32);
        if (phone is not null && !phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' '))
            throw RuleViolation.Validation("petitioner.phone may hold only digits, '+', '-' and spaces");
        var idNumber = OptionalText(p.IdNumber, "petitioner.idNumber", 32);
        var address = OptionalText(p.Address, "petitioner.address", 500);
        return new PetitionerDetails(name, phone, idNumber, address);
    }
}
