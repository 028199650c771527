using System.Runtime.CompilerServices;
using Marten;
using Npgsql;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// Writes the chain in the transaction that appends the events, after Marten's statements and before
/// its commit. A session listener alone cannot: before the save the sequences, versions and
/// server-side timestamps do not exist yet, and after the commit is too late (a crash between the two
/// would leave events unchained). So the listener enrols a transaction participant, which Marten calls
/// with the open connection and transaction once its batch has run; it reads back the stored rows and
/// links them. The key stays in this process; the database sees only the links.
/// </summary>
public sealed class EventChainWriter(Func<EventChainKey> key, string schema) : DocumentSessionListenerBase
{
    private readonly ConditionalWeakTable<IDocumentSession, Participant> _participants = new();

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(session);
        var streams = session.PendingChanges.Streams();
        if (streams.Count == 0)
            return Task.CompletedTask;
        // Participants live as long as the session: one per session, fed by each save.
        var participant = _participants.GetValue(session, s =>
        {
            var created = new Participant(this);
            ((ITransactionParticipantRegistrar)s).AddTransactionParticipant(created);
            return created;
        });
        foreach (var stream in streams)
            participant.Streams.Add(stream.Id);
        return Task.CompletedTask;
    }

    private sealed class Participant(EventChainWriter writer) : ITransactionParticipant
    {
        public HashSet<Guid> Streams { get; } = [];

        // May run more than once for one save (Marten retries a failed commit on a new transaction):
        // the streams stay until the commit is known, and chaining is idempotent.
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            if (Streams.Count > 0)
                await EventChainStorage.ChainStreamsAsync(connection, transaction, writer.Schema, Streams, writer.Key(), token);
        }

        public Task AfterCommitAsync(CancellationToken token)
        {
            Streams.Clear();
            return Task.CompletedTask;
        }
    }

    private string Schema => schema;
    private Func<EventChainKey> Key => key;
}
