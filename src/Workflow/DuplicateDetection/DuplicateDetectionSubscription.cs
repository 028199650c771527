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
using CaseEngine.Workflow.Tenancy;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace CaseEngine.Workflow.DuplicateDetection;

/// <summary>
/// Duplicate detection and its index, after each submission has committed: a Marten subscription
/// processed by the async daemon in event-sequence order on the one node holding the database's agents.
/// For each page it segments the new petitions' text, writes their <see cref="DuplicateIndex"/> rows
/// and the statuses the page's events give, in the transaction that moves its progress (so the index
/// holds exactly the events up to it), asks <see cref="DuplicateDetector"/> for each new petition's
/// candidates and sends one <see cref="FlagSuspectedDuplicates"/> per flagged petition as the System
/// actor, through the bus and the common command runner. Each flag's command id is derived from the
/// petition, so a page processed again after a crash appends nothing new.
/// <para>
/// Why here rather than inside the submission: segmenting (1–15 ms of CPU) and detection stay off the
/// request path, and submission never fails because of them. Processing in the log's order keeps
/// detection exact: when a petition is compared, the index holds every earlier page, the page's earlier
/// petitions are compared from memory, and of two concurrent submissions of one petitioner the later
/// one in the log is flagged (the daemon hands out a page only once every lower sequence is
/// committed). The flag shows about a daemon wake-up after submission, long before an office reads
/// its inbox.
/// </para>
/// </summary>
public sealed class DuplicateDetectionSubscription : SubscriptionBase
{
    public const string SubscriptionName = ReadSideNames.DuplicateDetection;

    /// <summary>Configuration switch read at run time: "false" skips detection (the index is still kept; the events pass unflagged for good).</summary>
    public const string EnabledSetting = "CaseEngine:DuplicateDetection";

    private const int Attempts = 3;

    private readonly IServiceScopeFactory _scopes;
    private readonly IConfiguration _configuration;
    private readonly DuplicateIndex _index;
    private readonly ILogger<DuplicateDetectionSubscription> _logger;

    public DuplicateDetectionSubscription(IServiceScopeFactory scopes, IConfiguration configuration, DuplicateIndex index,
        ILogger<DuplicateDetectionSubscription> logger)
    {
        _scopes = scopes;
        _configuration = configuration;
        _index = index;
        _logger = logger;
        Name = SubscriptionName;
        foreach (var type in DuplicateIndex.EventTypes)
            IncludeType(type);
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(operations);
        // A row written by every page: Marten 9.58 stops a shard for good when a batch holding nothing
        // but its progress update finds the progress moved (two nodes on the shard during a
        // handover), and a page without a submission or a status otherwise writes nothing. The index's
        // writes and the flags are idempotent, so the page that lost the race may run to the end.
        AppliedSequence.Claim(operations, ReadSideSchema.DuplicateDetectionMark, page.SequenceCeiling, page.ShardName.Identity);
        var events = page.Events.Select(e => e.Data).ToList();
        var detect = !string.Equals(_configuration[EnabledSetting], "false", StringComparison.OrdinalIgnoreCase);
        DetectedPage detected;
        // The page's own database (each province's log is detected in it, against its own index).
        await using (var session = operations.DocumentStore.QuerySession(SessionOptions.ForDatabase(operations.Database)))
            detected = await DuplicateDetector.DetectAsync(session, _index, events, detect, cancellationToken);
        DuplicateIndex.Write(operations, detected.Rows, detected.Statuses);
        if (detected.Found.Count == 0)
            return NullChangeListener.Instance;

        // The flags are commands of their own, sent before this page's progress commits: a crash in
        // between sends them again with the same ids, which the command records answer as repeats.
        await using var scope = _scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        var provinces = scope.ServiceProvider.GetRequiredService<ProvinceDatabases>();
        var services = scope.ServiceProvider.GetRequiredService<CommandServices>();
        foreach (var (petitionId, candidates) in detected.Found)
            await FlagAsync(bus, provinces, services, petitionId, candidates, cancellationToken);
        return NullChangeListener.Instance;
    }

    private async Task FlagAsync(IMessageBus bus, ProvinceDatabases provinces, CommandServices services, Guid petitionId,
        IReadOnlyList<DuplicateCandidate> candidates, CancellationToken ct)
    {
        var message = new CommandEnvelope(
            CommandMeta.System(FlagId(petitionId)),
            new FlagSuspectedDuplicates(petitionId, [.. candidates.Select(c => new SuspectedCandidate(c.PetitionId, c.Score))]));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await bus.InvokeCommandAsync(provinces, services, message, ct);
                return;
            }
            catch (RuleViolation e) when (e.Code == RuleCode.ConcurrencyConflict && attempt < Attempts)
            {
                // The office acted on the new petition at the same moment: decide again on its new state.
            }
            catch (RuleViolation e) when (e.Code == RuleCode.ConcurrencyConflict)
            {
                // Still conflicting: tried again from the durable queue, dead-lettered if it keeps failing.
                await DeadLetters.InternalCommand.RetryLaterAsync(bus, await CommandRouting.ProvinceOfAsync(message, provinces, services), message);
                return;
            }
            catch (RuleViolation e)
            {
                // Ids and codes only: never personal data in logs.
                _logger.LogWarning("Suspected duplicates of {PetitionId} not flagged: {Code}", petitionId, e.WireCode);
                return;
            }
        }
    }

    /// <summary>One command id per petition: detection run again sends a repeat, which appends nothing.</summary>
    public static Guid FlagId(Guid petitionId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"duplicate-flags:{petitionId:N}")).AsSpan(0, 16));
}
