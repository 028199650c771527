using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Supervising;

public sealed record SupervisePetitionMessage(CommandMeta Meta, SupervisePetition Command) : PetitionMessage<SupervisePetition>(Meta, Command);
public sealed record RespondToSupervisionMessage(CommandMeta Meta, RespondToSupervision Command) : PetitionMessage<RespondToSupervision>(Meta, Command);

/// <summary>督办 and the supervised department's answer. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class SupervisingHandler
{
    public static Task<CommandResult> Handle(SupervisePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(RespondToSupervisionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
