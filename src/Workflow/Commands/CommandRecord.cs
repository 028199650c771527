namespace CaseEngine.Workflow.Commands;

/// <summary>
/// The first execution of a command id, written in the same transaction as its events. Its
/// primary key makes a concurrent duplicate fail at commit; a later repeat finds it and answers
/// with the first result. <see cref="Identity"/> is a hash of the mutation, its input (without
/// expectedVersion and accessCode) and the caller.
/// </summary>
public sealed class CommandRecord
{
    public Guid Id { get; set; }
    public string Identity { get; set; } = "";
    public string Name { get; set; } = "";
    public Guid PetitionId { get; set; }
    /// <summary>The stream versions the command appended: FromVersion..ToVersion, empty when ToVersion &lt; FromVersion.</summary>
    public int FromVersion { get; set; }
    public int ToVersion { get; set; }
    public DateTimeOffset ExecutedAt { get; set; }
}
