using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.PetitionerActs;

public sealed record EvaluatePetitionMessage(CommandMeta Meta, EvaluatePetition Command) : PetitionMessage<EvaluatePetition>(Meta, Command);
public sealed record WithdrawPetitionMessage(CommandMeta Meta, WithdrawPetition Command) : PetitionMessage<WithdrawPetition>(Meta, Command);

/// <summary>What the petitioner does after submitting: evaluate, withdraw. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class PetitionerActsHandler
{
    public static Task<CommandResult> Handle(EvaluatePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(WithdrawPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
