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
/// subscription's PetitionEventFilter. Department filters select on the department and region path
/// stored in each event.
/// </summary>
public sealed record FeedQuery(long After, int First, Guid? PetitionId, string? DepartmentId,
    bool IncludeSubordinates = false, IReadOnlySet<string>? Types = null);

/// <summary>A run of the committed log: the events in (after, <see cref="ScannedTo"/>] with their petitions' current state.</summary>
public sealed record RawEvents(IReadOnlyList<(IEvent Event, Petition? Petition)> Events, long ScannedTo);

public sealed class EventFeed(IDocumentStore store, ProvinceDatabases provinces, RuleBook rules, EventFeedOptions options)
{
    /// <summary>A hole in the sequence seen for longer than this is a rolled-back append, not one still committing.</summary>
    private readonly TimeSpan _deadGapAge = TimeSpan.FromSeconds(options.DeadGapSeconds);

    private const int Batch = 500;

    /// <summary>When this process first saw each hole (by the sequence number missing), on the real clock.</summary>
    private readonly ConcurrentDictionary<(string Province, long Sequence), long> _holesSeen = new();

    /// <summary>
    /// The sequence up to which every event is committed or known dead: the async daemon's high-water
    /// mark (mt_event_progression 'HighWaterMark') when it runs, then the contiguous run of committed
    /// sequences above it. A hole (a number reserved by an append still in flight, or rolled back)
    /// stops the run until it has been seen for <see cref="EventFeedOptions.DeadGapSeconds"/>, the daemon's own rule for
    /// dead gaps; an append that commits within that time is delivered in order.
    /// </summary>
    public async Task<long> SafeSequenceAsync(string province, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var conn = (NpgsqlConnection)(await provinces.DatabaseAsync(province)).CreateConnection();
        await conn.OpenAsync(ct);
        long mark = 0;
        await using (var cmd = new NpgsqlCommand($"select last_seq_id from {schema}.mt_event_progression where name = 'HighWaterMark'", conn))
        {
            if (await cmd.ExecuteScalarAsync(ct) is long daemonMark)
                mark = daemonMark;
        }
        while (true)
        {
            await using var cmd = new NpgsqlCommand(
                $"select seq_id from {schema}.mt_events where seq_id > @mark order by seq_id limit @batch", conn);
            cmd.Parameters.AddWithValue("mark", mark);
            cmd.Parameters.AddWithValue("batch", Batch);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var rows = 0;
            while (await reader.ReadAsync(ct))
            {
                rows++;
                var seq = reader.GetInt64(0);
                if (seq != mark + 1 && !IsDead(province, mark + 1))
                    return mark;
                mark = seq;
            }
            if (rows < Batch)
                return mark;
        }
    }

    private bool IsDead(string province, long missing)
    {
        var now = Stopwatch.GetTimestamp();
        var first = _holesSeen.GetOrAdd((province, missing), now);
        if (_holesSeen.Count > 10_000)
            _holesSeen.Clear();
        return Stopwatch.GetElapsedTime(first, now) >= _deadGapAge;
    }

    /// <summary>One page of <paramref name="province"/>'s log for the caller, with each event's lens.</summary>
    public async Task<IReadOnlyList<EventNode>> ReadAsync(string province, FeedQuery query, Caller caller, CancellationToken ct)
    {
        var safe = await SafeSequenceAsync(province, ct);
        var (page, _) = await ReadUpToAsync(province, query, caller, safe, ct);
        return page;
    }

    /// <summary>
    /// The province whose log a feed query reads: its petition's, its department's, else the caller's
    /// (<see cref="ProvinceDatabases.ForRegionAsync"/>); null when the petition is in no province served.
    /// </summary>
    public async ValueTask<string?> ProvinceOfAsync(FeedQuery query, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(caller);
        if (query.PetitionId is { } id)
            return await provinces.OfPetitionAsync(id);
        var department = query.DepartmentId ?? caller.Actor.DepartmentId;
        var region = department is not null && rules.Directory.FindDepartment(department) is { } d ? d.RegionCode : DepartmentDirectory.NationalCode;
        return await provinces.ForRegionAsync(region);
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
            foreach (var (e, petition) in raw.Events)
            {
                after = e.Sequence;
                if (selector(e, petition) is { } node)
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
        await using var session = store.QuerySession(province);
        var q = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= upper);
        if (petitionId is { } pid)
            q = q.Where(e => e.StreamId == pid);
        var batch = await q.OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        var ids = batch.Select(e => e.StreamId).Distinct().ToArray();
        var petitions = ids.Length == 0
            ? new Dictionary<Guid, Petition>()
            : (await session.LoadManyAsync<Petition>(ct, ids)).ToDictionary(p => p.Id);
        var events = batch.Select(e => (e, petitions.GetValueOrDefault(e.StreamId))).ToList();
        return new RawEvents(events, batch.Count < limit ? upper : batch[^1].Sequence);
    }

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
