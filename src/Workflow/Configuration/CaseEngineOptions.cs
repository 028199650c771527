using CaseEngine.Workflow.Rules;
using Marten;
using Wolverine;

namespace CaseEngine.Workflow.Configuration;

/// <summary>Knobs of <see cref="CaseEngineSetup.AddCaseEngine"/>; each one has a working default.</summary>
public sealed class CaseEngineOptions
{
    /// <summary>
    /// The master database (the table of province databases, Wolverine's nodes): wins over configuration
    /// <c>ConnectionStrings:Marten</c>; with neither, an embedded cluster starts with the master
    /// database and the demo province's database.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Province databases to register at start, by province code ("340000" → connection string); added
    /// to configuration <c>CaseEngine:Provinces:&lt;code&gt;</c> (env <c>CaseEngine__Provinces__340000</c>).
    /// A province already in the master table keeps working without being named here.
    /// </summary>
    public IDictionary<string, string> Provinces { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>PostgreSQL schema of Marten's documents and events.</summary>
    public string SchemaName { get; set; } = "caseengine";

    /// <summary>The directory and statutory clock to decide with; the demo directory and China's calendar by default.</summary>
    public RuleBook? RuleBook { get; set; }

    /// <summary>
    /// Flag likely duplicates after each submission (a daemon subscription appending DuplicateSuspected
    /// through FlagSuspectedDuplicates). On by default; the test hosts turn it off so scenarios that submit
    /// the same sample petition again see only their own events, and duplicate tests turn it back on.
    /// Hosts whose configuration arrives late (Alba) can set <c>CaseEngine:DuplicateDetection=false</c>,
    /// read when each page of submissions is processed.
    /// </summary>
    public bool DuplicateDetection { get; set; } = true;

    /// <summary>
    /// How many petition streams the inbox and the overdue list keep in memory (one cache for both) between
    /// pages (config <c>CaseEngine:ReadSideCachedStreams</c>; default
    /// <see cref="Projections.ReadSide.PetitionStreamsProjection.DefaultCachedStreams"/>, 0 keeps none).
    /// More streams use more memory (about 9 events each) and make a rebuild of a large log read
    /// fewer streams again.
    /// </summary>
    public int? ReadSideCachedStreams { get; set; }

    /// <summary>
    /// The event chain's key given in code (tests, the bench); hosts leave it null and configure
    /// <c>CaseEngine:EventChainKey</c> (see <see cref="Integrity.EventChainKey"/>).
    /// </summary>
    public Integrity.EventChainKey? EventChainKey { get; set; }

    /// <summary>
    /// Link every append in the tamper-evident chain (on by default). Only the bench turns it off, to
    /// measure what it costs; there is no configuration setting for it.
    /// </summary>
    public bool EventChain { get; set; } = true;

    /// <summary>
    /// The message broker for integration events given in code (tests, the bench); wins over configuration
    /// <c>CaseEngine:Broker</c>. Null and unconfigured: no broker, nothing is published.
    /// </summary>
    public Integration.BrokerSettings? Broker { get; set; }

    /// <summary>Embedded cluster only, tests only: fsync and synchronous commit off.</summary>
    public bool EmbeddedFastUnsafe { get; set; }

    /// <summary>Runs after <see cref="EventStoreSetup.ConfigureEventStore"/>: extra event types, projections, indexes.</summary>
    public Action<StoreOptions>? ConfigureMarten { get; set; }

    /// <summary>Runs last inside <c>UseWolverine</c>: extra handlers assemblies, routing, policies.</summary>
    public Action<WolverineOptions>? ConfigureWolverine { get; set; }

    /// <summary>
    /// Runs on the Marten registration after the Wolverine integration: event subscriptions such as
    /// <c>PublishEventsToWolverine</c> or <c>ProcessEventsWithWolverineHandlersInStrictOrder</c>.
    /// </summary>
    public Action<MartenServiceCollectionExtensions.MartenConfigurationExpression>? ConfigureMartenServices { get; set; }
}
