using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Telemetry;
using CaseEngine.Workflow.Tenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Workflow.Deadlines;

/// <summary>
/// Fires the deadline timers whose due moment the injected <see cref="TimeProvider"/> has passed.
/// Wolverine's scheduled messages poll the wall clock, so statutory clocks cannot rest on them
/// alone: the timers are rows written with each command, and this sweep runs the system command each
/// one stands for, a batch at a time (<see cref="CommandBatch"/>). Each province's sweep runs on one
/// node, the one Wolverine's leader gave its agent (<see cref="DeadlineSweepAgents"/>), every
/// <see cref="DeadlineSweepOptions.IntervalSeconds"/> of real time; tests call <see cref="SweepAsync"/>.
/// Each firing has a command id derived from the timer, and the decisions are idempotent, so two
/// nodes sweeping one province at once (a handover) or a crash mid-sweep still append once.
/// </summary>
public sealed class DeadlineSweeper(IDocumentStore store, ProvinceDatabases provinces, CommandBatch batch, TimeProvider time,
    IServiceScopeFactory scopes, ILogger<DeadlineSweeper> logger, CaseEngineMetrics? metrics = null)
{
    private const int BatchSize = 200;

    /// <summary>Firings of one timer that failed (not refused) before it is set aside to the internal-commands queue.</summary>
    public const int AttemptsBeforeSettingAside = 3;

    // One sweep of a province at a time on this node; provinces sweep side by side, so a slow database holds back only its own.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>Fires every timer due at the injected clock's now, in every province's database; returns how many were fired.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var fired = 0;
        // Timers live beside their petitions: each province's database is swept on its own.
        foreach (var province in await provinces.AllAsync())
            fired += await SweepAsync(province, ct);
        return fired;
    }

    /// <summary>Fires every timer due at the injected clock's now in one province's database; returns how many were fired.</summary>
    public async Task<int> SweepAsync(string province, CancellationToken ct = default)
    {
        var gate = _gates.GetOrAdd(province, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            return await SweepProvinceAsync(province, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<int> SweepProvinceAsync(string province, CancellationToken ct)
    {
        {
            var fired = 0;
            while (true)
            {
                var now = time.GetUtcNow();
                IReadOnlyList<DeadlineTimer> due;
                await using (var session = store.QuerySession(province))
                {
                    due = await session.Query<DeadlineTimer>().Where(t => t.DueAt <= now)
                        .OrderBy(t => t.DueAt).Take(BatchSize).ToListAsync(ct);
                }
                // A batch takes one command per petition: a petition's second due timer goes in the next round.
                var firings = due.GroupBy(t => t.PetitionId).Select(g => g.First()).ToList();
                fired += await FireAsync(province, firings, ct);
                if (due.Count < BatchSize && firings.Count == due.Count)
                    return fired;
            }
        }
    }

    /// <summary>
    /// Fires the timers as one batch of system commands (a backlog after a holiday or an outage can
    /// hold thousands), then deletes the rows as they were fired.
    /// </summary>
    private async Task<int> FireAsync(string province, IReadOnlyList<DeadlineTimer> timers, CancellationToken ct)
    {
        if (timers.Count == 0)
            return 0;
        var commands = timers.Select(Command).ToList();
        IReadOnlyList<BatchOutcome> outcomes;
        try
        {
            outcomes = await batch.RunAsync(commands, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException and not RuleViolation)
        {
            if (timers.Count == 1)
                return await FailedAsync(province, timers[0], commands[0], e, ct);
            // One firing that fails must not hold back every other deadline (the earliest due always
            // comes first): each alone, so only the failing one waits, and is set aside if it keeps failing.
            var fired = 0;
            foreach (var timer in timers)
                fired += await FireAsync(province, [timer], ct);
            return fired;
        }
        foreach (var timer in timers)
            _failures.TryRemove(timer.Id, out _);
        await using var session = store.LightweightSession(province);
        RuleViolation? failure = null;
        foreach (var (timer, outcome, command) in timers.Zip(outcomes, commands))
        {
            Count(timer, outcome, command);
            if (outcome.Refusal is { Code: RuleCode.ConcurrencyConflict })
            {
                // Another command (or node) changed the petition meanwhile: the timer is still there if still due.
                logger.LogDebug("Deadline timer {TimerId} raced a concurrent change; it is retried on the next sweep", timer.Id);
                continue;
            }
            failure ??= outcome.Refusal;
            // A firing that appended nothing (the stage moved on) leaves a stale row only if the
            // reconcile did not remove it; delete it so it is not fired again.
            // Only the row as it was fired: a concurrent command may have moved it (a hearing, an extension).
            session.DeleteWhere<DeadlineTimer>(t => t.Id == timer.Id && t.DueAt == timer.DueAt);
        }
        await session.SaveChangesAsync(ct);
        // The engine's own decisions are not refused; if one is, the sweep fails loudly and retries.
        return failure is null ? timers.Count : throw failure;
    }

    /// <summary>
    /// A timer whose firing failed alone (not a refusal: an error, e.g. a commit the database refused).
    /// It stays and is tried on the next sweeps; after <see cref="AttemptsBeforeSettingAside"/> failures
    /// its command goes to the durable internal-commands queue with its command id (tried again there,
    /// then kept as a dead letter an ADMIN can list and replay) and the row is deleted, so it no longer
    /// holds a sweep. Nothing is lost: the command is stored before the row goes, and a repeat is
    /// answered by its command id.
    /// </summary>
    private async Task<int> FailedAsync(string province, DeadlineTimer timer, CommandEnvelope command, Exception error, CancellationToken ct)
    {
        var failures = _failures.AddOrUpdate(timer.Id, 1, (_, n) => n + 1);
        metrics?.Command(command.Name, "INTERNAL");
        if (failures < AttemptsBeforeSettingAside)
        {
            // Ids and the exception's type only: never a petition's data.
            logger.LogWarning("Deadline timer {TimerId} failed ({Error}, attempt {Attempt} of {Attempts}); tried again on the next sweep",
                timer.Id, error.GetType().Name, failures, AttemptsBeforeSettingAside);
            return 0;
        }
        await using (var scope = scopes.CreateAsyncScope())
            await DeadLetters.InternalCommand.RetryLaterAsync(scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>(), province, command);
        await using (var session = store.LightweightSession(province))
        {
            session.DeleteWhere<DeadlineTimer>(t => t.Id == timer.Id && t.DueAt == timer.DueAt);
            await session.SaveChangesAsync(ct);
        }
        _failures.TryRemove(timer.Id, out _);
        logger.LogWarning("Deadline timer {TimerId} failed {Attempts} times ({Error}); its command {CommandId} is set aside to the {Queue} queue (then the dead letters)",
            timer.Id, failures, error.GetType().Name, command.Meta.CommandId, DeadLetters.InternalCommand.Queue);
        return 0;
    }

    /// <summary>The firing in the command metrics (as any command) and, when it appended, as a deadline fired.</summary>
    private void Count(DeadlineTimer timer, BatchOutcome outcome, CommandEnvelope command)
    {
        if (metrics is null)
            return;
        metrics.Command(command.Name, outcome.Refusal is { } refusal ? refusal.WireCode
            : outcome.Repeated ? CaseEngineMetrics.Repeat : CaseEngineMetrics.Accepted);
        if (outcome.Refusal is null && !outcome.Repeated && outcome.Events.Count > 0)
            metrics.Deadline(timer.Stage.ToString());
    }

    private static CommandEnvelope Command(DeadlineTimer timer) =>
        new(CommandMeta.System(FiringId(timer)), timer.Act == TimerAct.MarkMissed
            ? new MarkDeadlineMissed(timer.PetitionId, timer.Stage, timer.Instance, timer.SupervisionId)
            : new CloseLapsedWindow(timer.PetitionId, timer.Stage, timer.Instance));

    /// <summary>One command id per timer: a repeated firing is a repeated command and appends nothing.</summary>
    public static Guid FiringId(DeadlineTimer timer) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"deadline-timer:{timer.Id}:{timer.DueAt.UtcTicks}")).AsSpan(0, 16));
}
