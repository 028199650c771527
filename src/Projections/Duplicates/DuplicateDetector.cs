using CaseEngine.Projections.ChineseText;
using Marten;
using Marten.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.Duplicates;

/// <summary>An earlier petition that a new one likely repeats, with its similarity in [0, 1].</summary>
public sealed record DuplicateCandidate(Guid PetitionId, string Status, double Score);

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

    public const int MaxCandidates = 5;

    /// <summary>
    /// How many of the petitioner's earlier open petitions a submission is compared with: the most recent
    /// ones in the log. Without a bound a petitioner who files hundreds of petitions makes each new one
    /// cost all the earlier ones, the whole run quadratic: the fault run's repeat petitioners (about 600
    /// petitions each) left detection 97,000 events behind the log. A matter raised again after 200 other
    /// open petitions of the same person is not compared with its first filing.
    /// </summary>
    public const int MaxCompared = 200;

    public static async Task<IReadOnlyList<DuplicateCandidate>> FindAsync(IQuerySession session, Guid petitionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var schema = session.DocumentStore.Options.DatabaseSchemaName;
        var table = DuplicateIndexSchema.Qualified(schema);
        await using var connection = session.Database.CreateConnection(ConnectionUsage.Read);
        await connection.OpenAsync(ct);

        // "Earlier" is the event log's order: the sequence of each petition's first event (the unique
        // (stream_id, version) index finds it). The daemon handles a submission only once every lower
        // sequence is committed (its high-water mark), so all earlier petitions are visible here, and two
        // concurrent submissions are ordered one way only.
        await using var command = new NpgsqlCommand(
            $"""
            with p as (
                select i.*, (select e.seq_id from {schema}.mt_events e where e.stream_id = i.petition_id and e.version = 1) as seq
                from {table} i where i.petition_id = @id)
            select c.petition_id, c.status, c.subject_terms, c.content_terms, p.subject_terms, p.content_terms
            from p join {table} c
              on c.province_code = p.province_code
             and c.petition_id <> p.petition_id
             and c.status = any(@statuses)
             and (c.id_hash = p.id_hash
                  or (c.phone_hash = p.phone_hash and (c.id_hash is null or p.id_hash is null)))
            cross join lateral (select e.seq_id from {schema}.mt_events e where e.stream_id = c.petition_id and e.version = 1) ce
            where ce.seq_id < p.seq
            order by ce.seq_id desc
            limit @compared
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = petitionId });
        command.Parameters.Add(new NpgsqlParameter("compared", NpgsqlDbType.Integer) { Value = MaxCompared });
        command.Parameters.Add(new NpgsqlParameter("statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = IndexStatus.Comparable });

        var rows = new List<(Guid Id, string Status, string[] Subject, string[] Content)>();
        string[]? subject = null, content = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<string[]>(3)));
                subject ??= reader.GetFieldValue<string[]>(4);
                content ??= reader.GetFieldValue<string[]>(5);
            }
        }
        if (rows.Count == 0)
            return [];
        var text = ChineseTextAnalyzer.Shared;
        return Rank(TermVector.From(subject!, content!, text.Idf),
            rows.Select(r => (r.Id, r.Status, TermVector.From(r.Subject, r.Content, text.Idf))));
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
