using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Projections.ChineseText;
using Marten;
using Marten.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Duplicates;

/// <summary>An earlier petition that a new one likely repeats, with its similarity in [0, 1].</summary>
public sealed record DuplicateCandidate(Guid PetitionId, string Status, double Score);

/// <summary>What detection made of one page of events: the index rows and statuses to write, and the petitions with candidates.</summary>
public sealed record DetectedPage(
    IReadOnlyList<DuplicateIndexRow> Rows, IReadOnlyList<(Guid PetitionId, string Status)> Statuses,
    IReadOnlyList<(Guid PetitionId, IReadOnlyList<DuplicateCandidate> Candidates)> Found);

/// <summary>
/// Finds the earlier petitions a petition likely repeats (Art. 19, Art. 36). A candidate
/// <list type="bullet">
/// <item>was submitted before it in the event log's order, anywhere in the same province;</item>
/// <item>comes from the same petitioner: equal ID-number hashes, or — when either of the two has no
/// ID number — equal phone hashes (two people with different ID numbers sharing a phone are two people);</item>
/// <item>is open (any non-final status) or TERMINATED (a re-review ended it: not accepted again); declined,
/// withdrawn, closed and merged petitions are not compared;</item>
/// <item>is about the same matter: the cosine similarity of the two <see cref="TermVector"/>s (TF-IDF over
/// jieba's words of subject and content) is at least <see cref="Threshold"/>.</item>
/// </list>
/// At most <see cref="MaxCandidates"/> are returned, best first. Nothing is decided here: the office
/// confirms by linking, or ignores the flag.
/// </summary>
public static class DuplicateDetector
{
    /// <summary>
    /// Cosine similarity from which two petitions of one petitioner are flagged. Chosen on the
    /// generated labelled sets (tests/Workflow.Tests/DuplicateDetection, seven seeds): rewordings of
    /// one matter keep its places, parties, amounts and key nouns and score 0.4–1 (median ≈ 0.75);
    /// different matters of one petitioner score ≈ 0.15 (median), and only two matters of the same
    /// kind worded from the same template reach 0.45–0.7. At 0.45: precision 0.94–0.97, recall
    /// 0.94–0.99 over the seeds; lower thresholds trade precision for recall (0.35: ≈ 0.91 / 0.99).
    /// </summary>
    public const double Threshold = 0.45;

    public const int MaxCandidates = FlagSuspectedDuplicates.MaxCandidates;

    /// <summary>
    /// How many of the petitioner's earlier open petitions a submission is compared with: the most recent
    /// ones in the log. Without a bound a petitioner who files hundreds of petitions makes each new one
    /// cost all the earlier ones, the whole run quadratic: the fault run's repeat petitioners (about 600
    /// petitions each) left detection 97,000 events behind the log. A matter raised again after 200 other
    /// open petitions of the same person is not compared with its first filing.
    /// </summary>
    public const int MaxCompared = 200;

    /// <summary>
    /// Detection over one page of the log's events (in the log's order): the index rows of the page's
    /// new petitions, the final statuses its events give, and each new petition's candidates. A
    /// petition is compared with the comparable rows already in the index — every earlier page, read
    /// in one round trip for the whole page — and with the page's own earlier petitions, each with
    /// the status it has at that point of the page; "earlier" is the log's order, so of two concurrent
    /// submissions only the later one is flagged. <paramref name="detect"/> false gives the rows and
    /// statuses only (nothing read).
    /// </summary>
    public static async Task<DetectedPage> DetectAsync(IQuerySession session, DuplicateIndex index, IReadOnlyList<object> events,
        bool detect = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(events);
        var rows = events.OfType<PetitionSubmitted>().Select(index.RowOf).ToList();
        var statuses = DuplicateIndex.StatusChanges(events);
        if (!detect || rows.Count == 0)
            return new DetectedPage(rows, statuses, []);

        var stored = await StoredCandidatesAsync(session, rows, ct);
        var idf = ChineseTextAnalyzer.Shared.Idf;
        var statusNow = new Dictionary<Guid, string>();   // the statuses the page has given so far
        var earlierInPage = new List<DuplicateIndexRow>();
        var found = new List<(Guid, IReadOnlyList<DuplicateCandidate>)>();
        var next = 0;
        foreach (var e in events)
        {
            if (e is PetitionSubmitted)
            {
                var petition = rows[next];
                var compared = earlierInPage.AsEnumerable().Reverse()
                    .Where(c => c.Province == petition.Province && petition.SamePetitionerAs(c))
                    .Concat(stored[next])
                    .Select(c => c with { Status = statusNow.GetValueOrDefault(c.PetitionId, c.Status) })
                    .Where(c => IndexStatus.Comparable.Contains(c.Status))
                    .Take(MaxCompared)
                    .ToList();
                if (compared.Count > 0)
                {
                    var candidates = Rank(TermVector.From(petition.SubjectTerms, petition.ContentTerms, idf),
                        compared.Select(c => (c.PetitionId, c.Status, TermVector.From(c.SubjectTerms, c.ContentTerms, idf))));
                    if (candidates.Count > 0)
                        found.Add((petition.PetitionId, candidates));
                }
                earlierInPage.Add(petition);
                next++;
            }
            else if (e is IPetitionEvent changed && IndexStatus.After(e) is { } status)
            {
                statusNow[changed.PetitionId] = status;
            }
        }
        return new DetectedPage(rows, statuses, found);
    }

    /// <summary>
    /// For each of <paramref name="petitions"/> (same position), the comparable rows of the same
    /// petitioner in the same province already in the index, most recent first, at most
    /// <see cref="MaxCompared"/>: one statement for the page (a lateral join per petition along the
    /// hash indexes).
    /// </summary>
    private static async Task<List<DuplicateIndexRow>[]> StoredCandidatesAsync(IQuerySession session, IReadOnlyList<DuplicateIndexRow> petitions, CancellationToken ct)
    {
        var table = DuplicateIndexSchema.Qualified(session.DocumentStore.Options.DatabaseSchemaName);
        await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            select p.ord, c.petition_id, c.province_code, c.id_hash, c.phone_hash, c.status, c.subject_terms, c.content_terms, c.received_at, c.registered_at
            from unnest(@provinces::varchar[], @id_hashes::bytea[], @phone_hashes::bytea[]) with ordinality as p(province, id_hash, phone_hash, ord)
            cross join lateral (
                select * from {table} c
                where c.province_code = p.province
                  and c.status = any(@statuses)
                  and (c.id_hash = p.id_hash or (c.phone_hash = p.phone_hash and (c.id_hash is null or p.id_hash is null)))
                  and c.petition_id <> all(@page)
                order by c.registered_at desc, c.petition_id desc
                limit @compared) c
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("provinces", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = petitions.Select(p => p.Province).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("id_hashes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = petitions.Select(p => p.IdHash).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("phone_hashes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = petitions.Select(p => p.PhoneHash).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = IndexStatus.Comparable });
        command.Parameters.Add(new NpgsqlParameter("page", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = petitions.Select(p => p.PetitionId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("compared", NpgsqlDbType.Integer) { Value = MaxCompared });

        var stored = petitions.Select(_ => new List<DuplicateIndexRow>()).ToArray();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored[reader.GetInt64(0) - 1].Add(new DuplicateIndexRow(
                reader.GetGuid(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
                reader.GetString(5), reader.GetFieldValue<string[]>(6), reader.GetFieldValue<string[]>(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9)));
        }
        return stored;
    }

    /// <summary>The candidates at or above the threshold, best first (then by id), at most <see cref="MaxCandidates"/>.</summary>
    public static IReadOnlyList<DuplicateCandidate> Rank(TermVector petition, IEnumerable<(Guid Id, string Status, TermVector Vector)> earlier)
    {
        ArgumentNullException.ThrowIfNull(petition);
        ArgumentNullException.ThrowIfNull(earlier);
        return [.. earlier
            .Select(c => new DuplicateCandidate(c.Id, c.Status, Score(petition, c.Vector)))
            .Where(c => c.Score >= Threshold)
            .OrderByDescending(c => c.Score).ThenBy(c => c.PetitionId)
            .Take(MaxCandidates)];
    }

    /// <summary>The similarity as flagged: cosine rounded to 4 decimals, so a repeated detection sends the identical command.</summary>
    public static double Score(TermVector a, TermVector b) => Math.Round(a.Cosine(b), 4);
}
