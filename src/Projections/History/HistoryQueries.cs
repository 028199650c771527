using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using JasperFx.Events;
using Marten;

namespace CaseEngine.Projections.History;

/// <summary>
/// History and time travel, read from the event store itself (never from a read model): what the
/// API serves for history, petitionAsOf and every petition's history field. Who may read is the
/// caller's business (Jurisdiction); these only read.
/// </summary>
public static class HistoryQueries
{
    /// <summary>The stream between two versions, both inclusive (open ends: from 1 / to the last).</summary>
    public static async Task<IReadOnlyList<StoredEvent>> HistoryAsync(
        IQuerySession session, Guid petitionId, int? fromVersion = null, int? toVersion = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (fromVersion is < 1 || toVersion is < 1)
            throw RuleViolation.Validation("versions start at 1");
        if (fromVersion > toVersion)
            return [];
        var events = await session.Events.FetchStreamAsync(petitionId, version: toVersion ?? 0, token: ct);
        return [.. events.Where(e => e.Version >= (fromVersion ?? 1)).Select(StoredEvent.From)];
    }

    /// <summary>
    /// The petition after <paramref name="version"/> events, or with the events stored at or before
    /// <paramref name="at"/>: exactly one of the two (else VALIDATION). Null before the first event
    /// (and for an unknown petition). A version past the end gives the petition as it is now.
    /// </summary>
    public static async Task<Petition?> AsOfAsync(
        IQuerySession session, Guid petitionId, int? version = null, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (version is null == at is null)
            throw RuleViolation.Validation("give exactly one of version and at");
        if (version is < 0)
            throw RuleViolation.Validation("a version is not negative");
        if (version == 0)
            return null;
        IReadOnlyList<IEvent> events = version is { } v
            ? await session.Events.FetchStreamAsync(petitionId, version: v, token: ct)
            : [.. (await session.Events.FetchStreamAsync(petitionId, token: ct)).TakeWhile(e => e.Timestamp <= at!.Value)];
        return events.Count == 0 ? null : Petition.Fold(events.Select(e => (IPetitionEvent)e.Data));
    }
}
