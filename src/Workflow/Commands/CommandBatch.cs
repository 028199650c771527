using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Submitting;
using CaseEngine.Workflow.Tenancy;
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
/// command — a backlog of deadline firings, letters registered in bulk, the benchmark's data. Each
/// command goes through the steps of <see cref="PetitionCommands"/> (repeats, decisions, the write
/// step) on its own, and a refused one does not stop the others. When the commit fails (a
/// concurrent change of one of the petitions, a concurrent twin of a command id) nothing of the
/// batch is kept and every command runs again on its own through the single path, which settles
/// each one as it would have alone.
/// </summary>
public sealed class CommandBatch(CommandServices services, ProvinceDatabases provinces, ILogger<CommandBatch> logger)
{
    /// <param name="commands">at most one per petition, each command id once</param>
    public async Task<IReadOnlyList<BatchOutcome>> RunAsync(IReadOnlyList<CommandEnvelope> commands, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var items = commands.Select((c, i) => new Item(i, c, PetitionCommands.Identity(c))).ToArray();
        // One command per petition: a second one would be decided against a state the first has already moved.
        if (items.Where(i => i.Command.PetitionId is not null).GroupBy(i => i.Command.PetitionId).Any(g => g.Count() > 1))
            throw RuleViolation.Validation("a batch holds at most one command per petition");
        if (items.GroupBy(i => i.Command.Meta.CommandId).Any(g => g.Count() > 1))
            throw RuleViolation.Validation("a batch holds each commandId once");

        var outcomes = new BatchOutcome?[items.Length];
        // A unit of work is one database's: the batch is run once per province its commands belong to.
        var byProvince = new Dictionary<string, List<Item>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            try
            {
                var province = await CommandRouting.ProvinceOfAsync(item.Command, provinces, services, claim: false);
                if (!byProvince.TryGetValue(province, out var list))
                    byProvince[province] = list = [];
                list.Add(item);
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        foreach (var (province, group) in byProvince)
        {
            // The valid submissions' command ids, claimed for this province in one statement (SubmissionClaims); an
            // invalid one claims nothing and is refused below as on its own.
            var taken = await services.Claims.ClaimManyAsync(
                [.. group.Where(i => i.Command.Command is SubmitPetition submit && IsValid(submit, i.Command.Meta)).Select(i => i.Command.Meta.CommandId)],
                province, ct);
            foreach (var item in group.Where(i => taken.Contains(i.Command.Meta.CommandId)))
                outcomes[item.Index] = Refused(item, SubmissionClaims.Reused());
            Item[] claimed = [.. group.Where(i => !taken.Contains(i.Command.Meta.CommandId))];
            if (claimed.Length > 0)
                await RunInProvinceAsync(province, claimed, outcomes, ct);
        }
        return [.. outcomes.Select(o => o!)];
    }

    private bool IsValid(SubmitPetition submit, CommandMeta meta)
    {
        try
        {
            PetitionCommands.Validate(submit, meta, services);
            return true;
        }
        catch (RuleViolation)
        {
            return false;
        }
    }

    /// <summary>The commands of one province in one transaction of its database; each outcome is written into <paramref name="outcomes"/>.</summary>
    private async Task RunInProvinceAsync(string province, Item[] items, BatchOutcome?[] outcomes, CancellationToken ct)
    {
        await using var outboxed = services.OpenSession(province);
        var session = outboxed.Session;
        var firsts = (await session.LoadManyAsync<CommandRecord>(ct, items.Select(i => i.Command.Meta.CommandId).ToArray())).ToDictionary(r => r.Id);
        var wanted = items.Select(i => i.Command.PetitionId ?? Guid.Empty)
            .Concat(items.Select(i => i.Command.Command is IRefersToAnotherPetition r ? r.OtherPetitionId : Guid.Empty))
            .Where(id => id != Guid.Empty).Distinct().ToArray();
        var petitions = wanted.Length == 0 ? [] : (await session.LoadManyAsync<Petition>(ct, wanted)).ToDictionary(p => p.Id);

        var fresh = new List<Item>();
        foreach (var item in items)
        {
            if (firsts.TryGetValue(item.Command.Meta.CommandId, out var first))
                outcomes[item.Index] = await RepeatAsync(province, item, first, ct);
            else
                fresh.Add(item);
        }

        var numbers = await CaseNumbersAsync(fresh, outcomes, ct);
        var written = 0;
        foreach (var item in fresh.Where(i => outcomes[i.Index] is null))
        {
            try
            {
                var decision = item.Command.Command is SubmitPetition submit
                    ? PetitionCommands.DecideSubmission(item.Command, item.Identity, submit, numbers[item.Index].Context,
                        numbers[item.Index].Region, numbers[item.Index].Number)
                    : PetitionCommands.Decide(item.Command, item.Identity, services, petitions.GetValueOrDefault(item.Command.PetitionId!.Value),
                        item.Command.Command is IRefersToAnotherPetition refers ? petitions.GetValueOrDefault(refers.OtherPetitionId) : null,
                        item.Command.Command is IPetitionCommand pc ? await PetitionCommands.HeldElsewhereAsync(pc, session, services) : null);
                PetitionCommands.Write(session, decision, item.Command.Meta);
                await Linking.LinkDelivery.SendAsync(outboxed.Outbox, province, decision);
                written++;
                outcomes[item.Index] = new BatchOutcome(item.Index, decision.PetitionId, decision.Record.ToVersion, false, decision.Events,
                    decision.CaseNumber, decision.CaseNumber is null ? null : services.AccessCodes.For(decision.PetitionId));
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        if (written == 0)
            return;

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing of the batch was kept: each command runs alone, as if it had been sent alone.
            logger.LogWarning("A batch of {Count} commands failed at commit ({Error}); running them one by one", written, e.GetType().Name);
            await OneByOneAsync(province, items, outcomes, ct);
        }
    }

    /// <summary>Validates the submissions, then takes their case numbers: one counter update per entry region and year.</summary>
    private async Task<Dictionary<int, (string Number, DecisionContext Context, string Region)>> CaseNumbersAsync(List<Item> fresh, BatchOutcome?[] outcomes,
        CancellationToken ct)
    {
        var wanting = new List<(Item Item, DecisionContext Context, string Region, int Year)>();
        foreach (var item in fresh)
        {
            if (item.Command.Command is not SubmitPetition submit)
                continue;
            try
            {
                var (ctx, region, year) = PetitionCommands.Validate(submit, item.Command.Meta, services);
                wanting.Add((item, ctx, region, year));
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
        var numbers = new Dictionary<int, (string Number, DecisionContext Context, string Region)>();
        foreach (var group in wanting.GroupBy(w => (w.Region, w.Year)))
        {
            var taken = await CaseNumbers.NextRangeAsync(services.Store, group.Key.Region, group.Key.Year, group.Count(), ct);
            foreach (var (w, number) in group.Zip(taken))
                numbers[w.Item.Index] = (number, w.Context, w.Region);
        }
        return numbers;
    }

    private async Task OneByOneAsync(string province, Item[] items, BatchOutcome?[] outcomes, CancellationToken ct)
    {
        foreach (var item in items)
        {
            // Repeats and refusals were settled without writing anything: they stand.
            if (outcomes[item.Index] is { } known && (known.Repeated || known.Refusal is not null))
                continue;
            await using var outboxed = services.OpenSession(province);
            try
            {
                var result = await PetitionCommands.RunAsync(outboxed.Session, outboxed.Outbox, services, item.Command, ct);
                outcomes[item.Index] = new BatchOutcome(item.Index, result.PetitionId, result.Version, result.Repeated,
                    [.. result.Events.Select(e => e.Data).OfType<IPetitionEvent>()], result.CaseNumber, result.AccessCode);
            }
            catch (RuleViolation e)
            {
                outcomes[item.Index] = Refused(item, e);
            }
        }
    }

    private async Task<BatchOutcome> RepeatAsync(string province, Item item, CommandRecord first, CancellationToken ct)
    {
        await using var session = services.Store.QuerySession(province);
        try
        {
            var result = await PetitionCommands.AnswerRepeatAsync(session, services, item.Command, item.Identity, first, ct);
            return new BatchOutcome(item.Index, result.PetitionId, result.Version, true, [], result.CaseNumber, result.AccessCode);
        }
        catch (RuleViolation e)
        {
            return Refused(item, e);
        }
    }

    private static BatchOutcome Refused(Item item, RuleViolation e) =>
        new(item.Index, item.Command.PetitionId ?? Guid.Empty, 0, false, [], Refusal: e);

    private sealed record Item(int Index, CommandEnvelope Command, string Identity);
}
