using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Workflow.Commands;
using Marten;

namespace CaseEngine.Workflow.Reviewing;

public sealed record RequestReviewMessage(CommandMeta Meta, RequestReview Command) : PetitionMessage<RequestReview>(Meta, Command);
public sealed record DecideReviewMessage(CommandMeta Meta, DecideReview Command) : PetitionMessage<DecideReview>(Meta, Command);
public sealed record RequestReReviewMessage(CommandMeta Meta, RequestReReview Command) : PetitionMessage<RequestReReview>(Meta, Command);
public sealed record DecideReReviewMessage(CommandMeta Meta, DecideReReview Command) : PetitionMessage<DecideReReview>(Meta, Command);

/// <summary>复查 and 复核: the petitioner asks, the superior body decides. Each handler only delegates to <see cref="PetitionCommands"/>.</summary>
public static class ReviewingHandler
{
    public static Task<CommandResult> Handle(RequestReviewMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(DecideReviewMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(RequestReReviewMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);

    public static Task<CommandResult> Handle(DecideReReviewMessage m, IDocumentSession session, CommandServices services, CancellationToken ct) =>
        PetitionCommands.RunAsync(session, services, m, ct);
}
