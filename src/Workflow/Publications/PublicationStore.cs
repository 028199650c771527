using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Publications;
using CaseEngine.Workflow.Tenancy;
using Marten;

namespace CaseEngine.Workflow.Publications;

/// <summary>
/// Publications where their scope's data lives (issue 21): a province's in the province's database, the
/// national ones in the national office's (tenant 000000), or in the only database while one province is
/// served. A publication's id says its database, as a petition's does (<see cref="PetitionIds"/>), so reading
/// or revising one by id reads one database.
/// </summary>
public sealed class PublicationStore(IDocumentStore store, ProvinceDatabases provinces, TimeProvider time)
{
    /// <summary>The most publications one list reads per database: a scope holds tens to hundreds of texts.</summary>
    public const int ListBound = 1_000;

    /// <summary>Documents with Marten's optimistic concurrency: two ADMINs revising at once cannot both win.</summary>
    public static void Configure(StoreOptions opts) =>
        opts.Schema.For<Publication>().UseOptimisticConcurrency(true).Index(x => x.Scope);

    public async Task<Publication> WriteAsync(Actor actor, bool anonymous, Guid? id, PublicationDraft draft, CancellationToken ct)
    {
        PublicationRules.EnsureMayWrite(actor, anonymous);
        PublicationRules.EnsureScope(draft.Scope);
        var database = await DatabaseOfScopeAsync(draft.Scope);
        if (id is { } given && await DatabaseOfIdAsync(given) != database)
            throw RuleViolation.NotFound("no such publication");
        await using var session = store.LightweightSession(database);
        var existing = id is { } known ? await session.LoadAsync<Publication>(known, ct) ?? throw RuleViolation.NotFound("no such publication") : null;
        var now = time.GetUtcNow();
        var written = PublicationRules.Write(existing, PetitionIds.New(draft.Scope, now), draft, actor, now);
        session.Store(written);
        await SaveAsync(session, ct);
        return written;
    }

    public async Task<Publication> WithdrawAsync(Actor actor, bool anonymous, Guid id, CancellationToken ct)
    {
        PublicationRules.EnsureMayWrite(actor, anonymous);
        var database = await DatabaseOfIdAsync(id) ?? throw RuleViolation.NotFound("no such publication");
        await using var session = store.LightweightSession(database);
        var publication = await session.LoadAsync<Publication>(id, ct) ?? throw RuleViolation.NotFound("no such publication");
        PublicationRules.Withdraw(publication, time.GetUtcNow());
        session.Store(publication);
        await SaveAsync(session, ct);
        return publication;
    }

    /// <summary>One publication as <paramref name="reader"/> may see it; null when there is none or it is withdrawn and the reader is not ADMIN.</summary>
    public async Task<Publication?> FindAsync(Actor reader, Guid id, CancellationToken ct)
    {
        if (await DatabaseOfIdAsync(id) is not { } database)
            return null;
        await using var session = store.QuerySession(database);
        var publication = await session.LoadAsync<Publication>(id, ct);
        return publication is not null && publication.IsVisibleTo(reader) ? publication : null;
    }

    /// <summary>
    /// What a province's citizens see: the province's texts and the nation's, newest first (then by id); with no
    /// province, the nation's only. Withdrawn ones only for ADMIN and when asked.
    /// </summary>
    public async Task<IReadOnlyList<Publication>> ListAsync(Actor reader, string? province, PublicationKind? kind, bool includeWithdrawn,
        CancellationToken ct)
    {
        if (province is not null)
            PublicationRules.EnsureScope(province);
        var withdrawnToo = includeWithdrawn && reader.Role == Role.Admin;
        var scopes = new List<string> { DepartmentDirectory.NationalCode };
        if (province is not null && !Provinces.IsNational(province))
            scopes.Add(province);
        var byDatabase = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            // A scope with no database holds no text: a province not served here, or the nation in a federation without its office's database.
            if (await DatabaseOfScopeOrNullAsync(scope) is not { } database)
                continue;
            (byDatabase.TryGetValue(database, out var list) ? list : byDatabase[database] = []).Add(scope);
        }
        var all = new List<Publication>();
        foreach (var (database, inScopes) in byDatabase)
        {
            await using var session = store.QuerySession(database);
            var query = session.Query<Publication>().Where(p => inScopes.Contains(p.Scope));
            if (kind is { } k)
                query = query.Where(p => p.Kind == k);
            if (!withdrawnToo)
                query = query.Where(p => p.Status == PublicationStatus.Published);
            all.AddRange(await query.OrderByDescending(p => p.PublishedAt).Take(ListBound).ToListAsync(ct));
        }
        return [.. all.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id)];
    }

    /// <summary>The database a scope's texts are written to: VALIDATION when the scope has none here.</summary>
    private async Task<string> DatabaseOfScopeAsync(string scope) =>
        await DatabaseOfScopeOrNullAsync(scope) ?? throw (Provinces.IsNational(scope)
            ? RuleViolation.Validation("national publications need the national office's database (province 000000) in a federation")
            : RuleViolation.NotFound("no database serves that province"));

    private async Task<string?> DatabaseOfScopeOrNullAsync(string scope)
    {
        if (await provinces.ServesAsync(scope))
            return scope;
        if (!Provinces.IsNational(scope))
            return null;
        // No national office's database: with one province database, it holds the nation's texts too.
        var all = await provinces.AllAsync();
        return all.Count == 1 ? all[0] : null;
    }

    /// <summary>The database an id names (null when it names none served here).</summary>
    private async Task<string?> DatabaseOfIdAsync(Guid id) =>
        PetitionIds.ProvinceOf(id) is { } scope ? await DatabaseOfScopeOrNullAsync(scope) : null;

    private static async Task SaveAsync(IDocumentSession session, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw RuleViolation.Concurrency("another version was written since: read the publication again");
        }
    }
}
