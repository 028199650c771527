using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Overdue;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Projections.Statistics;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace CaseEngine.Projections.ReadSide;

/// <summary>Registers the read models' tables and async projections with Marten (called from EventStoreSetup).</summary>
public static class ReadSideRegistration
{
    /// <param name="cachedStreams">streams the inbox and overdue list keep between pages (one cache for both)</param>
    public static void Register(StoreOptions opts, int cachedStreams = PetitionStreamsProjection.DefaultCachedStreams)
    {
        ArgumentNullException.ThrowIfNull(opts);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedStreams);
        var schema = opts.DatabaseSchemaName;
        foreach (var table in ReadSideSchema.Tables(schema))
            opts.Storage.ExtendedSchemaObjects.Add(table);

        // One shard, four read models (ReadModelsProjection). A rebuild empties exactly their tables and applied
        // marks before the one replay.
        var members = new IProjection[]
        {
            // The inbox and the overdue list from one fold of each page's streams, with one cache of them.
            new PetitionStreamsProjection(new InboxRows(), new OverdueRows()) { CachedStreams = cachedStreams },
            new StatisticsProjection(),
            new SituationAnalysisProjection(),
        };
        opts.Projections.Add(new ReadModelsProjection(members), ProjectionLifecycle.Async, ReadSideNames.ReadModels,
            o =>
            {
                foreach (var table in TornDown(schema))
                    o.DeleteDataInTableOnTeardown(table);
            });
    }

    /// <summary>The tables a rebuild of <see cref="ReadSideNames.ReadModels"/> empties: each read model's, its applied mark's, and the inbox counts.</summary>
    public static IEnumerable<string> TornDown(string schema)
    {
        foreach (var table in new[] { ReadSideSchema.InboxTable, ReadSideSchema.OverdueTable, ReadSideSchema.StatisticsTable })
        {
            yield return ReadSideSchema.Qualified(schema, table);
            yield return ReadSideSchema.Qualified(schema, AppliedSequence.TableFor(table));
        }
        yield return ReadSideSchema.Qualified(schema, ReadSideSchema.InboxCountTable);
        yield return SituationAnalysisSchema.Qualified(schema);
        yield return $"{schema}.{AppliedSequence.TableFor(SituationAnalysisSchema.Table)}";
    }
}
