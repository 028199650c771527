using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Handling;

public sealed record AcceptPetitionMessage(CommandMeta Meta, AcceptPetition Command) : PetitionMessage<AcceptPetition>(Meta, Command);
public sealed record AssignOfficerMessage(CommandMeta Meta, AssignOfficer Command) : PetitionMessage<AssignOfficer>(Meta, Command);
public sealed record ExtendDeadlineMessage(CommandMeta Meta, ExtendDeadline Command) : PetitionMessage<ExtendDeadline>(Meta, Command);
public sealed record StartHearingMessage(CommandMeta Meta, StartHearing Command) : PetitionMessage<StartHearing>(Meta, Command);
public sealed record ConcludeHearingMessage(CommandMeta Meta, ConcludeHearing Command) : PetitionMessage<ConcludeHearing>(Meta, Command);
public sealed record IssueReplyMessage(CommandMeta Meta, IssueReply Command) : PetitionMessage<IssueReply>(Meta, Command);

/// <summary>The handling agency's acceptance, handling and reply. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class HandlingHandler
{
    public static Task<CommandResult> Handle(AcceptPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(AssignOfficerMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(ExtendDeadlineMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(StartHearingMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(ConcludeHearingMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(IssueReplyMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
