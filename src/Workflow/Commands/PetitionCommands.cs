using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Rules;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CaseEngine.Workflow.Commands;

/// <summary>The singletons every command handler needs; one parameter keeps the handlers thin.</summary>
public sealed class CommandServices(RuleBook rules, AccessCodes accessCodes, TimeProvider time, ILogger<CommandServices> logger)
{
    public RuleBook Rules { get; } = rules;
    public AccessCodes AccessCodes { get; } = accessCodes;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}

/// <summary>
/// The one way a command on an existing petition runs: answer a repeat with its first result;
/// load the petition with the version read in this transaction; decide (Domain); append the
/// events with their metadata; keep the deadline timers in step; record the command id; commit;
/// read the events back with their sequences. Every handler delegates here and holds no rule.
/// </summary>
public static class PetitionCommands
{
    public const string ActorHeader = StoredEvent.ActorHeader;
    public const string CommandIdHeader = "commandId";

    public static async Task<CommandResult> RunAsync(IDocumentSession session, CommandServices services, IPetitionMessage message, CancellationToken ct)
    {
        var (meta, command) = (message.Meta, message.Body);
        var identity = Identity(message.Name, command, meta);
        if (await FindRepeatAsync(session, meta.CommandId, identity, ct) is { } first)
        {
            await EnsureMayHearRepeatAsync(session, services, message, first, ct);
            return await ResultAsync(session, first, repeated: true, ct);
        }

        var stream = await session.Events.FetchForWriting<Petition>(command.PetitionId, ct);
        var state = stream.Aggregate ?? throw RuleViolation.NotFound("no petition with that id");
        var other = command is IRefersToAnotherPetition refers ? await session.LoadAsync<Petition>(refers.OtherPetitionId, ct) : null;

        var ctx = Context(meta, services, state.Id);
        IPetitionEvent[] events;
        try
        {
            events = Decider.Decide(command, state, ctx, other);
        }
        catch (RuleViolation)
        {
            // A twin of this command id may have committed after our first look and moved the petition on.
            if (await FindCommittedTwinAsync(session, services, message, meta.CommandId, identity, ct) is { } twin)
                return twin;
            throw;
        }

        Stamp(session, meta, ctx.Actor);
        if (events.Length > 0)
            stream.AppendMany(events.Cast<object>().ToArray());
        var after = events.Aggregate(state, Petition.Evolve);
        ReconcileTimers(session, state, after);
        var record = new CommandRecord
        {
            Id = meta.CommandId,
            Identity = identity,
            Name = message.Name,
            PetitionId = state.Id,
            FromVersion = state.Version + 1,
            ToVersion = state.Version + events.Length,
            ExecutedAt = ctx.Now,
        };
        session.Insert(record);
        return await CommitAsync(session, record, ct, after: after);
    }

    /// <summary>
    /// A repeat is answered only to a caller that may read the petition now, with this request's
    /// access code (Domain: <see cref="Jurisdiction.EnsureMayHearRepeat"/>); otherwise NOT_FOUND.
    /// </summary>
    public static async Task EnsureMayHearRepeatAsync(IQuerySession session, CommandServices services, IPetitionMessage message,
        CommandRecord first, CancellationToken ct)
    {
        var petition = await session.LoadAsync<Petition>(first.PetitionId, ct) ?? throw RuleViolation.NotFound("no petition with that id");
        Jurisdiction.EnsureMayHearRepeat(message.Body, petition, Context(message.Meta, services, petition.Id));
    }

    /// <summary>The decision context for this caller: the access code is checked here, never stored.</summary>
    public static DecisionContext Context(CommandMeta meta, CommandServices services, Guid petitionId) =>
        new(meta.Caller, services.Time.GetUtcNow(), services.Rules.Directory, services.Rules.Clock,
            meta.Anonymous, meta.AccessCode is not null && services.AccessCodes.Verify(petitionId, meta.AccessCode))
        {
            ExpectedVersion = meta.ExpectedVersion,
        };

    /// <summary>
    /// A command's identity: the mutation, its input without expectedVersion and accessCode (the
    /// domain command carries neither) and the caller.
    /// </summary>
    public static string Identity(string name, object command, CommandMeta meta)
    {
        var caller = meta.Anonymous ? "anonymous" : meta.Caller.Id;
        var input = JsonSerializer.Serialize(command, command.GetType(), EventJson.Options);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}\n{caller}\n{input}")));
    }

    public static async Task<CommandRecord?> FindRepeatAsync(IDocumentSession session, Guid commandId, string identity, CancellationToken ct)
    {
        var first = await session.LoadAsync<CommandRecord>(commandId, ct);
        if (first is not null && first.Identity != identity)
            throw RuleViolation.Validation("this commandId was already used for a different command");
        return first;
    }

    private static async Task<CommandResult?> FindCommittedTwinAsync(IDocumentSession session, CommandServices services, IPetitionMessage message,
        Guid commandId, string identity, CancellationToken ct)
    {
        await using var fresh = session.DocumentStore.QuerySession();
        var first = await fresh.LoadAsync<CommandRecord>(commandId, ct);
        if (first is null || first.Identity != identity)
            return null;
        await EnsureMayHearRepeatAsync(fresh, services, message, first, ct);
        return await ResultAsync(fresh, first, repeated: true, ct);
    }

    /// <summary>Correlation, causation and the actor on every event of this unit of work.</summary>
    public static void Stamp(IDocumentSession session, CommandMeta meta, Actor actor)
    {
        session.CorrelationId = meta.CorrelationId ?? meta.CommandId.ToString();
        session.CausationId = meta.CommandId.ToString();
        session.SetHeader(CommandIdHeader, meta.CommandId.ToString());
        session.SetHeader(ActorHeader, ActorHeaderValue(actor));
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
    public static async Task<CommandResult> CommitAsync(IDocumentSession session, CommandRecord record, CancellationToken ct,
        string? caseNumber = null, string? accessCode = null, Petition? after = null)
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
            await using var fresh = session.DocumentStore.QuerySession();
            var first = await fresh.LoadAsync<CommandRecord>(record.Id, ct);
            if (first is null)
                throw IsDuplicateKey(e)
                    ? e
                    : RuleViolation.Concurrency("the petition changed while this command was decided; reload and retry");
            if (first.Identity != record.Identity)
                throw RuleViolation.Validation("this commandId was already used for a different command");
            return await ResultAsync(fresh, first, repeated: true, ct);
        }
        return await ResultAsync(session, record, repeated: false, ct, caseNumber, accessCode, after);
    }

    private static bool IsDuplicateKey(Exception e) =>
        e is DocumentAlreadyExistsException
        || e is ExistingStreamIdCollisionException
        || (e.InnerException ?? e) is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
            && pg.TableName?.Contains("commandrecord", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The petition now and the events of the command's (first) execution, read back with their sequences.</summary>
    public static async Task<CommandResult> ResultAsync(IQuerySession session, CommandRecord record, bool repeated,
        CancellationToken ct, string? caseNumber = null, string? accessCode = null, Petition? after = null)
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
            return new CommandResult(record.PetitionId, record.ToVersion, [.. own.Select(ToStored)], repeated, caseNumber, accessCode,
                after?.Version == record.ToVersion ? after : null);
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
        return new CommandResult(record.PetitionId, version, slice, repeated, caseNumber, accessCode);
    }

    public static StoredEvent ToStored(IEvent e) => StoredEvent.From(e);
}
