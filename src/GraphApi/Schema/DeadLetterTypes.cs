using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.DeadLetters;
using GraphQL;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>A page of dead letters, oldest failure first.</summary>
public sealed record DeadLetterList(int TotalCount, IReadOnlyList<DeadLetter> Items);

/// <summary>Query.deadLetters and Mutation.replayDeadLetter: ADMIN (Jurisdiction.EnsureMayManageDeadLetters).</summary>
public static class DeadLetterFields
{
    public static void AddTo(QueryType query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Field<NonNullGraphType<DeadLetterListType>, DeadLetterList>("deadLetters")
            .Description("ADMIN: messages and engine commands that kept failing (e.g. a suspected-duplicate flag), kept until replayed; "
                + "what each was and on which petition, never its content. An extension of the contract.")
            .Argument<IntGraphType>("first", a => a.DefaultValue = 50)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                if (caller.Anonymous)
                    Jurisdiction.EnsureMayManageDeadLetters(caller.Actor, caller.Anonymous);
                var first = Paging.First(c.GetArgument<int?>("first"));
                Jurisdiction.EnsureMayManageDeadLetters(caller.Actor, caller.Anonymous);
                var letters = await c.Service<DeadLetterBox>().ListAsync(first, c.CancellationToken);
                return new DeadLetterList(letters.Count, letters);
            });
    }

    public static void AddTo(MutationType mutation)
    {
        ArgumentNullException.ThrowIfNull(mutation);
        mutation.Field<NonNullGraphType<BooleanGraphType>, bool>("replayDeadLetter")
            .Description("ADMIN: runs a dead letter again with its original message (an engine command keeps its command id, so one "
                + "that did apply meanwhile is answered as a repeat); false when there is no such letter. An extension of the contract.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                if (caller.Anonymous)
                    Jurisdiction.EnsureMayManageDeadLetters(caller.Actor, caller.Anonymous);
                var id = InputReading.ParseId(c.GetArgument<string>("id"), "id");
                Jurisdiction.EnsureMayManageDeadLetters(caller.Actor, caller.Anonymous);
                return await c.Service<DeadLetterBox>().ReplayAsync(id, c.CancellationToken);
            });
    }
}

public sealed class DeadLetterListType : ObjectGraphType<DeadLetterList>
{
    public DeadLetterListType()
    {
        Name = "DeadLetterList";
        Field<NonNullGraphType<IntGraphType>, int>("totalCount").Resolve(c => c.Source.TotalCount);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeadLetterType>>>, IReadOnlyList<DeadLetter>>("items").Resolve(c => c.Source.Items);
    }
}

public sealed class DeadLetterType : ObjectGraphType<DeadLetter>
{
    public DeadLetterType()
    {
        Name = "DeadLetter";
        Description = "A message or engine command that kept failing, kept in the dead-letter table.";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id.ToString());
        Field<NonNullGraphType<StringGraphType>, string>("messageType").Resolve(c => c.Source.MessageType);
        Field<StringGraphType, string?>("command").Description("the command's name (flagSuspectedDuplicates), for an engine command")
            .Resolve(c => c.Source.Command);
        Field<IdGraphType, string?>("commandId").Resolve(c => c.Source.CommandId?.ToString());
        Field<IdGraphType, string?>("petitionId").Resolve(c => c.Source.PetitionId?.ToString());
        Field<NonNullGraphType<StringGraphType>, string>("exceptionType").Description("the failure's type (never its message)")
            .Resolve(c => c.Source.ExceptionType);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("failedAt").Resolve(c => c.Source.FailedAt);
        Field<NonNullGraphType<BooleanGraphType>, bool>("replayable").Description("marked for replay, not yet moved back to its queue")
            .Resolve(c => c.Source.Replayable);
    }
}
