using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Routing;

public sealed record ForwardPetitionMessage(CommandMeta Meta, ForwardPetition Command) : PetitionMessage<ForwardPetition>(Meta, Command);
public sealed record TransferLevelMessage(CommandMeta Meta, TransferLevel Command) : PetitionMessage<TransferLevel>(Meta, Command);
public sealed record DeclinePetitionMessage(CommandMeta Meta, DeclinePetition Command) : PetitionMessage<DeclinePetition>(Meta, Command);
public sealed record ReturnPetitionMessage(CommandMeta Meta, ReturnPetition Command) : PetitionMessage<ReturnPetition>(Meta, Command);
public sealed record ReclassifyPetitionMessage(CommandMeta Meta, ReclassifyPetition Command) : PetitionMessage<ReclassifyPetition>(Meta, Command);

/// <summary>Routing and deciding at the petition office, and the agency's return. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class RoutingHandler
{
    public static Task<CommandResult> Handle(ForwardPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(TransferLevelMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(DeclinePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(ReturnPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(ReclassifyPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
