using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Submitting;
using Marten;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// The one place where the petition event types, the projections and the workflow's own tables
/// are registered with Marten. <see cref="CaseEngineSetup.AddCaseEngine"/> calls it for every host
/// (API, tests, bench).
/// </summary>
public static class EventStoreSetup
{
    /// <param name="cachedStreams">see <see cref="CaseEngineOptions.ReadSideCachedStreams"/></param>
    private static void Concurrently(Marten.Schema.ComputedIndex index) => index.IsConcurrent = true;

    public static void ConfigureEventStore(StoreOptions opts,
        int cachedStreams = PetitionStreamsProjection.DefaultCachedStreams)
    {
        ArgumentNullException.ThrowIfNull(opts);
        // Registered up front so reading a stream never depends on which types a process loaded first.
        opts.Events.AddEventTypes(EventJson.EventTypes);

        // The petition view is the write model's snapshot, stored by PetitionCommands.Write in the
        // command's transaction (the decision's own fold), not by an inline projection.
        // Indexed for the reads that find petitions by a field, not by id: trackPetition (the case number),
        // myPetitions (the submitting petitioner) and Petition.duplicates (the petitions linked to one);
        // without them each is a scan of the province's petitions. (The calendar's reload still scans: an
        // ADMIN's rare act.) Built CONCURRENTLY: added to a province that already holds millions of
        // petitions, a plain CREATE INDEX would hold every command's snapshot write until it is built.
        opts.Schema.For<Petition>()
            .Index(p => p.CaseNumber, Concurrently).Index(p => p.SubmitterId!, Concurrently).Index(p => p.DuplicateOf!, Concurrently);
        // Inbox, overdue and statistics: async projections run by the daemon (one node per database, ReadSideDistribution), with their tables.
        ReadSideRegistration.Register(opts, cachedStreams);

        opts.Schema.For<CommandRecord>();
        opts.Schema.For<DeadlineTimer>().Index(t => t.DueAt).Index(t => t.PetitionId);
        opts.Storage.ExtendedSchemaObjects.Add(CaseNumbers.CounterTable(opts.DatabaseSchemaName));
        // Texts for citizens (notices, policy, law, news, help): documents in their scope's database.
        CaseEngine.Workflow.Publications.PublicationStore.Configure(opts);

        // Chinese text: the duplicate index's table and the situation-analysis rows (async).
        ChineseTextSetup.ConfigureStore(opts);
    }
}
