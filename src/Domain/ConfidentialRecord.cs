namespace CaseEngine.Domain;

/// <summary>
/// A record that may carry personal data (a petitioner's name, phone, ID number, address), an
/// access code, or free text (subjects, contents, reasons, replies: they often name people). Its
/// <see cref="ToString"/> — what loggers, exception messages, message buses and debuggers print —
/// names the type and the petition only, because the compiler-generated one prints every member
/// and a log is read by far more people than the petition is. Every command, message, event and
/// state record derives from it; tests/GraphApi.Tests/Logs checks that none is missed.
/// </summary>
public abstract record ConfidentialRecord
{
    public const string Withheld = "contents withheld from logs";

    public sealed override string ToString() =>
        GetType().GetProperty("PetitionId")?.GetValue(this) is Guid id
            ? $"{GetType().Name} {{ PetitionId = {id}, {Withheld} }}"
            : $"{GetType().Name} {{ {Withheld} }}";
}
