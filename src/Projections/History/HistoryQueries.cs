using System.Runtime.CompilerServices;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using Marten;
using Npgsql;
using NpgsqlTypes;

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
        return await ReadStreamAsync(session, petitionId, fromVersion ?? 1, toVersion ?? int.MaxValue, until: null, ct);
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
        var events = await ReadStreamAsync(session, petitionId, 1, version ?? int.MaxValue, at, ct);
        return events.Count == 0 ? null : Petition.Fold(events.Select(e => e.Data));
    }

    /// <summary>
    /// The stored events of a petition with versions in [from, to], in version order, and — with
    /// <paramref name="until"/> — only the run of them stored at or before that moment: the stream is cut at
    /// its first event stored later, so a fold never skips an event in the middle, whatever the clocks of the
    /// nodes that appended them did.
    /// <para>
    /// One statement, and each row's columns taken from the row Npgsql has already read whole. Written here
    /// rather than with Marten's <c>FetchStreamAsync</c>, which reads every column of every row with an
    /// asynchronous call and deserializes each event from a stream: that was more than half of a
    /// 1,000-event history's time (bench/tuning.md, T7). The rows are Marten's own (<c>mt_events</c>,
    /// archived events left out as Marten's fetch does), each event deserialized by the store's serializer
    /// into the type its stored name maps to.
    /// </para>
    /// </summary>
    private static async Task<List<StoredEvent>> ReadStreamAsync(
        IQuerySession session, Guid petitionId, int from, int to, DateTimeOffset? until, CancellationToken ct)
    {
        var options = session.DocumentStore.Options;
        var events = $"{options.Events.DatabaseSchemaName}.mt_events";
        await using var command = new NpgsqlCommand($"""
            select seq_id, version, type, timestamp, data, correlation_id, causation_id, headers
            from {events}
            where stream_id = @id and not is_archived and version between @from and @to
            {(until is null ? "" : $"""
              and version < coalesce((select min(later.version) from {events} later
                                      where later.stream_id = @id and not later.is_archived and later.timestamp > @until), @to + 1)
            """)}
            order by version
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", petitionId));
        command.Parameters.Add(new NpgsqlParameter<long>("from", from));
        command.Parameters.Add(new NpgsqlParameter<long>("to", to));
        if (until is { } moment)
            // Npgsql sends a timestamptz only from a UTC value; a caller's moment may carry any offset (e.g. +08:00).
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("until", NpgsqlDbType.TimestampTz) { TypedValue = moment.ToUniversalTime() });

        var serializer = options.Serializer();
        var types = EventTypes.GetValue(options, static o => o.Events.AllKnownEventTypes()
            .ToDictionary(t => t.EventTypeName, t => t.EventType, StringComparer.Ordinal));
        var stream = new List<StoredEvent>();
        await using var reader = await session.ExecuteReaderAsync(command, ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(2);
            if (!types.TryGetValue(type, out var clrType))
                throw new InvalidOperationException($"Event type '{type}' of petition {petitionId} is not registered with the store");
            stream.Add(new StoredEvent(
                Sequence: reader.GetInt64(0),
                PetitionId: petitionId,
                Version: checked((int)reader.GetInt64(1)),
                Type: clrType.Name,
                OccurredAt: reader.GetFieldValue<DateTimeOffset>(3),
                Data: (IPetitionEvent)serializer.FromJson(clrType, reader, 4),
                CorrelationId: reader.IsDBNull(5) ? null : reader.GetString(5),
                CausationId: reader.IsDBNull(6) ? null : reader.GetString(6),
                Headers: reader.IsDBNull(7) ? null : (Dictionary<string, object>)serializer.FromJson(typeof(Dictionary<string, object>), reader, 7)));
        }
        return stream;
    }

    /// <summary>Each store's stored event names and the types they map to (the store's registrations do not change once built).</summary>
    private static readonly ConditionalWeakTable<IReadOnlyStoreOptions, Dictionary<string, Type>> EventTypes = new();
}
