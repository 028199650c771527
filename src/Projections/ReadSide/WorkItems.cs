using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;

namespace CaseEngine.Projections.ReadSide;

/// <summary>One open inbox item as stored: what a department must act on for one petition.</summary>
/// <remarks>
/// The row carries the petition fields an inbox page shows (id, case number, subject, category,
/// status) and what the read right asks of staff (the petition's <see cref="Petition.Departments"/>),
/// so a page that selects only those reads no petition document. Its department is always one of
/// those departments (the current department, or the supervised one, which was current when the
/// supervision was issued), and they only grow: whoever may read the department's work queue may
/// read every row's petition (Jurisdiction.CanRead; tested over the random walks). The API still
/// checks the read right of every row against its departments, written from the fold apart from the
/// choice of the row's department, so a row put in the wrong department is not shown.
/// </remarks>
public sealed record InboxRow(
    string ItemId, Guid PetitionId, string DepartmentId, string RegionPath, Stage Stage,
    DateTimeOffset ReceivedAt, DateTimeOffset? DueAt, bool Paused, string? AssignedOfficerId,
    PetitionCategory Category, string Subject, string CaseNumber, bool SuspectedDuplicate, string? SupervisionId,
    PetitionStatus Status, IReadOnlyList<string> Departments);

/// <summary>One recorded missed deadline whose stage instance is still open, as stored.</summary>
public sealed record OverdueRow(
    string OverdueId, Guid PetitionId, string DepartmentId, string RegionPath, Stage Stage, int StageInstance,
    string? SupervisionId, DateTimeOffset DueAt, DateTimeOffset MissedAt, int SupervisionCount,
    PetitionCategory Category, string Subject, string CaseNumber);

/// <summary>
/// The open work of one petition, from its events alone (no directory, no clock): the inbox
/// items and the overdue entries. Pure, so a rebuild computes exactly what live processing did.
/// </summary>
public static class WorkItems
{
    public static string MainItemId(Guid petitionId, int instance) => $"{petitionId:N}-M{instance}";

    /// <param name="events">the petition's events in stream order, from its first</param>
    public static (Petition State, List<InboxRow> Inbox, List<OverdueRow> Overdue) From(IReadOnlyList<IPetitionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var s = Petition.Fold(events);
        var inbox = new List<InboxRow>();
        var suspected = s.SuspectedDuplicates.Count > 0;

        if (!s.IsFinal && s.Clock is { } clock && clock.Stage.IsStaffStage() && clock.Stage == s.Stage)
        {
            // The clock's instance is the stream version of the event that opened the stage: the item arrived then.
            var opened = events[clock.Instance - 1];
            inbox.Add(new InboxRow(MainItemId(s.Id, clock.Instance), s.Id, s.CurrentDepartmentId, s.CurrentRegionPath,
                clock.Stage, opened.At, clock.Due.DueAt, clock.Paused, s.AssignedOfficerId, s.Category, s.Subject,
                s.CaseNumber, suspected, null, s.Status, s.Departments));
        }
        foreach (var v in s.Supervisions.Where(v => v.IsOpen))
        {
            // Answerable until answered, even after the petition moved on; withdrawal stops its clock (paused).
            var officer = v.SupervisedDepartmentId == s.CurrentDepartmentId && !s.IsFinal ? s.AssignedOfficerId : null;
            inbox.Add(new InboxRow(v.Id, s.Id, v.SupervisedDepartmentId, v.SupervisedRegionPath, Stage.SupervisionResponse,
                v.IssuedAt, v.Due.DueAt, v.ClockStopped, officer, s.Category, s.Subject, s.CaseNumber, suspected, v.Id,
                s.Status, s.Departments));
        }

        var overdue = new List<OverdueRow>();
        foreach (var missed in events.OfType<DeadlineMissed>())
        {
            bool open;
            string id;
            if (missed.SupervisionId is { } supervisionId)
            {
                var v = s.Supervisions.FirstOrDefault(x => x.Id == supervisionId);
                open = v is { IsOpen: true, ClockStopped: false };
                id = supervisionId;
            }
            else
            {
                open = !s.IsFinal && s.Clock is { } c && c.Instance == missed.StageInstance && c.Stage == missed.Stage;
                id = MainItemId(s.Id, missed.StageInstance);
            }
            if (open)
                overdue.Add(new OverdueRow(id, s.Id, missed.LateDepartmentId, missed.LateRegionPath, missed.Stage,
                    missed.StageInstance, missed.SupervisionId, missed.DueAt, missed.At, s.Supervisions.Count,
                    s.Category, s.Subject, s.CaseNumber));
        }
        return (s, inbox, overdue);
    }
}
