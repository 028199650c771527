using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.PetitionerActs;

public sealed record EvaluatePetitionMessage(CommandMeta Meta, EvaluatePetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "evaluatePetition";
}

public sealed record WithdrawPetitionMessage(CommandMeta Meta, WithdrawPetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "withdrawPetition";
}

/// <summary>What the petitioner does after submitting: evaluate, withdraw. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class PetitionerActsHandler
{
    public static Task<CommandResult> Handle(EvaluatePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(WithdrawPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);
}
