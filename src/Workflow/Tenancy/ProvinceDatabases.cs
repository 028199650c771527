using System.Collections.Concurrent;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.ReadSide;
using JasperFx.MultiTenancy;
using Microsoft.Extensions.Logging;
using Marten;
using Marten.Storage;
using Wolverine.Persistence.Durability;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// The province databases behind the one store: Marten's database-per-tenant tenancy with a master
/// table of tenants (<c>caseengine_master.mt_tenant_databases</c> in the master database), the tenant id being
/// the province's code. This class only answers "which database" — from a region, a case number or a
/// petition's id, never by asking every database (<see cref="Provinces"/>, <see cref="PetitionIds"/>) —
/// and registers a database at run time; the tenancy itself is Marten's and Wolverine's.
/// </summary>
public sealed class ProvinceDatabases(IDocumentStore store, IMessageStore messageStore, ILogger<ProvinceDatabases> logger)
{
    /// <summary>The schema of the master database's table of province databases (Marten's <c>mt_tenant_databases</c>).</summary>
    public const string MasterSchema = "caseengine_master";

    public IDocumentStore Store => store;

    private MasterTableTenancy Tenancy => (MasterTableTenancy)store.Options.Tenancy;

    /// <summary>The provinces this node has made ready (schema and Wolverine tables checked), each once.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task>> _ready = new(StringComparer.Ordinal);

    /// <summary>
    /// True when the province has a database. A known province is answered from memory; an unknown
    /// one costs one indexed read of the master table, so a database another node (or an operator's
    /// insert) listed is found and served without a restart: the first time this node meets it, its
    /// schema and Wolverine's tables are brought up to date (<see cref="ReadyAsync"/>).
    /// </summary>
    public async ValueTask<bool> ServesAsync(string province)
    {
        ArgumentNullException.ThrowIfNull(province);
        try
        {
            await Tenancy.GetTenantAsync(province);
        }
        catch (UnknownTenantIdException)
        {
            return false;
        }
        await ReadyAsync(province);
        return true;
    }

    /// <summary>
    /// Applies Marten's schema (documents, events, the engine's own tables) and Wolverine's inbox and
    /// outbox tables to a province's database, and counts an inbox written before its counts table, once
    /// per node: at start for every listed province (<see cref="ProvinceDatabasesStart"/>), else the first
    /// time the node meets it. The engines' own start-up steps are off: they touch every database in turn
    /// and one that does not answer stops the node. Idempotent; a failure is retried at the next call.
    /// </summary>
    internal Task ReadyAsync(string province)
    {
        var ready = _ready.GetOrAdd(province, p => new Lazy<Task>(() => MakeReadyAsync(p)));
        if (ready.Value.IsFaulted || ready.Value.IsCanceled)
            _ready.TryRemove(new KeyValuePair<string, Lazy<Task>>(province, ready));
        return ready.Value;
    }

    /// <summary>True once this node has readied the province's database.</summary>
    internal bool IsReady(string province) => _ready.TryGetValue(province, out var ready) && ready.Value.IsCompletedSuccessfully;

    private async Task MakeReadyAsync(string province)
    {
        var database = await store.Storage.FindOrCreateDatabase(province);
        // The daemon meets the new database too and creates its event storage at the same moment: a
        // migration that lost that race (42P07, "already exists") is compared again and finds it done.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AppliedSchema.EnsureAsync(database, "marten", () => database.ApplyAllConfiguredChangesToDatabaseAsync());
                break;
            }
            catch (Marten.Exceptions.MartenSchemaException) when (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
        if (messageStore is MultiTenantedMessageStore messages)
        {
            var inbox = await messages.GetDatabaseAsync(province);
            await MigrateAsync(inbox);
        }
        if (await ReadModelsProgress.SeedAsync(store, (IMartenDatabase)database, CancellationToken.None))
            logger.LogInformation("Carried the read side's position in {Province} over to the {Shard} shard: its read models had shards of their own",
                province, ReadSideNames.ReadModels);
        if (await InboxCounts.SeedAsync(store, (IMartenDatabase)database, CancellationToken.None))
            logger.LogInformation("Counted the inbox per department in {Province}: it was written by a version without {Table}",
                province, ReadSideSchema.InboxCountTable);
    }

    /// <summary>Wolverine's inbox, outbox and node tables of a database, compared in full only when it may lack them (<see cref="AppliedSchema"/>).</summary>
    internal static async Task MigrateAsync(IMessageStore messages)
    {
        // Wolverine's own setting is None (CaseEngineSetup), so the migration says what it may do.
        Task Migrate() => messages.Admin.MigrateAsync(JasperFx.AutoCreate.CreateOrUpdate);
        if (messages is Weasel.Core.Migrations.IDatabase database)
            await AppliedSchema.EnsureAsync(database, "wolverine", Migrate);
        else
            await Migrate();
    }

    /// <summary>The provinces with a database, in code order (reads the master table).</summary>
    public async Task<IReadOnlyList<string>> AllAsync()
    {
        var databases = await store.Storage.AllDatabases();
        return [.. databases.OfType<IMartenDatabase>().SelectMany(d => d.TenantIds).Distinct().Order(StringComparer.Ordinal)];
    }

    private volatile Known? _known;

    /// <summary>
    /// <see cref="AllAsync"/> read at most once per <paramref name="maxAge"/> of real time: for loops that
    /// run many times a second on every node (the live tails), which would otherwise ask the master
    /// database each time. A province listed meanwhile is seen within <paramref name="maxAge"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> KnownAsync(TimeSpan maxAge)
    {
        if (_known is { } known && System.Diagnostics.Stopwatch.GetElapsedTime(known.At) < maxAge)
            return known.Provinces;
        var all = await AllAsync();
        _known = new Known(all, System.Diagnostics.Stopwatch.GetTimestamp());
        return all;
    }

    private sealed record Known(IReadOnlyList<string> Provinces, long At);

    /// <summary>The database of a served province.</summary>
    public async ValueTask<IMartenDatabase> DatabaseAsync(string province) => await store.Storage.FindOrCreateDatabase(province);

    /// <summary>
    /// The province holding a petition, from its id alone; null when the id names no served province
    /// (NOT_FOUND to the caller). An id that names no province at all was made before ids carried one
    /// (a deployment upgraded from one database): while a single province database is served it is looked
    /// for there, where such petitions are; with several, it is not found.
    /// </summary>
    public async ValueTask<string?> OfPetitionAsync(Guid petitionId)
    {
        if (PetitionIds.ProvinceOf(petitionId) is { } province)
            return await ServesAsync(province) ? province : null;
        return await KnownAsync(TimeSpan.FromSeconds(5)) is [var only] && await ServesAsync(only) ? only : null;
    }

    /// <summary>
    /// Items grouped by the province database of the petition each refers to (<see cref="OfPetitionAsync"/>),
    /// so that each database is read or written once; items of no served province are left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, List<T>>> ByProvinceAsync<T>(IEnumerable<T> items, Func<T, Guid> petitionId)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(petitionId);
        var byProvince = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (await OfPetitionAsync(petitionId(item)) is not { } province)
                continue;
            if (!byProvince.TryGetValue(province, out var list))
                byProvince[province] = list = [];
            list.Add(item);
        }
        return byProvince;
    }

    /// <summary>The province holding a case number's petition; null when it names no served province.</summary>
    public async ValueTask<string?> OfCaseNumberAsync(string caseNumber) =>
        Provinces.OfCaseNumber(caseNumber) is { } province && await ServesAsync(province) ? province : null;

    /// <summary>
    /// The database that holds everything under a region (a department's queues, statistics, situation
    /// analysis, the events an auditor or integrator of that region follows): its province's. The
    /// national root spans every province: it is served from the only province database while there is
    /// one, and refused (VALIDATION, "name the province") once there are several: what reads one database's
    /// own log (the access log, the chain's roots and proofs) takes a province argument; the national reads
    /// that add up or merge every database use <see cref="SpannedByAsync"/>, and the feed the national log.
    /// A region whose province has no database is NOT_FOUND.
    /// </summary>
    public async ValueTask<string> ForRegionAsync(string regionCode)
    {
        var province = Provinces.Of(regionCode) ?? throw RuleViolation.Validation("not a region code");
        if (!Provinces.IsNational(province))
            return await ServesAsync(province) ? province : throw RuleViolation.NotFound("no database serves that region's province");
        var all = await AllAsync();
        return all.Count == 1
            ? all[0]
            : throw RuleViolation.Validation("a national scope spans several province databases here: name the province (argument province)");
    }

    /// <summary>
    /// The database of a department's own work (its inbox, its own counters, its own overdue list): its
    /// province's; for a national department, the national office's own database when the nation has one
    /// (tenant 000000, issue 20), else as <see cref="ForRegionAsync"/>.
    /// </summary>
    public async ValueTask<string> ForDepartmentAsync(string regionCode)
    {
        var province = Provinces.Of(regionCode) ?? throw RuleViolation.Validation("not a region code");
        return Provinces.IsNational(province) && await ServesAsync(province) ? province : await ForRegionAsync(regionCode);
    }

    /// <summary>
    /// Every database a read of a region's whole subtree needs: its province's for a region of a province;
    /// for the nation, every listed database (the national office's and each province's), which a roll-up
    /// reads side by side and adds up (issue 20).
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> SpannedByAsync(string regionCode)
    {
        var province = Provinces.Of(regionCode) ?? throw RuleViolation.Validation("not a region code");
        return Provinces.IsNational(province) ? await AllAsync() : [await ForRegionAsync(regionCode)];
    }

    /// <summary>
    /// Lists a province's database in a master database's table, without a running engine (a
    /// deployment's setup, the tests' fixtures): the engines started on that master database then
    /// serve it, and apply its schema at start.
    /// </summary>
    public static async Task RecordAsync(string masterConnectionString, string province, string connectionString)
    {
        if (Provinces.Of(province) != province)
            throw new ArgumentException("a province is registered by its 6-digit code, e.g. 340000", nameof(province));
        await using var tenancy = new MasterTableTenancy(new StoreOptions(), masterConnectionString, MasterSchema);
        // Creates the table when it is not there yet.
        await tenancy.BuildDatabases();
        await tenancy.AddDatabaseRecordAsync(province, connectionString);
    }

    /// <summary>
    /// Registers a province's database while running: the row in the master table, then the schema
    /// Marten applies at start (documents, events, and the engine's own tables) and Wolverine's inbox
    /// and outbox tables, which neither engine creates for a database registered after start. The daemon
    /// and Wolverine find the new database from the master table.
    /// </summary>
    public async Task RegisterAsync(string province, string connectionString, CancellationToken ct = default)
    {
        if (Provinces.Of(province) != province)
            throw RuleViolation.Validation("a province is registered by its 6-digit code, e.g. 340000");
        await Tenancy.AddDatabaseRecordAsync(province, connectionString);
        ct.ThrowIfCancellationRequested();
        if (!await ServesAsync(province))
            throw new InvalidOperationException($"province {province} was listed but is not found in the master table");
    }
}
