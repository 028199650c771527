using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Submitting;

public sealed record SubmitPetitionMessage(CommandMeta Meta, SubmitPetition Command) : ConfidentialRecord
{
    public const string Name = "submitPetition";
}

/// <summary>
/// 登记: validates before spending a case number, allocates the stream id and the number, starts
/// the stream. A repeated command id answers with the same petition, case number and access code.
/// </summary>
public static class SubmitPetitionHandler
{
    public static async Task<CommandResult> Handle(SubmitPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct)
    {
        var identity = PetitionCommands.Identity(SubmitPetitionMessage.Name, m.Command, m.Meta);
        if (await PetitionCommands.FindRepeatAsync(session, m.Meta.CommandId, identity, ct) is { } first)
            return await RepeatAsync(session, services, first, ct);

        var rules = services.Rules;
        var ctx = Context(m, services);
        var office = Submission.Validate(m.Command, ctx);

        var petitionId = Guid.CreateVersion7(ctx.Now);
        var year = rules.Clock.DateOf(m.Command.ReceivedAt ?? ctx.Now).Year;
        var caseNumber = await CaseNumbers.NextAsync(session.DocumentStore, office.RegionCode, year, ct);
        var events = Submission.Decide(m.Command, new Allocation(petitionId, caseNumber), ctx);

        PetitionCommands.Stamp(session, m.Meta, ctx.Actor);
        session.Events.StartStream<Petition>(petitionId, events.Cast<object>().ToArray());
        var after = Petition.Fold(events);
        PetitionCommands.ReconcileTimers(session, null, after);
        var record = new CommandRecord
        {
            Id = m.Meta.CommandId,
            Identity = identity,
            Name = SubmitPetitionMessage.Name,
            PetitionId = petitionId,
            FromVersion = 1,
            ToVersion = events.Length,
            ExecutedAt = ctx.Now,
        };
        session.Insert(record);
        var result = await PetitionCommands.CommitAsync(session, record, ct, caseNumber, services.AccessCodes.For(petitionId), after);
        // A concurrent twin that lost at commit answers with the winner's petition: its own number and code.
        return result.Repeated ? await RepeatAsync(session, services, record, ct, result) : result;
    }

    /// <summary>The decision context of a submission: no petition yet, so no access code to check.</summary>
    public static DecisionContext Context(SubmitPetitionMessage m, CommandServices services) =>
        new(m.Meta.Caller, services.Time.GetUtcNow(), services.Rules.Directory, services.Rules.Clock, m.Meta.Anonymous);

    private static async Task<CommandResult> RepeatAsync(IDocumentSession session, CommandServices services, CommandRecord first,
        CancellationToken ct, CommandResult? known = null)
    {
        await using var fresh = session.DocumentStore.QuerySession();
        var result = known ?? await PetitionCommands.ResultAsync(fresh, first, repeated: true, ct);
        var petition = await fresh.LoadAsync<Petition>(result.PetitionId, ct);
        return result with { CaseNumber = petition?.CaseNumber, AccessCode = services.AccessCodes.For(result.PetitionId) };
    }
}
