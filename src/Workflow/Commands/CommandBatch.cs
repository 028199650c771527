using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Submitting;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// What became of one command of a batch: its petition and the version it left, or the rule it
/// broke. <see cref="Events"/> are the events it appended (none for a repeat or a refusal);
/// batch results carry no sequences, since nothing is read back.
/// </summary>
public sealed record BatchOutcome(
    int Index, Guid PetitionId, int Version, bool Repeated, IReadOnlyList<IPetitionEvent> Events,
    string? CaseNumber = null, string? AccessCode = null, RuleViolation? Refusal = null) : ConfidentialRecord
{
    public bool Succeeded => Refusal is null;
}

/// <summary>
/// Many commands on distinct petitions as one unit of work: one read of the command records, one
/// of the petitions, one commit. For bulk work where a transaction per command costs more than the
/// command — a backlog of deadline firings, letters registered in bulk, the benchmark's data. The
/// rules, events, timers and exactly-once records are those of <see cref="PetitionCommands.RunAsync"/>:
/// each command is decided on its own and a refused one does not stop the others. When the
/// commit fails (a concurrent change of one of the petitions, a concurrent twin of a command id)
/// nothing of the batch is kept and every command runs again on its own through the
/// single-command path, which settles each one as it would have alone.
/// </summary>
public static class CommandBatch
{
    /// <param name="messages"><see cref="SubmitPetitionMessage"/> or <see cref="IPetitionMessage"/>, at most one per petition.</param>
    public static async Task<IReadOnlyList<BatchOutcome>> RunAsync(IDocumentStore store, CommandServices services,
        IReadOnlyList<object> messages, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(messages);
        var items = messages.Select((m, i) => Item.Of(i, m)).ToArray();
        // One command per petition: a second one would be decided against a state the first has already moved.
        if (items.Where(i => i.PetitionId is not null).GroupBy(i => i.PetitionId).Any(g => g.Count() > 1))
            throw RuleViolation.Validation("a batch holds at most one command per petition");
        if (items.GroupBy(i => i.Meta.CommandId).Any(g => g.Count() > 1))
            throw RuleViolation.Validation("a batch holds each commandId once");

        var outcomes = new BatchOutcome?[items.Length];
        await using var session = store.LightweightSession();
        var firsts = (await session.LoadManyAsync<CommandRecord>(ct, items.Select(i => i.Meta.CommandId).ToArray())).ToDictionary(r => r.Id);
        var wanted = items.Where(i => i.PetitionId is not null).Select(i => i.PetitionId!.Value)
            .Concat(items.Select(i => i.Message is IPetitionMessage { Body: IRefersToAnotherPetition r } ? r.OtherPetitionId : Guid.Empty))
            .Where(id => id != Guid.Empty).Distinct().ToArray();
        var petitions = wanted.Length == 0 ? [] : (await session.LoadManyAsync<Petition>(ct, wanted)).ToDictionary(p => p.Id);

        var fresh = new List<Item>();
        foreach (var item in items)
        {
            if (!firsts.TryGetValue(item.Meta.CommandId, out var first))
            {
                fresh.Add(item);
                continue;
            }
            outcomes[item.Index] = first.Identity == item.Identity
                ? await RepeatAsync(store, services, item, first, ct)
                : Refused(item, RuleViolation.Validation("this commandId was already used for a different command"));
        }

        var numbers = await CaseNumbersAsync(store, services, fresh, outcomes, ct);
        var records = new List<CommandRecord>();
        foreach (var item in fresh.Where(i => outcomes[i.Index] is null))
        {
            try
            {
                (outcomes[item.Index], var record) = Decide(session, services, item, petitions, numbers);
                records.Add(record);
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        if (records.Count == 0)
            return [.. outcomes.Select(o => o!)];

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing of the batch was kept: each command runs alone, as if it had been sent alone.
            services.Logger.LogWarning("A batch of {Count} commands failed at commit ({Error}); running them one by one", records.Count, e.GetType().Name);
            return await OneByOneAsync(store, services, items, outcomes, ct);
        }
        return [.. outcomes.Select(o => o!)];
    }

    private static (BatchOutcome, CommandRecord) Decide(IDocumentSession session, CommandServices services, Item item,
        Dictionary<Guid, Petition> petitions, Dictionary<int, (string Number, DecisionContext Context)> numbers)
    {
        if (item.Message is SubmitPetitionMessage submit)
        {
            // The context it was validated and numbered with: one "now" for the year and the events.
            var (number, ctx) = numbers[item.Index];
            var petitionId = Guid.CreateVersion7(ctx.Now);
            var events = Submission.Decide(submit.Command, new Allocation(petitionId, number), ctx);
            var action = session.Events.StartStream<Petition>(petitionId, events.Cast<object>().ToArray());
            Stamp(action, item.Meta, ctx.Actor);
            PetitionCommands.ReconcileTimers(session, null, Petition.Fold(events));
            var record = Record(item, petitionId, 0, events.Length, ctx.Now);
            session.Insert(record);
            return (new BatchOutcome(item.Index, petitionId, events.Length, false, events, number,
                services.AccessCodes.For(petitionId)), record);
        }

        var message = (IPetitionMessage)item.Message;
        var state = petitions.GetValueOrDefault(message.Body.PetitionId) ?? throw RuleViolation.NotFound("no petition with that id");
        var other = message.Body is IRefersToAnotherPetition refers ? petitions.GetValueOrDefault(refers.OtherPetitionId) : null;
        var context = PetitionCommands.Context(message.Meta, services, state.Id);
        var appended = Decider.Decide(message.Body, state, context, other);
        if (appended.Length > 0)
        {
            // The expected version makes a concurrent change of this petition fail the commit.
            var action = session.Events.Append(state.Id, state.Version + appended.Length, appended.Cast<object>().ToArray());
            Stamp(action, message.Meta, context.Actor);
        }
        PetitionCommands.ReconcileTimers(session, state, appended.Aggregate(state, Petition.Evolve));
        var done = Record(item, state.Id, state.Version, appended.Length, context.Now);
        session.Insert(done);
        return (new BatchOutcome(item.Index, state.Id, state.Version + appended.Length, false, appended), done);
    }

    /// <summary>Validates the submissions, then takes their case numbers: one counter update per entry region and year.</summary>
    private static async Task<Dictionary<int, (string Number, DecisionContext Context)>> CaseNumbersAsync(IDocumentStore store, CommandServices services,
        List<Item> fresh, BatchOutcome?[] outcomes, CancellationToken ct)
    {
        var wanting = new List<(Item Item, DecisionContext Context, string Region, int Year)>();
        foreach (var item in fresh)
        {
            if (item.Message is not SubmitPetitionMessage submit)
                continue;
            try
            {
                var ctx = SubmitPetitionHandler.Context(submit, services);
                var office = Submission.Validate(submit.Command, ctx);
                wanting.Add((item, ctx, office.RegionCode, services.Rules.Clock.DateOf(submit.Command.ReceivedAt ?? ctx.Now).Year));
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        var numbers = new Dictionary<int, (string Number, DecisionContext Context)>();
        foreach (var group in wanting.GroupBy(w => (w.Region, w.Year)))
        {
            var taken = await CaseNumbers.NextRangeAsync(store, group.Key.Region, group.Key.Year, group.Count(), ct);
            foreach (var (w, number) in group.Zip(taken))
                numbers[w.Item.Index] = (number, w.Context);
        }
        return numbers;
    }

    private static async Task<BatchOutcome[]> OneByOneAsync(IDocumentStore store, CommandServices services, Item[] items,
        BatchOutcome?[] settled, CancellationToken ct)
    {
        var outcomes = new BatchOutcome[items.Length];
        foreach (var item in items)
        {
            // Repeats and refusals were settled without writing anything: they stand.
            if (settled[item.Index] is { } known && (known.Repeated || known.Refusal is not null))
            {
                outcomes[item.Index] = known;
                continue;
            }
            await using var session = store.LightweightSession();
            try
            {
                var result = item.Message is SubmitPetitionMessage submit
                    ? await SubmitPetitionHandler.Handle(submit, session, services, ct)
                    : await PetitionCommands.RunAsync(session, services, (IPetitionMessage)item.Message, ct);
                outcomes[item.Index] = new BatchOutcome(item.Index, result.PetitionId, result.Version, result.Repeated,
                    [.. result.Events.Select(e => e.Data).OfType<IPetitionEvent>()], result.CaseNumber, result.AccessCode);
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        return outcomes;
    }

    private static async Task<BatchOutcome> RepeatAsync(IDocumentStore store, CommandServices services, Item item, CommandRecord first, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (item.Message is IPetitionMessage message)
        {
            try
            {
                await PetitionCommands.EnsureMayHearRepeatAsync(session, services, message, first, ct);
            }
            catch (RuleViolation e)
            {
                return Refused(item, e);
            }
        }
        var result = await PetitionCommands.ResultAsync(session, first, repeated: true, ct);
        string? caseNumber = null, accessCode = null;
        if (item.Message is SubmitPetitionMessage)
        {
            caseNumber = (await session.LoadAsync<Petition>(first.PetitionId, ct))?.CaseNumber;
            accessCode = services.AccessCodes.For(first.PetitionId);
        }
        return new BatchOutcome(item.Index, result.PetitionId, result.Version, true, [], caseNumber, accessCode);
    }

    /// <summary>The command's own metadata on each of its events: a batch mixes commands, so the session's cannot carry it.</summary>
    private static void Stamp(StreamAction action, CommandMeta meta, Actor actor)
    {
        var actorHeader = PetitionCommands.ActorHeaderValue(actor);
        foreach (var e in action.Events)
        {
            e.CorrelationId = meta.CorrelationId ?? meta.CommandId.ToString();
            e.CausationId = meta.CommandId.ToString();
            e.SetHeader(PetitionCommands.CommandIdHeader, meta.CommandId.ToString());
            e.SetHeader(PetitionCommands.ActorHeader, actorHeader);
        }
    }

    private static CommandRecord Record(Item item, Guid petitionId, int before, int appended, DateTimeOffset now) => new()
    {
        Id = item.Meta.CommandId,
        Identity = item.Identity,
        Name = item.Name,
        PetitionId = petitionId,
        FromVersion = before + 1,
        ToVersion = before + appended,
        ExecutedAt = now,
    };

    private static BatchOutcome Refused(Item item, RuleViolation e) =>
        new(item.Index, item.PetitionId ?? Guid.Empty, 0, false, [], Refusal: e);

    private sealed record Item(int Index, object Message, CommandMeta Meta, string Name, string Identity, Guid? PetitionId)
    {
        public static Item Of(int index, object message) => message switch
        {
            SubmitPetitionMessage s => new(index, s, s.Meta, SubmitPetitionMessage.Name,
                PetitionCommands.Identity(SubmitPetitionMessage.Name, s.Command, s.Meta), null),
            IPetitionMessage p => new(index, p, p.Meta, p.Name, PetitionCommands.Identity(p.Name, p.Body, p.Meta), p.Body.PetitionId),
            _ => throw new ArgumentException($"not a petition command: {message?.GetType().Name}", nameof(message)),
        };
    }
}
