using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions.Linking;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Submitting;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using Wolverine;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// What deciding a command produced, ready to be written: the events, the petition before and
/// after them, and the command record. The single path and <see cref="CommandBatch"/> both decide
/// into one and write it with <see cref="PetitionCommands.Write"/>.
/// </summary>
/// <param name="Before">the petition the command was decided on; null for a submission (a new stream)</param>
/// <param name="CaseNumber">the case number a submission was given; null otherwise</param>
internal sealed record Decision(
    Guid PetitionId, Petition? Before, IPetitionEvent[] Events, Petition After, DecisionContext Context, CommandRecord Record,
    string? CaseNumber) : ConfidentialRecord;

/// <summary>
/// The one pipeline of every command, a submission or a command on an existing petition: load the
/// petition with the command's first record, if any, in one round trip (a submission loads nothing);
/// answer a repeat with its first result (<see cref="AnswerRepeatAsync"/>, the only place repeats are
/// answered); decide (Domain); write the decision (<see cref="Write"/>: metadata on each event, the
/// append with the expected version, the deadline timers, the command record); commit. A fresh
/// command's result is built from the events as the append stored them (Marten assigns their
/// sequences and versions from the append's answer), so nothing is read back. The Wolverine handler,
/// the batch and its one-by-one fallback all run here and hold no rule.
/// </summary>
public static class PetitionCommands
{
    public const string ActorHeader = StoredEvent.ActorHeader;
    public const string CommandIdHeader = "commandId";

    /// <summary>Runs one command in <paramref name="session"/> (enrolled in Wolverine's Marten outbox <paramref name="outbox"/>) and commits it.</summary>
    public static async Task<CommandResult> RunAsync(IDocumentSession session, IMessageBus outbox, CommandServices services, CommandEnvelope command,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(command);
        var identity = Identity(command);

        Decision decision;
        if (command.Command is SubmitPetition submit)
        {
            // No look for a first execution before a submission: its command record's primary key answers a
            // repeat at commit (CommitAsync), so a fresh submission, by far the common case, writes at once.
            // A repeat spends a case number (a gap, which numbers may have).
            try
            {
                var (ctx, region, year) = Validate(submit, command.Meta, services);
                var number = await services.CaseNumbers.NextAsync(region, year, ct);
                decision = DecideSubmission(command, identity, submit, ctx, region, number);
            }
            catch (RuleViolation)
            {
                // A repeat is answered as the first execution was, even if the rules or the clock moved since.
                if (await FindCommittedTwinAsync(session, services, command, identity, ct) is { } twin)
                    return twin;
                throw;
            }
        }
        else
        {
            var petitionCommand = Of(command);
            // The command's first record and the petitions it decides on, in one round trip.
            var batch = session.CreateBatchQuery();
            var firstRecord = batch.Load<CommandRecord>(command.Meta.CommandId);
            var petition = batch.Load<Petition>(petitionCommand.PetitionId);
            var referred = petitionCommand is IRefersToAnotherPetition refers ? batch.Load<Petition>(refers.OtherPetitionId) : null;
            await batch.Execute(ct);
            if (await firstRecord is { } first)
                return await AnswerRepeatAsync(session, services, command, identity, first, ct);
            var state = await petition;
            var other = referred is null ? null : await referred;
            try
            {
                decision = state is null && petitionCommand is ReceiveHandedOverPetition receive
                    ? await DecideReceiptAsync(command, identity, services, receive, ct)
                    : Decide(command, identity, services, state, other, await HeldElsewhereAsync(petitionCommand, session, services));
            }
            catch (RuleViolation)
            {
                // A twin of this command id may have committed after our first look and moved the petition on.
                if (await FindCommittedTwinAsync(session, services, command, identity, ct) is { } twin)
                    return twin;
                throw;
            }
        }
        var appended = Write(session, decision, command.Meta);
        await Linking.LinkDelivery.SendAsync(outbox, session.TenantId, decision);
        return await CommitAsync(session, services, command, decision, appended, ct);
    }

    /// <summary>
    /// For a forward or a transfer: which regions' provinces another database holds, so that the decision hands
    /// the petition over to them (issue 20). Every other command gets the default (nothing elsewhere).
    /// </summary>
    internal static async ValueTask<Func<string, bool>?> HeldElsewhereAsync(IPetitionCommand command, IQuerySession session, CommandServices services)
    {
        if (command is not (Domain.Petitions.Routing.ForwardPetition or Domain.Petitions.Routing.TransferLevel))
            return null;
        // The list the live tails use, read at most every few seconds: a province registered meanwhile is
        // found by ServesAsync (one indexed read) the first time a transfer names it.
        var here = session.TenantId;
        var known = await services.Provinces.KnownAsync(TimeSpan.FromSeconds(5));
        return region => Provinces.Of(region) is { } province && province != here && known.Contains(province);
    }

    /// <summary>A handed-over petition's linked copy arrives: a case number in its department's region, then the decision.</summary>
    private static async Task<Decision> DecideReceiptAsync(CommandEnvelope command, string identity, CommandServices services,
        ReceiveHandedOverPetition receive, CancellationToken ct)
    {
        var ctx = Context(command.Meta, services, petitionId: null);
        var region = ctx.RequireDepartment(receive.ToDepartmentId).RegionCode;
        var number = await services.CaseNumbers.NextAsync(region, services.Rules.Clock.DateOf(ctx.Now).Year, ct);
        var events = LinkingDecisions.Decide(receive, number, ctx);
        return new Decision(receive.PetitionId, null, events, Petition.Fold(events), ctx,
            Record(command, identity, receive.PetitionId, 0, events.Length, ctx.Now), null);
    }

    /// <summary>A command on an existing petition, decided on <paramref name="state"/> (and the petition it refers to).</summary>
    internal static Decision Decide(CommandEnvelope command, string identity, CommandServices services, Petition? state, Petition? other,
        Func<string, bool>? heldElsewhere = null)
    {
        if (state is null)
            throw RuleViolation.NotFound("no petition with that id");
        var ctx = Context(command.Meta, services, state.Id, state.Link) is var c && heldElsewhere is not null ? c with { HeldElsewhere = heldElsewhere } : c;
        var events = Decider.Decide(Of(command), state, ctx, other);
        return new Decision(state.Id, state, events, events.Aggregate(state, Petition.Evolve), ctx,
            Record(command, identity, state.Id, state.Version, events.Length, ctx.Now), null);
    }

    /// <summary>
    /// 登记, checked before a case number is spent on it: the decision context, and the entry region
    /// and year whose counter numbers it.
    /// </summary>
    internal static (DecisionContext Context, string Region, int Year) Validate(SubmitPetition submit, CommandMeta meta, CommandServices services)
    {
        var ctx = Context(meta, services, petitionId: null);
        var office = Submission.Validate(submit, ctx);
        return (ctx, office.RegionCode, services.Rules.Clock.DateOf(submit.ReceivedAt ?? ctx.Now).Year);
    }

    /// <summary>A validated submission with its number: a new stream id, the events that start it.</summary>
    internal static Decision DecideSubmission(CommandEnvelope command, string identity, SubmitPetition submit, DecisionContext ctx,
        string entryRegion, string caseNumber)
    {
        // The context it was validated and numbered with: one "now" for the year, the id and the events.
        // The id names the entry region's province, as the case number does (routing without scans).
        var petitionId = PetitionIds.New(entryRegion, ctx.Now);
        var events = Submission.Decide(submit, new Allocation(petitionId, caseNumber), ctx);
        return new Decision(petitionId, null, events, Petition.Fold(events), ctx,
            Record(command, identity, petitionId, 0, events.Length, ctx.Now), caseNumber);
    }

    /// <summary>
    /// The one write step of every command: its events, each stamped with the command's metadata,
    /// appended with the expected version (a new stream for a submission), so that a concurrent change
    /// of the petition fails the commit; the petition document as the events leave it; the deadline timers following the running clocks; and the
    /// command record, whose key makes a concurrent twin fail the commit.
    /// </summary>
    /// <returns>the stream action of the append (its events get their sequences at commit); null when nothing is appended</returns>
    internal static StreamAction? Write(IDocumentSession session, Decision decision, CommandMeta meta)
    {
        StreamAction? action = null;
        if (decision.Events.Length > 0)
        {
            var events = decision.Events.Cast<object>().ToArray();
            action = decision.Before is null
                ? session.Events.StartStream<Petition>(decision.PetitionId, events)
                : session.Events.Append(decision.PetitionId, decision.Before.Version + events.Length, events);
            Stamp(action, meta, decision.Context.Actor);
            // The petition view (the write model's snapshot) is the domain's own fold of the decision,
            // stored in the same transaction as the events whose expected version guards it. Marten's
            // inline snapshot projection computed the same fold after loading the petition a second
            // time: one round trip and one deserialisation per command saved (issue 17).
            session.Store(decision.After);
        }
        ReconcileTimers(session, decision.Before, decision.After);
        session.Insert(decision.Record);
        return action;
    }

    /// <summary>
    /// The one place a repeated command id is answered. A different command under the same id is
    /// VALIDATION. A repeat on an existing petition is answered only to a caller that may read it now,
    /// with this request's access code (Domain: <see cref="Jurisdiction.EnsureMayHearRepeat"/>),
    /// otherwise NOT_FOUND; a repeated submission answers with the same petition, case number and access code.
    /// </summary>
    internal static async Task<CommandResult> AnswerRepeatAsync(IQuerySession session, CommandServices services, CommandEnvelope command,
        string identity, CommandRecord first, CancellationToken ct)
    {
        if (first.Identity != identity)
            throw RuleViolation.Validation("this commandId was already used for a different command");
        var petition = await session.LoadAsync<Petition>(first.PetitionId, ct);
        if (command.Command is IPetitionCommand petitionCommand)
        {
            if (petition is null)
                throw RuleViolation.NotFound("no petition with that id");
            Jurisdiction.EnsureMayHearRepeat(petitionCommand, petition, Context(command.Meta, services, petition.Id, petition.Link));
            return await ResultAsync(session, first, repeated: true, ct);
        }
        var result = await ResultAsync(session, first, repeated: true, ct);
        return result with { CaseNumber = petition?.CaseNumber, AccessCode = services.AccessCodes.For(first.PetitionId) };
    }

    /// <summary>
    /// The decision context for this caller: the access code is checked here (on an existing petition), never
    /// stored. A linked copy also takes its origin's code, the one its petitioner was given (issue 20).
    /// </summary>
    internal static DecisionContext Context(CommandMeta meta, CommandServices services, Guid? petitionId, PetitionLink? link = null) =>
        new(meta.Caller, services.Time.GetUtcNow(), services.Rules.Directory, services.Rules.Clock, meta.Anonymous,
            petitionId is { } id && meta.AccessCode is not null && services.AccessCodes.Verify(id, link, meta.AccessCode))
        {
            ExpectedVersion = meta.ExpectedVersion,
        };

    /// <summary>
    /// A command's identity: the mutation, its input without expectedVersion and accessCode (the
    /// domain command carries neither) and the caller.
    /// </summary>
    public static string Identity(CommandEnvelope command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var caller = command.Meta.Anonymous ? "anonymous" : command.Meta.Caller.Id;
        var input = JsonSerializer.Serialize(command.Command, command.Command.GetType(), EventJson.Options);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{command.Name}\n{caller}\n{input}")));
    }

    private static IPetitionCommand Of(CommandEnvelope command) =>
        command.Command as IPetitionCommand ?? throw new ArgumentException($"not a petition command: {command.Name}", nameof(command));

    private static CommandRecord Record(CommandEnvelope command, string identity, Guid petitionId, int before, int appended, DateTimeOffset now) => new()
    {
        Id = command.Meta.CommandId,
        Identity = identity,
        Name = command.Name,
        PetitionId = petitionId,
        FromVersion = before + 1,
        ToVersion = before + appended,
        ExecutedAt = now,
    };

    private static async Task<CommandResult?> FindCommittedTwinAsync(IDocumentSession session, CommandServices services, CommandEnvelope command,
        string identity, CancellationToken ct)
    {
        await using var fresh = session.DocumentStore.QuerySession(session.TenantId);
        var first = await fresh.LoadAsync<CommandRecord>(command.Meta.CommandId, ct);
        if (first is null || first.Identity != identity)
            return null;
        return await AnswerRepeatAsync(fresh, services, command, identity, first, ct);
    }

    /// <summary>
    /// Correlation, causation and the actor on each event of the command: stamped on the events, not
    /// the session, because a batch's session holds many commands.
    /// </summary>
    private static void Stamp(StreamAction action, CommandMeta meta, Actor actor)
    {
        var actorHeader = ActorHeaderValue(actor);
        foreach (var e in action.Events)
        {
            e.CorrelationId = meta.CorrelationId ?? meta.CommandId.ToString();
            e.CausationId = meta.CommandId.ToString();
            e.SetHeader(CommandIdHeader, meta.CommandId.ToString());
            e.SetHeader(ActorHeader, actorHeader);
        }
    }

    /// <summary>The actor header: who acted, in what role, for which department.</summary>
    public static Dictionary<string, string?> ActorHeaderValue(Actor actor) => new()
    {
        ["id"] = actor.Id,
        ["role"] = RoleName(actor.Role),
        ["departmentId"] = actor.DepartmentId,
    };

    public static string RoleName(Role role) => JsonNamingPolicy.SnakeCaseUpper.ConvertName(role.ToString());

    /// <summary>Timers follow the running clocks: new clocks get one, ended or moved-on clocks lose theirs.</summary>
    public static void ReconcileTimers(IDocumentSession session, Petition? before, Petition after)
    {
        var wanted = DeadlineTimer.For(after).ToDictionary(t => t.Id);
        foreach (var old in DeadlineTimer.For(before).Where(t => !wanted.ContainsKey(t.Id)))
            session.Delete<DeadlineTimer>(old.Id);
        foreach (var timer in wanted.Values)
            session.Store(timer);
    }

    /// <summary>
    /// Commits; a concurrent repeat of the same command id loses on the command record's key and
    /// answers with the winner's result; a concurrent change of the stream is CONCURRENCY_CONFLICT.
    /// </summary>
    private static async Task<CommandResult> CommitAsync(IDocumentSession session, CommandServices services, CommandEnvelope command,
        Decision decision, StreamAction? appended, CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (IsDuplicateKey(e) || e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
        {
            // A concurrent twin of this command id may have won either on the command record's key
            // or on the stream version: if its record exists now, answer with its result.
            // The failed unit of work stays queued in the session; Wolverine's transaction would save it again.
            session.EjectAllPendingChanges();
            await using var fresh = session.DocumentStore.QuerySession(session.TenantId);
            var first = await fresh.LoadAsync<CommandRecord>(decision.Record.Id, ct);
            if (first is null)
                throw IsDuplicateKey(e)
                    ? e
                    : RuleViolation.Concurrency("the petition changed while this command was decided; reload and retry");
            return await AnswerRepeatAsync(fresh, services, command, decision.Record.Identity, first, ct);
        }
        var result = Committed(decision, appended) ?? await ResultAsync(session, decision.Record, repeated: false, ct, decision.After);
        return decision.CaseNumber is null
            ? result
            : result with { CaseNumber = decision.CaseNumber, AccessCode = services.AccessCodes.For(decision.PetitionId) };
    }

    private static bool IsDuplicateKey(Exception e) =>
        e is DocumentAlreadyExistsException
        || e is ExistingStreamIdCollisionException
        || (e.InnerException ?? e) is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
            && pg.TableName?.Contains("commandrecord", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// A fresh command's result from its own append: the quick append returns each event's sequence and
    /// version and Marten sets them on the events, so they are what the log now holds. The timestamp is
    /// cut to PostgreSQL's microseconds, as a read-back would return it. Null (read back instead) if an
    /// event came back without its sequence, which only another append mode would do.
    /// </summary>
    private static CommandResult? Committed(Decision decision, StreamAction? appended)
    {
        if (appended is null || appended.Events.Any(e => e.Sequence <= 0))
            return null;
        var events = appended.Events.Select(e => ToStored(e) with { OccurredAt = ToMicroseconds(e.Timestamp) }).ToList();
        return new CommandResult(decision.PetitionId, decision.Record.ToVersion, events, Repeated: false,
            State: decision.After.Version == decision.Record.ToVersion ? decision.After : null);
    }

    private static DateTimeOffset ToMicroseconds(DateTimeOffset t) =>
        new DateTimeOffset(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    /// <summary>The petition now and the events of the command's (first) execution, read back with their sequences.</summary>
    private static async Task<CommandResult> ResultAsync(IQuerySession session, CommandRecord record, bool repeated,
        CancellationToken ct, Petition? after = null)
    {
        // Only the command's own versions: reading the whole stream back would make long streams quadratic.
        // FetchStream by version range rather than a LINQ query: no expression parsing or compiling per command.
        var appended = record.ToVersion >= record.FromVersion;
        if (!repeated && appended)
        {
            // Just committed with the version check of the append: the stream is at this command's last
            // version, so the read-back of its events is the only round trip needed.
            var own = await session.Events.FetchStreamAsync(record.PetitionId, version: record.ToVersion,
                fromVersion: record.FromVersion, token: ct);
            return new CommandResult(record.PetitionId, record.ToVersion, [.. own.Select(ToStored)], repeated,
                State: after?.Version == record.ToVersion ? after : null);
        }

        // A repeat (or a command that appended nothing): its events and the stream's version now, in one batch.
        var batch = session.CreateBatchQuery();
        var events = appended
            ? batch.Events.FetchStream(record.PetitionId, record.ToVersion, null, record.FromVersion)
            : null;
        var state = batch.Events.FetchStreamState(record.PetitionId);
        await batch.Execute(ct);
        var slice = events is null ? [] : (await events).Select(ToStored).ToList();
        var version = (int)((await state)?.Version ?? 0);
        return new CommandResult(record.PetitionId, version, slice, repeated);
    }

    public static StoredEvent ToStored(IEvent e) => StoredEvent.From(e);
}
