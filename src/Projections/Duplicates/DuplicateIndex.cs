using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ChineseText;
using JasperFx.Events;
using Marten;
using Marten.Storage;
using Marten.Services;
using Marten.Events;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Projections.Duplicates;

/// <summary>Where a petition stands for duplicate detection: open, or how it ended.</summary>
public static class IndexStatus
{
    public const string Open = "open";
    public const string Terminated = "terminated";
    public const string Closed = "closed";
    public const string Declined = "declined";
    public const string Withdrawn = "withdrawn";
    public const string Merged = "merged";

    /// <summary>What a new petition is compared with: pending matters (Art. 19) and matters ended by a re-review (Art. 36).</summary>
    public static readonly string[] Comparable = [Open, Terminated];

    public static string? After(object @event) => @event switch
    {
        PetitionDeclined => Declined,
        PetitionClosed => Closed,
        PetitionTerminated => Terminated,
        PetitionWithdrawn => Withdrawn,
        DuplicateLinked => Merged,
        _ => null,
    };
}

/// <summary>
/// The duplicate index: one row per petition with what detection compares, and nothing personal in
/// clear: the province, the keyed hashes of the petitioner's ID number and phone
/// (<see cref="PetitionerKeys"/>), its status, the words of its subject and content (segmented,
/// stop words removed), when it was received and when it was registered.
/// </summary>
public static class DuplicateIndexSchema
{
    public const string Table = "ce_duplicate_index";

    public static string Qualified(string schema) => $"{schema}.{Table}";

    public static Table Definition(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, Table, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<Guid>("petition_id").AsPrimaryKey();
        t.AddColumn<string>("province_code").NotNull();
        t.AddColumn("id_hash", "bytea").AllowNulls();
        t.AddColumn("phone_hash", "bytea").AllowNulls();
        t.AddColumn<string>("status").NotNull();
        t.AddColumn("subject_terms", "text[]").NotNull();
        t.AddColumn("content_terms", "text[]").NotNull();
        t.AddColumn<DateTimeOffset>("received_at").NotNull();
        t.AddColumn<DateTimeOffset>("registered_at").NotNull();
        t.Indexes.Add(new IndexDefinition($"ix_{Table}_id_hash") { Columns = ["id_hash"], Predicate = "id_hash is not null" });
        t.Indexes.Add(new IndexDefinition($"ix_{Table}_phone_hash") { Columns = ["phone_hash"], Predicate = "phone_hash is not null" });
        return t;
    }

    /// <summary>The province of a region path ("000000.340000.340100.340101" → "340000"); the nation's own code at national level.</summary>
    public static string ProvinceOf(string regionPath)
    {
        ArgumentNullException.ThrowIfNull(regionPath);
        var parts = regionPath.Split('.');
        return parts.Length > 1 ? parts[1] : parts[0];
    }
}

/// <summary>One petition's row in the duplicate index, as detection compares it.</summary>
public sealed record DuplicateIndexRow(
    Guid PetitionId, string Province, byte[]? IdHash, byte[]? PhoneHash, string Status,
    IReadOnlyList<string> SubjectTerms, IReadOnlyList<string> ContentTerms, DateTimeOffset ReceivedAt, DateTimeOffset RegisteredAt)
{
    /// <summary>
    /// Whether this row and <paramref name="other"/> are one petitioner's: equal ID-number hashes, or —
    /// when either has no ID number — equal phone hashes (two people with different ID numbers sharing a
    /// phone are two people). The same rule as the candidates query in <see cref="DuplicateDetector"/>.
    /// </summary>
    public bool SamePetitionerAs(DuplicateIndexRow other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return IdHash is not null && other.IdHash is not null
            ? IdHash.AsSpan().SequenceEqual(other.IdHash)
            : PhoneHash is not null && other.PhoneHash is not null && PhoneHash.AsSpan().SequenceEqual(other.PhoneHash);
    }
}

/// <summary>
/// Writes <see cref="DuplicateIndexSchema"/>'s rows from the events: a row per submission (its text
/// segmented with jieba here, off the request path: about 6 µs a character once the dictionary is
/// loaded, 1–3 ms for a usual petition, at most ≈ 15 ms because only the first
/// <see cref="MaxContentChars"/> characters of the content are read), and the status a petition ends
/// with. Written by the duplicate-detection subscription in the event log's order, in the
/// transaction that moves its progress, so the index holds exactly the events up to that progress.
/// Applying an event twice, or a status before a later one, leaves the same row: a row is inserted
/// once (<c>on conflict do nothing</c>) and its status only ever leaves OPEN for one final status.
/// </summary>
public sealed class DuplicateIndex(PetitionerKeys keys, Func<ChineseTextAnalyzer>? analyzer = null)
{
    /// <summary>The name the rebuild command knows it by.</summary>
    public const string Name = CaseEngine.Projections.ReadSide.ReadSideNames.DuplicateIndex;
    public const int MaxContentChars = 2_000;

    /// <summary>The event types the index is written from.</summary>
    public static readonly Type[] EventTypes =
        [typeof(PetitionSubmitted), typeof(PetitionDeclined), typeof(PetitionClosed), typeof(PetitionTerminated), typeof(PetitionWithdrawn), typeof(DuplicateLinked)];

    private readonly Func<ChineseTextAnalyzer> _analyzer = analyzer ?? (() => ChineseTextAnalyzer.Shared);

    /// <summary>A new petition's row: segmented text and keyed hashes, nothing personal in clear.</summary>
    public DuplicateIndexRow RowOf(PetitionSubmitted s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var text = _analyzer();
        return new DuplicateIndexRow(s.PetitionId, DuplicateIndexSchema.ProvinceOf(s.RegionPath),
            keys.IdNumberHash(s.Petitioner.IdNumber), keys.PhoneHash(s.Petitioner.Phone), IndexStatus.Open,
            text.Terms(s.Subject), text.Terms(s.Content, MaxContentChars), s.ReceivedAt, s.At);
    }

    /// <summary>Queues the rows of a page's events (in the log's order) on <paramref name="operations"/>.</summary>
    public void Write(IDocumentOperations operations, IEnumerable<IEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var page = events.Select(e => e.Data).ToList();
        Write(operations, [.. page.OfType<PetitionSubmitted>().Select(RowOf)], StatusChanges(page));
    }

    /// <summary>The final statuses a page's events give their petitions.</summary>
    public static IReadOnlyList<(Guid PetitionId, string Status)> StatusChanges(IEnumerable<object> events) =>
        [.. events.Select(e => (Event: e as IPetitionEvent, Status: IndexStatus.After(e)))
            .Where(x => x.Event is not null && x.Status is not null)
            .Select(x => (x.Event!.PetitionId, x.Status!))];

    /// <summary>Queues inserting <paramref name="rows"/> (as open petitions) and then the status changes.</summary>
    public static void Write(IDocumentOperations operations, IReadOnlyList<DuplicateIndexRow> rows, IReadOnlyList<(Guid PetitionId, string Status)> statuses)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(statuses);
        var table = DuplicateIndexSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName);
        if (rows.Count > 0)
        {
            // Words never hold spaces (the segmenter splits on them): one space-joined string per row lets one unnest insert the page.
            operations.QueueSqlCommand(
                $"""
                insert into {table} (petition_id, province_code, id_hash, phone_hash, status, subject_terms, content_terms, received_at, registered_at)
                select id, province, id_hash, phone_hash, '{IndexStatus.Open}', string_to_array(subject, ' '), string_to_array(content, ' '), received, registered
                from unnest(?::uuid[], ?::varchar[], ?::bytea[], ?::bytea[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
                    as u(id, province, id_hash, phone_hash, subject, content, received, registered)
                on conflict (petition_id) do nothing
                """,
                rows.Select(r => r.PetitionId).ToArray(),
                rows.Select(r => r.Province).ToArray(),
                rows.Select(r => r.IdHash).ToArray(),
                rows.Select(r => r.PhoneHash).ToArray(),
                rows.Select(r => string.Join(' ', r.SubjectTerms)).ToArray(),
                rows.Select(r => string.Join(' ', r.ContentTerms)).ToArray(),
                rows.Select(r => r.ReceivedAt.ToUniversalTime()).ToArray(),
                rows.Select(r => r.RegisteredAt.ToUniversalTime()).ToArray());
        }
        foreach (var group in statuses.GroupBy(x => x.Status))
        {
            operations.QueueSqlCommand($"update {table} set status = ? where petition_id = any(?)",
                group.Key, group.Select(x => x.PetitionId).Distinct().ToArray());
        }
    }

    /// <summary>
    /// Empties the index and writes it again from the events up to where duplicate detection has
    /// written it (<paramref name="progress"/>: detection goes on from there), in pages of
    /// <paramref name="pageSize"/> events, each its own transaction; until the progress stands still,
    /// so what a detection still running wrote meanwhile is written again. Stopped half-way, it is
    /// run again: every write is idempotent.
    /// </summary>
    /// <param name="database">the province database whose index this is (each is written from its own log)</param>
    public async Task RebuildAsync(IDocumentStore store, IMartenDatabase database, Func<CancellationToken, Task<long>> progress, int pageSize = 1_000, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(progress);
        await using (var session = store.LightweightSession(SessionOptions.ForDatabase(database)))
        {
            session.QueueSqlCommand($"truncate {DuplicateIndexSchema.Qualified(store.Options.DatabaseSchemaName)}");
            await session.SaveChangesAsync(ct);
        }
        for (long after = 0; ;)
        {
            var ceiling = await progress(ct);
            if (ceiling <= after)
                return;
            await ReplayAsync(store, database, after, ceiling, pageSize, ct);
            after = ceiling;
        }
    }

    private async Task ReplayAsync(IDocumentStore store, IMartenDatabase database, long after, long ceiling, int pageSize, CancellationToken ct)
    {
        while (after < ceiling)
        {
            await using var session = store.LightweightSession(SessionOptions.ForDatabase(database));
            var from = after;
            var events = await session.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > from && e.Sequence <= ceiling && e.EventTypesAre(EventTypes))
                .OrderBy(e => e.Sequence).Take(pageSize).ToListAsync(ct);
            if (events.Count == 0)
                return;
            Write(session, events);
            await session.SaveChangesAsync(ct);
            after = events[^1].Sequence;
        }
    }
}
