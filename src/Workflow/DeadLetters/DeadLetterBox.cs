using System.Text.Json;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.DeadLetters;

/// <summary>
/// One message or internal command that kept failing, as an ADMIN sees it: what it was and on which
/// petition, never its content (a command may carry text a petitioner wrote), and the failure's type.
/// </summary>
public sealed record DeadLetter(Guid Id, string MessageType, string? Command, Guid? CommandId, Guid? PetitionId,
    string ExceptionType, DateTimeOffset FailedAt, bool Replayable);

/// <summary>
/// Wolverine's dead-letter table (<c>wolverine_dead_letters</c>, in the engine's database) read and
/// replayed: the ADMIN query lists it, the replay marks a letter replayable and Wolverine's durability
/// agent moves it back to its queue, where it runs again with its original message (so its command id).
/// </summary>
public sealed class DeadLetterBox(IWolverineRuntime runtime)
{
    private static readonly JsonSerializerOptions s_read = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int first, CancellationToken ct)
    {
        var letters = new List<DeadLetter>();
        foreach (var store in Stores())
        {
            var results = await store.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { PageSize = first }, ct);
            letters.AddRange(results.Envelopes.Select(Describe));
        }
        return [.. letters.OrderBy(l => l.FailedAt).Take(first)];
    }

    /// <summary>Marks the letter for replay in the database that holds it; false when there is no such letter.</summary>
    public async Task<bool> ReplayAsync(Guid id, CancellationToken ct)
    {
        foreach (var store in Stores())
        {
            if (await store.DeadLetters.DeadLetterEnvelopeByIdAsync(id) is null)
                continue;
            await store.DeadLetters.ReplayAsync(new DeadLetterEnvelopeQuery([id]), ct);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Wolverine's stores one by one: the master database's and each province database's (a command's
    /// dead letter is kept with its province's inbox). The composite store answers no query of its own.
    /// </summary>
    private IEnumerable<IMessageStore> Stores() => runtime.Storage is MultiTenantedMessageStore federated
        ? [federated.Main, .. federated.Source.AllActive().Where(s => s != federated.Main)]
        : [runtime.Storage];

    private static DeadLetter Describe(DeadLetterEnvelope letter)
    {
        InternalCommand? command = letter.Message as InternalCommand;
        if (command is null && letter.MessageType == "caseengine.internal-command.v1" && letter.Envelope.Data is { Length: > 0 } data)
        {
            try
            {
                command = JsonSerializer.Deserialize<InternalCommand>(data, s_read);
            }
            catch (JsonException)
            {
                // listed without its command: the type and the failure still show
            }
        }
        return new DeadLetter(letter.Id, letter.MessageType, command?.Name, command?.CommandId, command?.PetitionId,
            letter.ExceptionType, letter.SentAt, letter.Replayable);
    }
}
