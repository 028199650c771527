using CaseEngine.Domain.Petitions.Deadlines;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Deadlines;

public sealed record MarkDeadlineMissedMessage(CommandMeta Meta, MarkDeadlineMissed Command) : PetitionMessage<MarkDeadlineMissed>(Meta, Command);
public sealed record CloseLapsedWindowMessage(CommandMeta Meta, CloseLapsedWindow Command) : PetitionMessage<CloseLapsedWindow>(Meta, Command);
public sealed record RecalculateDeadlinesMessage(CommandMeta Meta, RecalculateDeadlines Command) : PetitionMessage<RecalculateDeadlines>(Meta, Command);

/// <summary>What the engine does by itself when the injected clock passes a due moment or the calendar changes. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class DeadlinesHandler
{
    public static Task<CommandResult> Handle(MarkDeadlineMissedMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(CloseLapsedWindowMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(RecalculateDeadlinesMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
