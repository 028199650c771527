using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Tenancy;
using Marten;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// Reads petitions and their streams for one caller, checking the read right wherever a petition
/// is reached. Every call opens its own short query session: sibling resolvers run in parallel
/// and a Marten session is not thread-safe.
/// </summary>
public sealed class PetitionReader(IDocumentStore store, ProvinceDatabases provinces, RuleBook rules, AccessCodes accessCodes)
{
    public RuleBook Rules => rules;

    /// <summary>The petition from its province's database (the id names it); null when missing, or when the id names no province served.</summary>
    public async Task<Petition?> LoadAsync(Guid id, CancellationToken ct)
    {
        if (await provinces.OfPetitionAsync(id) is not { } province)
            return null;
        await using var session = store.QuerySession(province);
        return await session.LoadAsync<Petition>(id, ct);
    }

    /// <summary>Petitions by id, one read per province database they name; ids naming none are left out.</summary>
    public async Task<IReadOnlyList<Petition>> LoadManyAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var petitions = new List<Petition>();
        foreach (var (province, group) in await provinces.ByProvinceAsync(ids.Distinct(), id => id))
        {
            await using var session = store.QuerySession(province);
            petitions.AddRange(await session.LoadManyAsync<Petition>(ct, group.ToArray()));
        }
        return petitions;
    }

    /// <summary>The petition as the caller sees it, or null when missing or unreadable (the two look alike).</summary>
    public async Task<PetitionNode?> ReadAsync(Guid id, Caller caller, CancellationToken ct, bool accessCodeVerified = false)
    {
        var petition = await LoadAsync(id, ct);
        return petition is null ? null : Node(petition, caller, accessCodeVerified);
    }

    public PetitionNode? Node(Petition petition, Caller caller, bool accessCodeVerified = false) =>
        PetitionLens.For(petition, caller, rules.Directory, accessCodeVerified) is { } lens ? new PetitionNode(petition, lens) : null;

    /// <summary>Like <see cref="ReadAsync"/> but a missing or unreadable petition is NOT_FOUND.</summary>
    public async Task<PetitionNode> RequireAsync(Guid id, Caller caller, CancellationToken ct) =>
        await ReadAsync(id, caller, ct) ?? throw RuleViolation.NotFound("no petition with that id");

    /// <summary>trackPetition: the case number and the access code make the caller the petitioner.</summary>
    public async Task<PetitionNode?> TrackAsync(string caseNumber, string accessCode, Caller caller, CancellationToken ct)
    {
        // The case number names its entry region, so its province: one database is asked.
        if (await provinces.OfCaseNumberAsync(caseNumber) is not { } province)
            return null;
        await using var session = store.QuerySession(province);
        var petition = await session.Query<Petition>().Where(p => p.CaseNumber == caseNumber.Trim()).FirstOrDefaultAsync(ct);
        if (petition is null || !accessCodes.Verify(petition.Id, petition.Link, accessCode))
            return null;
        var (actor, anonymous) = Jurisdiction.TrackingCaller(caller.Actor, caller.Anonymous);
        return Node(petition, new Caller(actor, anonymous), accessCodeVerified: true);
    }

    /// <summary>
    /// myPetitions: the newest <paramref name="first"/> petitions the caller (a PETITIONER) submitted with its
    /// token in one province's database, one indexed read; empty where the province has no database here.
    /// </summary>
    public async Task<IReadOnlyList<PetitionNode>> OwnAsync(string province, int first, Caller caller, CancellationToken ct)
    {
        Jurisdiction.EnsureMayListOwnPetitions(caller.Actor, caller.Anonymous);
        if (!await provinces.ServesAsync(province))
            return [];
        await using var session = store.QuerySession(province);
        var submitter = caller.Actor.Id;
        var petitions = await session.Query<Petition>().Where(p => p.SubmitterId == submitter)
            .OrderByDescending(p => p.ReceivedAt).Take(first).ToListAsync(ct);
        // Each through the same lens as petition(id): the petitioner's own view.
        return [.. petitions.Select(p => Node(p, caller)).OfType<PetitionNode>()];
    }

    /// <summary>Petitions linked as duplicates of this one that the caller may read.</summary>
    public async Task<IReadOnlyList<PetitionNode>> DuplicatesAsync(Guid id, Caller caller, CancellationToken ct)
    {
        if (await provinces.OfPetitionAsync(id) is not { } province)
            return [];
        await using var session = store.QuerySession(province);
        var linked = await session.Query<Petition>().Where(p => p.DuplicateOf == id).ToListAsync(ct);
        return [.. linked.OrderBy(p => p.ReceivedAt).Select(p => Node(p, caller)).OfType<PetitionNode>()];
    }

    /// <summary>
    /// The flags on a petition with each candidate as the caller sees it: null where the caller may
    /// not read the candidate (the flag itself is the office's work on its own petition).
    /// </summary>
    public async Task<IReadOnlyList<SuspectedDuplicateNode>> SuspectedDuplicatesAsync(Petition petition, Caller caller, CancellationToken ct)
    {
        if (petition.SuspectedDuplicates.Count == 0)
            return [];
        var candidates = (await LoadManyAsync(petition.SuspectedDuplicates.Select(d => d.CandidatePetitionId), ct)).ToDictionary(p => p.Id);
        return [.. petition.SuspectedDuplicates.Select(d => new SuspectedDuplicateNode(d,
            candidates.TryGetValue(d.CandidatePetitionId, out var candidate) ? Node(candidate, caller) : null))];
    }

    /// <summary>Events <paramref name="fromVersion"/>..<paramref name="toVersion"/> of a petition the caller was checked for (<see cref="HistoryQueries"/>).</summary>
    public async Task<IReadOnlyList<StoredEvent>> HistoryAsync(Guid id, int? fromVersion, int? toVersion, CancellationToken ct)
    {
        if (await provinces.OfPetitionAsync(id) is not { } province)
            return [];
        await using var session = store.QuerySession(province);
        return await HistoryQueries.HistoryAsync(session, id, fromVersion, toVersion, ct);
    }

    /// <summary>The petition as of a version or a moment (<see cref="HistoryQueries.AsOfAsync"/>); null before its first event.</summary>
    public async Task<Petition?> AsOfAsync(Guid id, int? version, DateTimeOffset? at, CancellationToken ct)
    {
        if (await provinces.OfPetitionAsync(id) is not { } province)
            return null;
        await using var session = store.QuerySession(province);
        return await HistoryQueries.AsOfAsync(session, id, version, at, ct);
    }
}

/// <param name="Candidate">the candidate as the caller sees it; null when it may not read it</param>
public sealed record SuspectedDuplicateNode(SuspectedDuplicate Flag, PetitionNode? Candidate);
