using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Rules;
using JasperFx.Events;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// What a feed reader or a subscriber selects: the pull feed's arguments (Query.events) and the
/// subscription's PetitionEventFilter. Department and region filters select on the department and region
/// path stored in each event; <see cref="RegionCodes"/> (any of them, each with its subtree) may span
/// provinces, and is then read from the national log.
/// </summary>
public sealed record FeedQuery(long After, int First, Guid? PetitionId, string? DepartmentId,
    bool IncludeSubordinates = false, IReadOnlySet<string>? Types = null, IReadOnlyList<string>? RegionCodes = null)
{
    /// <summary>Most region codes one filter may name.</summary>
    public const int MaxRegionCodes = 100;

    /// <summary>
    /// The region codes of a filter, each checked against the directory and written in its 6- or 9-digit
    /// form; null for none. VALIDATION (naming the argument, never echoing a value) for an unknown code or too many.
    /// </summary>
    public static IReadOnlyList<string>? ReadRegionCodes(IReadOnlyList<string>? codes, DepartmentDirectory directory, string argument)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (codes is null || codes.Count == 0)
            return null;
        if (codes.Count > MaxRegionCodes)
            throw RuleViolation.Validation($"{argument} names at most {MaxRegionCodes} regions");
        return [.. codes.Select(code => directory.FindRegion(code)?.Code
            ?? throw RuleViolation.Validation($"{argument} holds a region code that is not in the directory")).Distinct(StringComparer.Ordinal)];
    }
}

/// <summary>
/// One event of a log with its petition's current state and its position in that log: its own sequence
/// in a province's log, the national log's sequence in the national one; and the province whose database holds it.
/// </summary>
public sealed record LoggedEvent(IEvent Event, Petition? Petition, long Position, string Province) : ConfidentialRecord;

/// <summary>A run of a committed log: the events in (after, <see cref="ScannedTo"/>] with their petitions' current state.</summary>
public sealed record RawEvents(IReadOnlyList<LoggedEvent> Events, long ScannedTo);

/// <summary>
/// The pull feed and the subscriptions' reader over the logs a caller follows: a province database's
/// own log, or the <see cref="NationalLog"/> (key <see cref="NationalLog.Key"/>) for a scope that spans
/// provinces. A cursor (<c>after</c>, <c>sequence</c>) is a position in the log its query reads.
/// </summary>
public sealed class EventFeed(IDocumentStore store, ProvinceDatabases provinces, CommittedPrefix prefix, NationalLog national,
    NationalRelay relay, RuleBook rules, ILogger<EventFeed> logger)
{
    private const int Batch = 500;

    /// <summary>
    /// The sequence up to which every event of a log is committed or known dead: a province's committed
    /// prefix (<see cref="CommittedPrefix"/>); the national log's end, since it commits its sequences in order.
    /// </summary>
    public async Task<long> SafeSequenceAsync(string log, CancellationToken ct) =>
        log == NationalLog.Key ? await national.EndAsync(ct) : await prefix.OfAsync(log, ct);

    /// <summary>How long a pull of the national feed waits for each province's relay round before it reads.</summary>
    public static readonly TimeSpan RelayWait = TimeSpan.FromSeconds(2);

    /// <summary>One page of <paramref name="province"/>'s log for the caller, with each event's lens.</summary>
    public async Task<IReadOnlyList<EventNode>> ReadAsync(string province, FeedQuery query, Caller caller, CancellationToken ct)
    {
        // A pull of the national log first relays what the provinces committed (each node's live loops also
        // do, every poll): a reader sees in the national log what it would see in the province's own. A
        // province database that hangs delays the page by RelayWait at most; its events follow, numbered later.
        if (province == NationalLog.Key)
            await relay.RelayAllAsync(RelayWait, ct);
        var safe = await SafeSequenceAsync(province, ct);
        var (page, _) = await ReadUpToAsync(province, query, caller, safe, ct);
        return page;
    }

    /// <summary>
    /// The log a feed query reads: its petition's province's, its department's, else the caller's scope's
    /// (<see cref="ProvinceDatabases.ForRegionAsync"/>); the <see cref="NationalLog"/> when that scope is the
    /// national root, however many provinces are served (so a national cursor stays valid when a province
    /// database is added); null when the petition is in no province served.
    /// </summary>
    public async ValueTask<string?> LogOfAsync(FeedQuery query, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(caller);
        if (query.PetitionId is { } id)
            return await provinces.OfPetitionAsync(id);
        if (query.RegionCodes is { Count: > 0 } regions)
        {
            // Regions of one province (with the department filtered on, if any): that province's log, as for a
            // department. Regions of several, or the nation: the national log, whose one sequence spans them.
            var named = regions.Concat(query.DepartmentId is { } filtered && rules.Directory.FindDepartment(filtered) is { } f ? [f.RegionCode] : []);
            var spanned = named.Select(r => Provinces.Of(r) ?? "").Distinct(StringComparer.Ordinal).ToList();
            return spanned.Count == 1 && !Provinces.IsNational(spanned[0]) ? await provinces.ForRegionAsync(regions[0]) : NationalLog.Key;
        }
        var department = query.DepartmentId ?? caller.Actor.DepartmentId;
        var region = department is not null && rules.Directory.FindDepartment(department) is { } d ? d.RegionCode : DepartmentDirectory.NationalCode;
        return Provinces.IsNational(Provinces.Of(region) ?? "") ? NationalLog.Key : await provinces.ForRegionAsync(region);
    }

    /// <summary>
    /// Up to <c>query.First</c> events the caller may follow with sequences in (query.After, upper],
    /// where <paramref name="upper"/> is a committed-prefix bound (<see cref="SafeSequenceAsync"/>);
    /// also how far the log was scanned, so that a subscriber can continue without gap or duplicate.
    /// </summary>
    public async Task<(IReadOnlyList<EventNode> Page, long ScannedTo)> ReadUpToAsync(string province, FeedQuery query, Caller caller, long upper, CancellationToken ct)
    {
        var selector = Selector(query, caller);
        var result = new List<EventNode>(Math.Min(query.First, Batch));
        var after = query.After;
        while (result.Count < query.First && after < upper)
        {
            var raw = await ReadRawAsync(province, after, upper, query.PetitionId, Batch, ct);
            if (raw.Events.Count == 0)
            {
                after = raw.ScannedTo;
                break;
            }
            foreach (var logged in raw.Events)
            {
                after = logged.Position;
                if (At(selector(logged.Event, logged.Petition), logged) is { } node)
                {
                    result.Add(node);
                    if (result.Count == query.First)
                        break;
                }
            }
            if (result.Count < query.First)
                after = raw.ScannedTo;
        }
        return (result, after);
    }

    /// <summary>
    /// The stored events with sequences in (after, upper], oldest first, at most <paramref name="limit"/>,
    /// each with its petition's current state (loaded in one batch). <see cref="RawEvents.ScannedTo"/> is
    /// the last sequence covered: <paramref name="upper"/> when fewer than the limit were found.
    /// </summary>
    public async Task<RawEvents> ReadRawAsync(string province, long after, long upper, Guid? petitionId, int limit, CancellationToken ct)
    {
        if (after >= upper)
            return new RawEvents([], after);
        if (province == NationalLog.Key)
            return await ReadNationalAsync(after, upper, limit, ct);
        await using var session = store.QuerySession(province);
        var q = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= upper);
        if (petitionId is { } pid)
            q = q.Where(e => e.StreamId == pid);
        var batch = await q.OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        var ids = batch.Select(e => e.StreamId).Distinct().ToArray();
        var petitions = ids.Length == 0
            ? new Dictionary<Guid, Petition>()
            : (await session.LoadManyAsync<Petition>(ct, ids)).ToDictionary(p => p.Id);
        var events = batch.Select(e => new LoggedEvent(e, petitions.GetValueOrDefault(e.StreamId), e.Sequence, province)).ToList();
        return new RawEvents(events, batch.Count < limit ? upper : batch[^1].Sequence);
    }

    /// <summary>
    /// A run of the national log: its entries, then the events they point at, read from each province's
    /// database once per page (with their petitions), in the national log's order and numbering.
    /// </summary>
    private async Task<RawEvents> ReadNationalAsync(long after, long upper, int limit, CancellationToken ct)
    {
        var entries = await national.ReadAsync(after, upper, limit, ct);
        var found = new Dictionary<(string Province, long Sequence), (IEvent Event, Petition? Petition)>();
        foreach (var group in entries.GroupBy(e => e.Province))
        {
            await using var session = store.QuerySession(group.Key);
            var sequences = group.Select(e => e.ProvinceSequence).ToArray();
            var events = await session.Events.QueryAllRawEvents().Where(e => sequences.Contains(e.Sequence)).ToListAsync(ct);
            var ids = events.Select(e => e.StreamId).Distinct().ToArray();
            var petitions = ids.Length == 0
                ? new Dictionary<Guid, Petition>()
                : (await session.LoadManyAsync<Petition>(ct, ids)).ToDictionary(p => p.Id);
            foreach (var e in events)
                found[(group.Key, e.Sequence)] = (e, petitions.GetValueOrDefault(e.StreamId));
        }
        var logged = new List<LoggedEvent>(entries.Count);
        foreach (var entry in entries)
        {
            // The event relayed, by its id where the entry keeps it: a province database restored to a point
            // before events it had relayed has lost them, or handed their sequences to other events since.
            if (found.TryGetValue((entry.Province, entry.ProvinceSequence), out var hit) && (entry.Event is not { } id || hit.Event.Id == id))
                logged.Add(new LoggedEvent(hit.Event, hit.Petition, entry.Sequence, entry.Province));
            else
                logger.LogWarning("National log entry {Sequence} points at event {ProvinceSequence} of province {Province}, which its database no longer holds",
                    entry.Sequence, entry.ProvinceSequence, entry.Province);
        }
        return new RawEvents(logged, entries.Count < limit ? upper : entries[^1].Sequence);
    }

    /// <summary>
    /// A selected event numbered by its position in the log read (the national log renumbers), keeping
    /// where it is stored: its province and its sequence there (the event chain's numbering).
    /// </summary>
    public static EventNode? At(EventNode? node, LoggedEvent logged) =>
        node is null ? null : node with
        {
            Event = node.Event with { Sequence = logged.Position },
            Province = logged.Province,
            ProvinceSequence = logged.Event.Sequence,
            EventId = logged.Event.Id,
        };

    /// <summary>
    /// The one rule of what a caller receives from the log, for the pull feed and the subscriptions
    /// alike: the filter, the integrator's scope, the read right, and the lens (masking).
    /// </summary>
    public Func<IEvent, Petition?, EventNode?> Selector(FeedQuery query, Caller caller)
    {
        var directory = rules.Directory;
        var scopePath = ScopePath(caller, directory);
        string? departmentPath = null;
        if (query.DepartmentId is { } deptId && query.IncludeSubordinates
            && directory.FindDepartment(deptId) is { Kind: DepartmentKind.PetitionOffice } office)
            departmentPath = string.Join('.', directory.RegionPath(office.RegionCode));
        var regionPaths = query.RegionCodes?.Select(r => string.Join('.', directory.RegionPath(r))).ToArray();
        return (e, petition) =>
        {
            if (e.Data is not IPetitionEvent data)
                return null;
            if (query.PetitionId is { } pid && e.StreamId != pid)
                return null;
            if (query.Types is { Count: > 0 } types && !types.Contains(e.EventType.Name))
                return null;
            if (departmentPath is not null ? !Jurisdiction.InRegionScope(data.RegionPath, departmentPath)
                : query.DepartmentId is { } dept && data.DepartmentId != dept)
                return null;
            if (regionPaths is not null && !regionPaths.Any(path => Jurisdiction.InRegionScope(data.RegionPath, path)))
                return null;
            if (scopePath is not null && !Jurisdiction.InRegionScope(data.RegionPath, scopePath))
                return null;
            if (petition is null || !MayRead(petition, caller, directory))
                return null;
            return new EventNode(StoredEvent.From(e), PetitionLens.Of(petition, caller, directory));
        };
    }

    /// <summary>The domain's rule (<see cref="Jurisdiction.EnsureMayFollowFeed"/>).</summary>
    public static void EnsureMayFollow(Caller caller) => Jurisdiction.EnsureMayFollowFeed(caller.Actor, caller.Anonymous);

    private static bool MayRead(Petition p, Caller caller, DepartmentDirectory directory) =>
        Jurisdiction.MayFollow(p, caller.Actor, caller.Anonymous, directory);

    private static string? ScopePath(Caller caller, DepartmentDirectory directory) => Jurisdiction.FeedScopePath(caller.Actor, directory);
}
