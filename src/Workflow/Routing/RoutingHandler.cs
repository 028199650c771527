using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Routing;

public sealed record ForwardPetitionMessage(CommandMeta Meta, ForwardPetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "forwardPetition";
}

public sealed record TransferLevelMessage(CommandMeta Meta, TransferLevel Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "transferLevel";
}

public sealed record DeclinePetitionMessage(CommandMeta Meta, DeclinePetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "declinePetition";
}

public sealed record ReturnPetitionMessage(CommandMeta Meta, ReturnPetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "returnPetition";
}

public sealed record ReclassifyPetitionMessage(CommandMeta Meta, ReclassifyPetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "reclassifyPetition";
}

/// <summary>Routing and deciding at the petition office, and the agency's return. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class RoutingHandler
{
    public static Task<CommandResult> Handle(ForwardPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(TransferLevelMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(DeclinePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(ReturnPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(ReclassifyPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);
}
