using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ChineseText;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
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

/// <summary>
/// Keeps <see cref="DuplicateIndexSchema"/> in the command's own transaction (inline), so when
/// detection looks after a submission's commit the index holds every committed petition with its
/// current status. Built only from the events (and the hash key): a rebuild empties the table and
/// replays them into the same rows. Segmenting takes about 6 µs a character once the dictionary is
/// loaded (the host loads it at start): 1–3 ms for a usual petition, and at most ≈ 15 ms because
/// only the first <see cref="MaxContentChars"/> characters of the content are read.
/// </summary>
public sealed class DuplicateIndexProjection(PetitionerKeys keys, Func<ChineseTextAnalyzer>? analyzer = null) : IProjection
{
    public const string Name = CaseEngine.Projections.ReadSide.ReadSideNames.DuplicateIndex;
    public const int MaxContentChars = 2_000;

    private readonly Func<ChineseTextAnalyzer> _analyzer = analyzer ?? (() => ChineseTextAnalyzer.Shared);

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        var table = DuplicateIndexSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName);

        var submitted = events.Select(e => e.Data).OfType<PetitionSubmitted>().ToList();
        if (submitted.Count > 0)
        {
            var text = _analyzer();
            var rows = submitted.Select(s => (
                s.PetitionId,
                Province: DuplicateIndexSchema.ProvinceOf(s.RegionPath),
                IdHash: keys.IdNumberHash(s.Petitioner.IdNumber),
                PhoneHash: keys.PhoneHash(s.Petitioner.Phone),
                Subject: text.Terms(s.Subject),
                Content: text.Terms(s.Content, MaxContentChars),
                s.ReceivedAt, s.At)).ToList();
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
                rows.Select(r => string.Join(' ', r.Subject)).ToArray(),
                rows.Select(r => string.Join(' ', r.Content)).ToArray(),
                rows.Select(r => r.ReceivedAt.ToUniversalTime()).ToArray(),
                rows.Select(r => r.At.ToUniversalTime()).ToArray());
        }

        foreach (var group in events
                     .Select(e => (e.Data as IPetitionEvent, Status: IndexStatus.After(e.Data)))
                     .Where(x => x.Item1 is not null && x.Status is not null)
                     .GroupBy(x => x.Status!))
        {
            operations.QueueSqlCommand($"update {table} set status = ? where petition_id = any(?)",
                group.Key, group.Select(x => x.Item1!.PetitionId).Distinct().ToArray());
        }
        return Task.CompletedTask;
    }
}
