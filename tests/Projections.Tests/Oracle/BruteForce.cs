using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using JasperFx.Events;

namespace CaseEngine.Projections.Tests.Oracle;

/// <summary>
/// The read models recomputed by brute force from the raw event log, following domain.md's
/// attribution table directly and written independently of the projections: departments are
/// taken from the stream (the department before the event, the replying department, ...), on-time
/// flags are re-derived from the due moment before the event, and a merged petition is simply
/// never counted as received. Rows are formatted as strings so sets compare field by field.
/// </summary>
public static class BruteForce
{
    private static readonly TimeZoneInfo Shanghai = CaseEngine.Domain.Clocks.DeploymentZone.Zone;

    public const int Counters = 16;

    public static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Shanghai).DateTime);

    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");

    public static string Iso(DateTimeOffset? at) => at is { } a ? Iso(a) : "-";

    /// <summary>(dept|path|day|channel|category) → 16 counters + handling days sum, non-zero rows only.</summary>
    public static Dictionary<string, (long[] Counts, double HandlingDays)> Statistics(IReadOnlyList<IEvent> log)
    {
        var rows = new Dictionary<string, (long[] Counts, double HandlingDays)>();
        void Count(string dept, string path, DateTimeOffset at, Channel channel, PetitionCategory category, int counter, double days = 0)
        {
            var key = $"{dept}|{path}|{Day(at):yyyy-MM-dd}|{channel}|{category}";
            if (!rows.TryGetValue(key, out var row))
                rows[key] = row = (new long[Counters], 0);
            row.Counts[counter]++;
            rows[key] = (row.Counts, row.HandlingDays + days);
        }

        foreach (var stream in log.GroupBy(e => e.StreamId))
        {
            var events = stream.OrderBy(e => e.Version).Select(e => (IPetitionEvent)e.Data).ToList();
            var merged = events.OfType<DuplicateLinked>().Any();
            Petition? before = null;
            string? replyDept = null, replyPath = null, reviewDept = null, reviewPath = null;
            foreach (var e in events)
            {
                var s = before;
                var channel = s?.Channel ?? ((PetitionSubmitted)e).Channel;
                var category = s?.Category ?? ((PetitionSubmitted)e).Category;
                bool InTime() => e.At < s!.Clock!.Due.DueAt;
                switch (e)
                {
                    case PetitionSubmitted x when !merged:
                        Count(x.DepartmentId, x.RegionPath, x.ReceivedAt, x.Channel, x.Category, 0);
                        if (x.Channel is not (Channel.Letter or Channel.Visit))
                            Count(x.DepartmentId, x.RegionPath, x.ReceivedAt, x.Channel, x.Category, 1);
                        break;
                    case PetitionForwarded or PetitionTransferredLevel or PetitionAccepted:
                        // The office that forwarded or transferred, or the agency that accepted: the department before the event.
                        Count(s!.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 2);
                        if (InTime())
                            Count(s.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 3);
                        break;
                    case PetitionDeclined:
                        Count(s!.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 4);
                        if (InTime())
                            Count(s.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 3);
                        break;
                    case ReplyIssued x:
                        replyDept = s!.CurrentDepartmentId;
                        replyPath = s.CurrentRegionPath;
                        Count(replyDept, replyPath, e.At, channel, category, 5);
                        if (InTime())
                            Count(replyDept, replyPath, e.At, channel, category, 6);
                        var hearing = events.TakeWhile(h => !ReferenceEquals(h, e)).OfType<HearingConcluded>()
                            .Where(h => h.Stage == Stage.Handling).Aggregate(TimeSpan.Zero, (t, h) => t + h.Length);
                        var acceptedAt = events.OfType<PetitionAccepted>().Last(a => a.At <= e.At).At;
                        Count(replyDept, replyPath, e.At, channel, category, 15, (e.At - acceptedAt - hearing).TotalDays);
                        break;
                    case DeadlineMissed x when x.SupervisionId is null:
                        Count(s!.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 7);
                        break;
                    case DeadlineMissed x:
                        {
                            var issued = events.OfType<SupervisionIssued>().Single(v => v.SupervisionId == x.SupervisionId);
                            Count(issued.SupervisedDepartmentId, issued.SupervisedRegionPath, e.At, channel, category, 7);
                            break;
                        }
                    case PetitionEvaluated x:
                        Count(replyDept!, replyPath!, e.At, channel, category, 8);
                        Count(replyDept!, replyPath!, e.At, channel, category, 9 + (int)x.Satisfaction);
                        break;
                    case ReviewRequested:
                        Count(replyDept!, replyPath!, e.At, channel, category, 12);
                        break;
                    case ReviewDecided:
                        reviewDept = s!.CurrentDepartmentId;
                        reviewPath = s.CurrentRegionPath;
                        break;
                    case ReReviewRequested:
                        Count(reviewDept!, reviewPath!, e.At, channel, category, 13);
                        break;
                    case SupervisionIssued:
                        // The department responsible when the notice was issued.
                        Count(s!.CurrentDepartmentId, s.CurrentRegionPath, e.At, channel, category, 14);
                        break;
                }
                before = Petition.Evolve(before, e);
            }
        }
        return rows;
    }

    private static readonly HashSet<Type> StageOpeners =
    [
        typeof(PetitionSubmitted), typeof(PetitionForwarded), typeof(PetitionTransferredLevel), typeof(PetitionReturned),
        typeof(PetitionAccepted), typeof(ReviewRequested), typeof(ReReviewRequested),
    ];

    private static readonly HashSet<Type> StageEnders =
    [
        typeof(PetitionForwarded), typeof(PetitionTransferredLevel), typeof(PetitionReturned), typeof(PetitionDeclined),
        typeof(PetitionAccepted), typeof(ReplyIssued), typeof(ReviewRequested), typeof(ReviewDecided), typeof(ReReviewRequested),
        typeof(ReReviewDecided), typeof(PetitionWithdrawn), typeof(PetitionClosed), typeof(PetitionTerminated), typeof(DuplicateLinked),
    ];

    /// <summary>
    /// Whether a flag is still standing: flagged candidates in log order, less those the office dismissed since
    /// (the workload dismisses a flag whenever one has arrived by the time it looks, so whether a petition ends
    /// flagged depends on timing, and an oracle that counted flags alone was wrong about one petition in a few runs).
    /// </summary>
    private static bool StillSuspected(IEnumerable<IPetitionEvent> events)
    {
        var standing = new HashSet<Guid>();
        foreach (var e in events)
        {
            if (e is DuplicateSuspected flagged)
                standing.Add(flagged.CandidatePetitionId);
            else if (e is SuspectedDuplicateDismissed dismissed)
                standing.Remove(dismissed.CandidatePetitionId);
        }
        return standing.Count > 0;
    }

    /// <summary>Inbox rows: "item|petition|dept|path|stage|received|due|paused|officer|category|subject|case|suspected|status|departments".</summary>
    public static HashSet<string> Inbox(IReadOnlyList<IEvent> log)
    {
        var rows = new HashSet<string>();
        foreach (var stream in log.GroupBy(e => e.StreamId))
        {
            var events = stream.OrderBy(e => e.Version).ToList();
            var data = events.Select(e => (IPetitionEvent)e.Data).ToList();
            var s = Petition.Fold(data);
            var suspected = StillSuspected(data);
            // The petition's departments: every department an event of it named, in the order they first came.
            var departments = string.Join(',', data.Select(e => e.DepartmentId).Distinct());
            var mainStage = s.Status switch
            {
                PetitionStatus.Registered => Stage.Routing,
                PetitionStatus.Forwarded => Stage.Acceptance,
                PetitionStatus.InHandling => Stage.Handling,
                PetitionStatus.UnderReview => Stage.Review,
                PetitionStatus.UnderReReview => Stage.ReReview,
                _ => (Stage?)null,
            };
            if (mainStage is { } stage)
            {
                var opener = events.Last(e => StageOpeners.Contains(e.Data.GetType()));
                var paused = data.OfType<HearingStarted>().Count() > data.OfType<HearingConcluded>().Count();
                rows.Add(string.Join('|', $"{s.Id:N}-M{opener.Version}", s.Id, s.CurrentDepartmentId, s.CurrentRegionPath, stage,
                    Iso(((IPetitionEvent)opener.Data).At), Iso(s.Clock!.Due.DueAt), paused, s.AssignedOfficerId ?? "-",
                    s.Category, s.Subject, s.CaseNumber, suspected, s.Status, departments));
            }
            var withdrawn = data.OfType<PetitionWithdrawn>().Any();
            foreach (var issued in data.OfType<SupervisionIssued>())
            {
                if (data.OfType<SupervisionAnswered>().Any(a => a.SupervisionId == issued.SupervisionId))
                    continue;
                var due = s.Supervisions.Single(v => v.Id == issued.SupervisionId).Due.DueAt;
                var officer = issued.SupervisedDepartmentId == s.CurrentDepartmentId && !s.IsFinal ? s.AssignedOfficerId ?? "-" : "-";
                rows.Add(string.Join('|', issued.SupervisionId, s.Id, issued.SupervisedDepartmentId, issued.SupervisedRegionPath,
                    Stage.SupervisionResponse, Iso(issued.At), Iso(due), withdrawn, officer, s.Category, s.Subject, s.CaseNumber, suspected,
                    s.Status, departments));
            }
        }
        return rows;
    }

    /// <summary>Overdue rows: "id|petition|dept|path|stage|instance|supervision|due|missed|supervisions|category|subject|case".</summary>
    public static HashSet<string> Overdue(IReadOnlyList<IEvent> log)
    {
        var rows = new HashSet<string>();
        foreach (var stream in log.GroupBy(e => e.StreamId))
        {
            var events = stream.OrderBy(e => e.Version).ToList();
            var data = events.Select(e => (IPetitionEvent)e.Data).ToList();
            var s = Petition.Fold(data);
            var supervisions = data.OfType<SupervisionIssued>().Count();
            for (var i = 0; i < events.Count; i++)
            {
                if (data[i] is not DeadlineMissed x)
                    continue;
                var later = events.Skip(i + 1).ToList();
                bool open;
                string id;
                string dept, path;
                if (x.SupervisionId is { } sid)
                {
                    open = !later.Any(e => e.Data is SupervisionAnswered a && a.SupervisionId == sid)
                        && !data.OfType<PetitionWithdrawn>().Any();
                    id = sid;
                    var issued = data.OfType<SupervisionIssued>().Single(v => v.SupervisionId == sid);
                    (dept, path) = (issued.SupervisedDepartmentId, issued.SupervisedRegionPath);
                }
                else
                {
                    open = !later.Any(e => StageEnders.Contains(e.Data.GetType()));
                    id = $"{s.Id:N}-M{x.StageInstance}";
                    (dept, path) = (data[i - 1].DepartmentId, data[i - 1].RegionPath);
                }
                if (open)
                    rows.Add(string.Join('|', id, s.Id, dept, path, x.Stage, x.StageInstance, x.SupervisionId ?? "-",
                        Iso(x.DueAt), Iso(x.At), supervisions, s.Category, s.Subject, s.CaseNumber));
            }
        }
        return rows;
    }
}
