using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Handling;

public sealed record AcceptPetitionMessage(CommandMeta Meta, AcceptPetition Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "acceptPetition";
}

public sealed record AssignOfficerMessage(CommandMeta Meta, AssignOfficer Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "assignOfficer";
}

public sealed record ExtendDeadlineMessage(CommandMeta Meta, ExtendDeadline Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "extendDeadline";
}

public sealed record StartHearingMessage(CommandMeta Meta, StartHearing Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "startHearing";
}

public sealed record ConcludeHearingMessage(CommandMeta Meta, ConcludeHearing Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "concludeHearing";
}

public sealed record IssueReplyMessage(CommandMeta Meta, IssueReply Command) : IPetitionMessage
{
    public IPetitionCommand Body => Command;
    public string Name => "issueReply";
}

/// <summary>The handling agency's acceptance, handling and reply. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class HandlingHandler
{
    public static Task<CommandResult> Handle(AcceptPetitionMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(AssignOfficerMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(ExtendDeadlineMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(StartHearingMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(ConcludeHearingMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);

    public static Task<CommandResult> Handle(IssueReplyMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m.Name, m.Meta, m.Command, ct);
}
