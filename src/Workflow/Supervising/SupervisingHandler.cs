using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Supervising;

public sealed record SupervisePetitionMessage(CommandMeta Meta, SupervisePetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "supervisePetition";
}

public sealed record RespondToSupervisionMessage(CommandMeta Meta, RespondToSupervision Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "respondToSupervision";
}

/// <summary>督办 and the supervised department's answer. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class SupervisingHandler
{
    public static Task<CommandResult> Handle(SupervisePetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(RespondToSupervisionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);
}
