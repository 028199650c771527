using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Workflow.Rules;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>The filter of the pull feed (Query.events).</summary>
public sealed record FeedQuery(long After, int First, Guid? PetitionId, string? DepartmentId);

/// <summary>
/// The global event feed in sequence order, never beyond the committed prefix (architecture.md,
/// Live events): reading up to max(seq_id) would let a client page past an event that commits
/// late, for good. Department filters and the integrator's scope select on the department and
/// region path stored in each event, so a resumed feed never changes its past.
/// </summary>
public sealed class EventFeed(IDocumentStore store, RuleBook rules)
{
    /// <summary>A hole in the sequence seen for longer than this is a rolled-back append, not one still committing.</summary>
    public static TimeSpan DeadGapAge { get; set; } = TimeSpan.FromSeconds(5);

    private const int Batch = 500;

    /// <summary>When this process first saw each hole (by the sequence number missing), on the real clock.</summary>
    private readonly ConcurrentDictionary<long, long> _holesSeen = new();

    /// <summary>
    /// The sequence up to which every event is committed or known dead: the async daemon's high-water
    /// mark (mt_event_progression 'HighWaterMark') when it runs, then the contiguous run of committed
    /// sequences above it. A hole (a number reserved by an append still in flight, or rolled back)
    /// stops the run until it has been seen for <see cref="DeadGapAge"/>, the daemon's own rule for
    /// dead gaps; an append that commits within that time is delivered in order.
    /// </summary>
    public async Task<long> SafeSequenceAsync(CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var conn = (NpgsqlConnection)store.Storage.Database.CreateConnection();
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
                if (seq != mark + 1 && !IsDead(mark + 1))
                    return mark;
                mark = seq;
            }
            if (rows < Batch)
                return mark;
        }
    }

    private bool IsDead(long missing)
    {
        var now = Stopwatch.GetTimestamp();
        var first = _holesSeen.GetOrAdd(missing, now);
        if (_holesSeen.Count > 10_000)
            _holesSeen.Clear();
        return Stopwatch.GetElapsedTime(first, now) >= DeadGapAge;
    }

    /// <summary>One page of the feed for the caller, with each event's lens.</summary>
    public async Task<IReadOnlyList<EventNode>> ReadAsync(FeedQuery query, Caller caller, CancellationToken ct)
    {
        var directory = rules.Directory;
        var scopePath = ScopePath(caller, directory);
        var safe = await SafeSequenceAsync(ct);
        var result = new List<EventNode>(query.First);
        var after = query.After;
        await using var session = store.QuerySession();
        var petitions = new Dictionary<Guid, Petition?>();
        while (result.Count < query.First && after < safe)
        {
            var upper = safe;
            var q = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after && e.Sequence <= upper);
            if (query.PetitionId is { } pid)
                q = q.Where(e => e.StreamId == pid);
            var batch = await q.OrderBy(e => e.Sequence).Take(Batch).ToListAsync(ct);
            if (batch.Count == 0)
                break;
            var missing = batch.Select(e => e.StreamId).Distinct().Where(id => !petitions.ContainsKey(id)).ToArray();
            if (missing.Length > 0)
            {
                var loaded = await session.LoadManyAsync<Petition>(ct, missing);
                foreach (var id in missing)
                    petitions[id] = loaded.FirstOrDefault(p => p.Id == id);
            }
            foreach (var e in batch)
            {
                after = e.Sequence;
                if (e.Data is not IPetitionEvent data)
                    continue;
                if (query.DepartmentId is { } dept && data.DepartmentId != dept)
                    continue;
                if (scopePath is not null && !InSubtree(data.RegionPath, scopePath))
                    continue;
                if (petitions[e.StreamId] is not { } petition || !MayRead(petition, caller, directory))
                    continue;
                result.Add(new EventNode(EventRecord.From(e), PetitionLens.Of(petition, caller, directory)));
                if (result.Count == query.First)
                    break;
            }
            if (batch.Count < Batch)
                break;
        }
        return result;
    }

    /// <summary>Who may follow the feed: AUDITOR, ADMIN, INTEGRATOR (its scope); staff for petitions they may read.</summary>
    public static void EnsureMayFollow(Caller caller)
    {
        if (caller.Anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "the event feed needs a token");
        if (caller.Role is Role.Petitioner)
            throw RuleViolation.Forbidden("the event feed is for auditors, integrators and staff");
    }

    private static bool MayRead(Petition p, Caller caller, DepartmentDirectory directory) =>
        caller.Role == Role.Integrator || Jurisdiction.CanRead(p, caller.Actor, directory, caller.Anonymous, false);

    /// <summary>An INTEGRATOR with a dept follows only events stored within that department's region subtree.</summary>
    private static string? ScopePath(Caller caller, DepartmentDirectory directory)
    {
        if (caller.Role != Role.Integrator || caller.DepartmentId is not { } dept)
            return null;
        var department = directory.FindDepartment(dept);
        return department is null ? "-" : string.Join('.', directory.RegionPath(department.RegionCode));
    }

    private static bool InSubtree(string regionPath, string scope) =>
        regionPath == scope || regionPath.StartsWith(scope + ".", StringComparison.Ordinal);
}
