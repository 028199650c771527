using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.History;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// What travels with every command besides its business content: the client's command id
/// (exactly-once), the caller, the client's expected version and access code, and the
/// correlation id that ties the resulting events to the request.
/// </summary>
/// <param name="Anonymous">no token: the actor is the anonymous petitioner</param>
public sealed record CommandMeta(
    Guid CommandId, Actor Caller, bool Anonymous = false, int? ExpectedVersion = null, string? AccessCode = null,
    string? CorrelationId = null)
{
    /// <summary>Everything but the access code, which is a secret: what a logger or a bus prints.</summary>
    public override string ToString() =>
        $"CommandMeta {{ CommandId = {CommandId}, Caller = {Caller}, Anonymous = {Anonymous}, ExpectedVersion = {ExpectedVersion}, "
        + $"AccessCode = {(AccessCode is null ? "none" : "withheld")}, CorrelationId = {CorrelationId} }}";

    /// <summary>The system acting by itself (missed deadlines, lapsed windows, recounts).</summary>
    public static CommandMeta System(Guid commandId, string? correlationId = null) =>
        new(commandId, Actor.System(), CorrelationId: correlationId);
}

/// <summary>
/// The result of a command: the petition as it is now and the events the command appended
/// (for a repeated command: those of its first execution). CaseNumber and AccessCode are set
/// for submissions only. State is the petition as this command's commit left it, set for a fresh
/// execution that appended events (it equals the inline snapshot written in the same transaction,
/// so the API need not read it back); null otherwise (a repeat: load the petition).
/// </summary>
public sealed record CommandResult(
    Guid PetitionId, int Version, IReadOnlyList<StoredEvent> Events, bool Repeated,
    string? CaseNumber = null, string? AccessCode = null, Petition? State = null) : ConfidentialRecord;
