using System.Collections.Concurrent;

namespace CaseEngine.Bench.Faults;

/// <summary>One command's final outcome, after every resend it needed.</summary>
public sealed record LedgerEntry(Guid CommandId, string Kind, Guid? PetitionId, Answer Outcome, string? Code, int Events, int Attempts, int Unknowns);

/// <summary>
/// Every command the clients sent, by command id, with its final answer. A command whose answer
/// was unknown is resent with the same id until it has one, so every entry ends acknowledged or
/// refused; the unknowns on the way are counted.
/// </summary>
public sealed class Ledger
{
    private readonly ConcurrentDictionary<Guid, LedgerEntry> _entries = new();
    private long _unknownAnswers;
    private long _rateLimited;

    public void Record(LedgerEntry entry)
    {
        if (!_entries.TryAdd(entry.CommandId, entry))
            throw new InvalidOperationException($"command id {entry.CommandId} recorded twice");
    }

    private readonly ConcurrentDictionary<string, int> _unknownKinds = new();

    /// <summary>An answer that left the outcome unknown, by what it was (exception type, HTTP status, code).</summary>
    public void CountUnknown(string? what)
    {
        Interlocked.Increment(ref _unknownAnswers);
        _unknownKinds.AddOrUpdate(what ?? "-", 1, (_, n) => n + 1);
    }

    public IReadOnlyDictionary<string, int> UnknownKinds => new Dictionary<string, int>(_unknownKinds);

    public void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    public IReadOnlyCollection<LedgerEntry> Entries => [.. _entries.Values];

    /// <summary>HTTP exchanges that ended without a known outcome (each was followed by a resend).</summary>
    public long UnknownAnswers => Interlocked.Read(ref _unknownAnswers);

    public long RateLimited => Interlocked.Read(ref _rateLimited);
}
