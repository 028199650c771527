using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Duplicates;

public sealed record LinkDuplicateMessage(CommandMeta Meta, LinkDuplicate Command) : PetitionMessage<LinkDuplicate>(Meta, Command);
public sealed record DismissSuspectedDuplicateMessage(CommandMeta Meta, DismissSuspectedDuplicate Command) : PetitionMessage<DismissSuspectedDuplicate>(Meta, Command);
public sealed record FlagSuspectedDuplicateMessage(CommandMeta Meta, FlagSuspectedDuplicate Command) : PetitionMessage<FlagSuspectedDuplicate>(Meta, Command);

/// <summary>Duplicate petitions: the engine flags, the office links or dismisses the flag. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class DuplicatesHandler
{
    public static Task<CommandResult> Handle(LinkDuplicateMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(DismissSuspectedDuplicateMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(FlagSuspectedDuplicateMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
