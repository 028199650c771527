using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Deadlines;

namespace CaseEngine.Workflow.Deadlines;

public enum TimerAct { MarkMissed, CloseWindow }

/// <summary>
/// A running clock's due moment, written in the same transaction as the command that started
/// it, so it survives restarts. The sweep fires it when the injected clock passes DueAt; the
/// decision it sends is idempotent, so firing twice (two nodes, a crash) appends once.
/// </summary>
public sealed class DeadlineTimer
{
    public string Id { get; set; } = "";
    public Guid PetitionId { get; set; }
    public Stage Stage { get; set; }
    public int Instance { get; set; }
    public string? SupervisionId { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public TimerAct Act { get; set; }

    /// <summary>The timers a petition in this state needs: one per running clock.</summary>
    public static IEnumerable<DeadlineTimer> For(Petition? petition) =>
        petition is null ? [] : DeadlineDecisions.RunningClocks(petition).Select(c => new DeadlineTimer
        {
            Id = $"{petition.Id:N}:{c.Stage}:{c.Instance}:{c.SupervisionId}",
            PetitionId = petition.Id,
            Stage = c.Stage,
            Instance = c.Instance,
            SupervisionId = c.SupervisionId,
            DueAt = c.Due.DueAt,
            Act = c.Obligation ? TimerAct.MarkMissed : TimerAct.CloseWindow,
        });
}
