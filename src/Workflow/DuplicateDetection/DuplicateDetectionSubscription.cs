using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Commands;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CaseEngine.Workflow.DuplicateDetection;

/// <summary>
/// Runs duplicate detection after each submission has committed: a Marten subscription on
/// <see cref="PetitionSubmitted"/>, processed by the async daemon in event-sequence order on the
/// one node holding the HotCold lock, with its progress stored like a projection's. For each new
/// petition it asks <see cref="DuplicateDetector"/> and sends one <see cref="FlagSuspectedDuplicate"/>
/// per candidate as the System actor, through the bus and the common command runner. Each flag's
/// command id is derived from (petition, candidate) and the decision appends once per candidate, so
/// a page processed again after a crash appends nothing new.
/// <para>
/// Why after the commit rather than inside the submission: submission stays as fast as it was and
/// never fails because of detection; the index it reads is inline (<see cref="DuplicateIndexProjection"/>),
/// so it already holds every committed petition, and two concurrent submissions of one petitioner
/// still see each other (the later one in the event log is flagged: the daemon handles an event only
/// once every lower sequence is committed). The flag shows about a daemon poll (≈ 1 s) after
/// submission, long before an office reads its inbox.
/// </para>
/// </summary>
public sealed class DuplicateDetectionSubscription : SubscriptionBase
{
    public const string SubscriptionName = "DuplicateDetection";

    /// <summary>Configuration switch read at run time: "false" skips detection (the events pass unflagged for good).</summary>
    public const string EnabledSetting = "CaseEngine:DuplicateDetection";

    private const int Attempts = 3;

    private readonly IServiceScopeFactory _scopes;
    private readonly IConfiguration _configuration;
    private readonly ILogger<DuplicateDetectionSubscription> _logger;

    public DuplicateDetectionSubscription(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<DuplicateDetectionSubscription> logger)
    {
        _scopes = scopes;
        _configuration = configuration;
        _logger = logger;
        Name = SubscriptionName;
        IncludeType<PetitionSubmitted>();
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(operations);
        // A row written by every page: Marten 9.58 stops a shard for good when a batch holding nothing
        // but its progress update finds the progress moved (two nodes on the shard during a HotCold
        // handover), and this subscription's pages otherwise write nothing. The flags themselves are
        // idempotent (one command id per pair), so the page that lost the race may run to the end.
        AppliedSequence.Claim(operations, ReadSideSchema.DuplicateDetectionMark, page.SequenceCeiling);
        var submitted = page.Events.Select(e => e.Data).OfType<PetitionSubmitted>().ToList();
        if (submitted.Count == 0 || string.Equals(_configuration[EnabledSetting], "false", StringComparison.OrdinalIgnoreCase))
            return NullChangeListener.Instance;

        await using var scope = _scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        foreach (var petition in submitted)
        {
            IReadOnlyList<DuplicateCandidate> candidates;
            await using (var session = operations.DocumentStore.QuerySession())
                candidates = await DuplicateDetector.FindAsync(session, petition.PetitionId, cancellationToken);
            foreach (var candidate in candidates)
                await FlagAsync(bus, petition.PetitionId, candidate, cancellationToken);
        }
        return NullChangeListener.Instance;
    }

    private async Task FlagAsync(IMessageBus bus, Guid petitionId, DuplicateCandidate candidate, CancellationToken ct)
    {
        var message = new CommandEnvelope(
            CommandMeta.System(FlagId(petitionId, candidate.PetitionId)),
            new FlagSuspectedDuplicate(petitionId, candidate.PetitionId, candidate.Score));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await bus.InvokeAsync<CommandResult>(message, ct);
                return;
            }
            catch (RuleViolation e) when (e.Code == RuleCode.ConcurrencyConflict && attempt < Attempts)
            {
                // The office acted on the new petition at the same moment: decide again on its new state.
            }
            catch (RuleViolation e) when (e.Code == RuleCode.ConcurrencyConflict)
            {
                // Still conflicting: tried again from the durable queue, dead-lettered if it keeps failing.
                await DeadLetters.InternalCommand.RetryLaterAsync(bus, message);
                return;
            }
            catch (RuleViolation e)
            {
                // Ids and codes only: never personal data in logs.
                _logger.LogWarning("Suspected duplicate {PetitionId} → {CandidateId} not flagged: {Code}",
                    petitionId, candidate.PetitionId, e.WireCode);
                return;
            }
        }
    }

    /// <summary>One command id per (petition, candidate): detection run again sends a repeat, which appends nothing.</summary>
    public static Guid FlagId(Guid petitionId, Guid candidateId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"duplicate-flag:{petitionId:N}:{candidateId:N}")).AsSpan(0, 16));
}
