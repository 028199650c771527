using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Overdue;
using CaseEngine.Projections.Statistics;
using JasperFx.Events.Projections;
using Marten;

namespace CaseEngine.Projections.ReadSide;

/// <summary>Registers the read models' tables and async projections with Marten (called from EventStoreSetup).</summary>
public static class ReadSideRegistration
{
    /// <param name="cachedStreams">streams the inbox and overdue projections each keep between pages</param>
    public static void Register(StoreOptions opts, int cachedStreams = PetitionStreamsProjection.DefaultCachedStreams)
    {
        ArgumentNullException.ThrowIfNull(opts);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedStreams);
        var schema = opts.DatabaseSchemaName;
        foreach (var table in ReadSideSchema.Tables(schema))
            opts.Storage.ExtendedSchemaObjects.Add(table);

        // Raw projections: a rebuild empties exactly their own tables before replaying.
        opts.Projections.Add(new InboxProjection { CachedStreams = cachedStreams }, ProjectionLifecycle.Async, ReadSideNames.Inbox,
            o =>
            {
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, ReadSideSchema.InboxTable));
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, ReadSideSchema.InboxCountTable));
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, AppliedSequence.TableFor(ReadSideSchema.InboxTable)));
            });
        opts.Projections.Add(new OverdueProjection { CachedStreams = cachedStreams }, ProjectionLifecycle.Async, ReadSideNames.Overdue,
            o =>
            {
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, ReadSideSchema.OverdueTable));
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, AppliedSequence.TableFor(ReadSideSchema.OverdueTable)));
            });
        opts.Projections.Add(new StatisticsProjection(), ProjectionLifecycle.Async, ReadSideNames.Statistics,
            o =>
            {
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, ReadSideSchema.StatisticsTable));
                o.DeleteDataInTableOnTeardown(ReadSideSchema.Qualified(schema, AppliedSequence.TableFor(ReadSideSchema.StatisticsTable)));
            });
    }
}
