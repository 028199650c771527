using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Projections.SituationAnalysis;

/// <summary>
/// The situation-analysis read model: one row per received petition, attributed as domain.md counts
/// "received": the entry office's region path, the receipt date in the deployment's zone, the category
/// it was received with; and its subject's keywords (distinct topic words, jieba search mode, stop words
/// removed). A petition later MERGED leaves (the original counts), exactly as it leaves the received bucket.
/// </summary>
public static class SituationAnalysisSchema
{
    public const string Table = "ce_situation_petitions";

    public static string Qualified(string schema) => $"{schema}.{Table}";

    public static Table Definition(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, Table, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<Guid>("petition_id").AsPrimaryKey();
        t.AddColumn<string>("region_path").NotNull();
        t.AddColumn<string>("category").NotNull();
        t.AddColumn<DateOnly>("received_day").NotNull();
        t.AddColumn("keywords", "text[]").NotNull();
        // "This region and everything below it" over a date range is one index range scan.
        t.Indexes.Add(new IndexDefinition($"ix_{Table}_region_day") { Columns = ["region_path text_pattern_ops", "received_day"] });
        return t;
    }
}

/// <summary>
/// Keeps <see cref="SituationAnalysisSchema"/>: async (run by the daemon, off the command path), a member of the
/// <see cref="ReadModelsProjection"/> shard. Each row is a function of the petition's submission and whether it was merged,
/// written with insert-or-ignore and delete for the events above the applied mark (<see cref="AppliedSequence"/>),
/// so a retried page, or one run by two daemons at once, changes nothing, and a rebuild (which
/// empties the table and the mark first) gives the same rows.
/// </summary>
public sealed class SituationAnalysisProjection(Func<ChineseTextAnalyzer>? analyzer = null) : IProjection
{
    public const string Name = CaseEngine.Projections.ReadSide.ReadSideNames.SituationAnalysis;

    private readonly Func<ChineseTextAnalyzer> _analyzer = analyzer ?? (() => ChineseTextAnalyzer.Shared);

    /// <summary>The receipt date: a date in the deployment's zone (<see cref="DeploymentZone"/>).</summary>
    public static DateOnly DayOf(DateTimeOffset at) => DeploymentZone.DayOf(at);

    /// <summary>A subject's keywords: its distinct topic words (not bare numbers), in first-seen order.</summary>
    public static string[] Keywords(ChineseTextAnalyzer text, string subject)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. text.Terms(subject).Where(ChineseTextAnalyzer.IsTopicWord).Distinct(StringComparer.Ordinal)];
    }

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        // Its page span, as every other read model's (docs/operations.md, Traces).
        using var span = ProjectionTracing.StartPage(SituationAnalysisSchema.Table, events);
        var table = SituationAnalysisSchema.Qualified(operations.DocumentStore.Options.DatabaseSchemaName);

        var submitted = events.Where(e => e.Data is PetitionSubmitted).ToList();
        var merged = events.Where(e => e.Data is DuplicateLinked).ToList();
        if (events.Count == 0)
            return Task.CompletedTask;
        // Only events above the last one applied (two daemons may run this shard at once): a page
        // applied again must not bring back a petition that a later page removed as merged. Every
        // page claims, so its batch always writes a row (see AppliedSequence).
        AppliedSequence.Claim(operations, SituationAnalysisSchema.Table, events.Max(e => e.Sequence), AppliedSequence.Shard(ReadSideNames.ReadModels));
        if (submitted.Count == 0 && merged.Count == 0)
            return Task.CompletedTask;
        var previous = AppliedSequence.Previous(operations, SituationAnalysisSchema.Table);
        if (submitted.Count > 0)
        {
            var text = _analyzer();
            var data = submitted.Select(e => (PetitionSubmitted)e.Data).ToList();
            // Words never hold spaces (the segmenter splits on them): one space-joined string per row lets one unnest insert the page.
            operations.QueueSqlCommand(
                $"""
                insert into {table} (petition_id, region_path, category, received_day, keywords)
                select id, path, category, day, string_to_array(words, ' ')
                from unnest(?::bigint[], ?::uuid[], ?::varchar[], ?::varchar[], ?::date[], ?::text[]) as u(seq, id, path, category, day, words)
                where seq > {previous}
                on conflict (petition_id) do nothing
                """,
                submitted.Select(e => e.Sequence).ToArray(),
                data.Select(s => s.PetitionId).ToArray(),
                data.Select(s => s.RegionPath).ToArray(),
                data.Select(s => s.Category.ToString()).ToArray(),
                data.Select(s => DayOf(s.ReceivedAt)).ToArray(),
                data.Select(s => string.Join(' ', Keywords(text, s.Subject))).ToArray());
        }

        // After the inserts: a link always follows its petition's submission, possibly in the same page.
        if (merged.Count > 0)
            operations.QueueSqlCommand(
                $"delete from {table} where petition_id in (select id from unnest(?::bigint[], ?::uuid[]) as u(seq, id) where seq > {previous})",
                merged.Select(e => e.Sequence).ToArray(),
                merged.Select(e => ((DuplicateLinked)e.Data).PetitionId).ToArray());
        return Task.CompletedTask;
    }
}

/// <summary>Registers the situation-analysis table with Marten (its projection runs in the <see cref="ReadModelsProjection"/> shard, <see cref="ReadSideRegistration"/>).</summary>
public static class SituationAnalysisRegistration
{
    public static void Register(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        var schema = opts.DatabaseSchemaName;
        opts.Storage.ExtendedSchemaObjects.Add(SituationAnalysisSchema.Definition(schema));
        opts.Storage.ExtendedSchemaObjects.Add(AppliedSequence.Definition(schema, SituationAnalysisSchema.Table));
    }
}
