using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Types;
using Wolverine;

namespace CaseEngine.GraphApi.Schema;

public sealed record PetitionPayload(PetitionNode Petition, IReadOnlyList<EventNode> Events);

public sealed record SubmitPetitionPayload(PetitionNode Petition, string CaseNumber, string AccessCode) : ConfidentialRecord;

public sealed class PetitionPayloadType : ObjectGraphType<PetitionPayload>
{
    public PetitionPayloadType()
    {
        Name = "PetitionPayload";
        Field<NonNullGraphType<PetitionType>, PetitionNode>("petition").Resolve(c => c.Source.Petition);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PetitionEventType>>>, IEnumerable<EventNode>>("events")
            .Description("the events this command appended (for a repeated command: those of its first execution)")
            .Resolve(c => c.Source.Events);
    }
}

public sealed class SubmitPetitionPayloadType : ObjectGraphType<SubmitPetitionPayload>
{
    public SubmitPetitionPayloadType()
    {
        Name = "SubmitPetitionPayload";
        Field<NonNullGraphType<PetitionType>, PetitionNode>("petition").Resolve(c => c.Source.Petition);
        Field<NonNullGraphType<StringGraphType>, string>("caseNumber").Resolve(c => c.Source.CaseNumber);
        Field<NonNullGraphType<StringGraphType>, string>("accessCode")
            .Description("secret the petitioner uses with trackPetition; returned only here")
            .Resolve(c => c.Source.AccessCode);
    }
}

/// <summary>
/// Every mutation sends one Wolverine message built from the caller and the input, and answers
/// with the petition as it is now and the command's events, both seen through the caller's lens.
/// The domain decides NOT_FOUND, FORBIDDEN and the rest; the API only answers UNAUTHENTICATED
/// first, as the contract's order demands.
/// </summary>
public sealed class MutationType : ObjectGraphType
{
    /// <summary>How long a command may take before the request fails (the first one compiles Wolverine's handlers).</summary>
    public static TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public MutationType(RuleBook rules)
    {
        Name = "Mutation";

        Field<NonNullGraphType<SubmitPetitionPayloadType>, SubmitPetitionPayload>("submitPetition")
            .Argument<NonNullGraphType<SubmitPetitionInput>>("input")
            .ResolveAsync(async c =>
            {
                var input = c.GetArgument<Dictionary<string, object?>>("input");
                var caller = c.Caller();
                var meta = new CommandMeta(input.Id("commandId"), caller.Actor, caller.Anonymous, CorrelationId: c.Request().CorrelationId);
                var petitioner = input.Get<Dictionary<string, object?>>("petitioner") ?? [];
                var command = new SubmitPetition(
                    input.Get<Channel>("channel"), input.Text("entryRegionCode") ?? "", input.Get<PetitionCategory>("category"),
                    input.Text("subject") ?? "", input.Text("content") ?? "",
                    new PetitionerDetails(petitioner.Text("name") ?? "", petitioner.Text("phone"), petitioner.Text("idNumber"), petitioner.Text("address")),
                    input.Get<DateTimeOffset?>("receivedAt"));
                var result = await Send(c, new CommandEnvelope(meta, command));
                // A fresh submission carries the petition its commit stored; a repeat reads it.
                var petition = result.State ?? await c.Service<PetitionReader>().LoadAsync(result.PetitionId, c.CancellationToken)
                    ?? throw new InvalidOperationException("a submitted petition is missing");
                // The submitter holds the access code just issued: it sees its own petition as the petitioner.
                var lens = PetitionLens.For(petition, caller, rules.Directory, accessCodeVerified: Jurisdiction.SubmitterHoldsAccessCode(caller.Actor))
                    ?? PetitionLens.Of(petition, caller, rules.Directory);
                return new SubmitPetitionPayload(new PetitionNode(petition, lens), result.CaseNumber ?? petition.CaseNumber, result.AccessCode ?? "");
            });

        Command<ForwardPetitionInput>("forwardPetition", i =>
            new ForwardPetition(i.Id("petitionId"), i.Text("toDepartmentId") ?? "", i.Get<ForwardMode>("mode"), i.Text("note")));
        Command<TransferLevelInput>("transferLevel", i =>
            new TransferLevel(i.Id("petitionId"), i.Text("toDepartmentId") ?? "", i.Text("reason") ?? ""));
        Command<AcceptPetitionInput>("acceptPetition", i =>
            new AcceptPetition(i.Id("petitionId")));
        Command<DeclinePetitionInput>("declinePetition", i =>
            new DeclinePetition(i.Id("petitionId"), i.Text("reason") ?? "", i.Get<LegalRoute?>("legalRoute")));
        Command<ReturnPetitionInput>("returnPetition", i =>
            new ReturnPetition(i.Id("petitionId"), i.Text("reason") ?? ""));
        Command<AssignOfficerInput>("assignOfficer", i =>
            new AssignOfficer(i.Id("petitionId"), i.Text("officerId") ?? ""));
        Command<ExtendDeadlineInput>("extendDeadline", i =>
            new ExtendDeadline(i.Id("petitionId"), i.Int("days") ?? 0, i.Text("reason") ?? ""));
        Command<IssueReplyInput>("issueReply", i =>
            new IssueReply(i.Id("petitionId"), i.Get<ReplyDecision>("decision"), i.Text("text") ?? ""));
        Command<SupervisePetitionInput>("supervisePetition", i =>
            new SupervisePetition(i.Id("petitionId"), i.Text("instruction") ?? "", i.Get<DateTimeOffset>("dueAt")));
        Command<RespondToSupervisionInput>("respondToSupervision", i =>
            new RespondToSupervision(i.Id("petitionId"), i.Text("supervisionId") ?? "", i.Text("response") ?? ""));
        Command<RequestReviewInput>("requestReview", i =>
            new RequestReview(i.Id("petitionId"), i.Text("reason") ?? ""), petitionerAct: true);
        Command<DecideReviewInput>("decideReview", i =>
            new DecideReview(i.Id("petitionId"), i.Get<ReviewOutcome>("outcome"), i.Text("text") ?? ""));
        Command<RequestReviewInput>("requestReReview", i =>
            new RequestReReview(i.Id("petitionId"), i.Text("reason") ?? ""), petitionerAct: true);
        Command<DecideReviewInput>("decideReReview", i =>
            new DecideReReview(i.Id("petitionId"), i.Get<ReviewOutcome>("outcome"), i.Text("text") ?? ""));
        Command<EvaluatePetitionInput>("evaluatePetition", i =>
            new EvaluatePetition(i.Id("petitionId"), i.Get<Satisfaction>("satisfaction"), i.Text("comment")), petitionerAct: true);
        Command<LinkDuplicateInput>("linkDuplicate", i =>
            new LinkDuplicate(i.Id("petitionId"), i.Id("duplicateOfPetitionId"), i.Text("reason")));
        Command<DismissSuspectedDuplicateInput>("dismissSuspectedDuplicate", i =>
            new DismissSuspectedDuplicate(i.Id("petitionId"), i.Id("candidatePetitionId"), i.Text("reason")),
            description: "the current office judged a suspected duplicate wrong: the flag leaves the petition and its inbox item. An extension of the contract.");
        Command<ReclassifyPetitionInput>("reclassifyPetition", i =>
            new ReclassifyPetition(i.Id("petitionId"), i.Get<PetitionCategory>("category"), i.Text("reason") ?? ""),
            description: "the petition office corrects the category the petitioner chose");
        Command<StartHearingInput>("startHearing", i =>
            new StartHearing(i.Id("petitionId"), i.Text("reason") ?? ""),
            description: "a hearing (听证) stops the stage's clock until it is concluded");
        Command<ConcludeHearingInput>("concludeHearing", i =>
            new ConcludeHearing(i.Id("petitionId"), i.Text("summary") ?? ""));
        Command<WithdrawPetitionInput>("withdrawPetition", i =>
            new WithdrawPetition(i.Id("petitionId"), i.Text("reason")), petitionerAct: true);

        void Command<TInput>(string name, Func<IReadOnlyDictionary<string, object?>, IPetitionCommand> command,
            bool petitionerAct = false, string? description = null) where TInput : ContractInput
        {
            var field = Field<NonNullGraphType<PetitionPayloadType>, PetitionPayload>(name)
                .Argument<NonNullGraphType<TInput>>("input")
                .ResolveAsync(async c =>
                {
                    var input = c.GetArgument<Dictionary<string, object?>>("input");
                    var caller = c.Caller();
                    var accessCode = petitionerAct ? input.Text("accessCode") : null;
                    if (caller.Anonymous && (!petitionerAct || string.IsNullOrWhiteSpace(accessCode)))
                        throw new RuleViolation(RuleCode.Unauthenticated, petitionerAct
                            ? "without a token this act needs the petition's accessCode"
                            : "this act needs a token");
                    var meta = new CommandMeta(input.Id("commandId"), caller.Actor, caller.Anonymous,
                        input.Int("expectedVersion"), accessCode, c.Request().CorrelationId);
                    var result = await Send(c, new CommandEnvelope(meta, command(input)));
                    return await Payload(c, result, accessCode, rules);
                });
            if (description is not null)
                field.Description(description);
        }
    }

    private static Task<CommandResult> Send(IResolveFieldContext c, CommandEnvelope command) =>
        c.Service<IMessageBus>().InvokeAsync<CommandResult>(command, c.CancellationToken, CommandTimeout);

    private static async Task<PetitionPayload> Payload(IResolveFieldContext c, CommandResult result, string? accessCode, RuleBook rules)
    {
        // A fresh execution carries the petition its commit stored (the inline snapshot); a repeat reads it.
        var petition = result.State ?? await c.Service<PetitionReader>().LoadAsync(result.PetitionId, c.CancellationToken)
            ?? throw RuleViolation.NotFound("no petition with that id");
        var caller = c.Caller();
        var verified = accessCode is not null && c.Service<AccessCodes>().Verify(petition.Id, accessCode);
        var lens = PetitionLens.For(petition, caller, rules.Directory, verified) ?? PetitionLens.Of(petition, caller, rules.Directory, verified);
        return new PetitionPayload(new PetitionNode(petition, lens), PetitionEventType.Visible(result.Events, lens));
    }
}

public sealed class SubscriptionType : ObjectGraphType
{
    public const string NotOverHttp = "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP";

    public SubscriptionType(RuleBook rules)
    {
        Name = "Subscription";
        Field<NonNullGraphType<PetitionEventType>, EventNode>("petitionEvents")
            .Description("Live case events, in sequence order, over the graphql-transport-ws protocol. With `after`, the server first replays every matching stored event with a greater sequence, then continues live with no gap and no duplicate.")
            .Argument<PetitionEventFilterInput>("filter")
            .Argument<LongScalar>("after")
            .Resolve(c => c.Source as EventNode)
            .ResolveStream(c =>
            {
                var request = c.Request();
                if (request.Gate is null)
                    throw RuleViolation.Validation(NotOverHttp);
                var caller = request.Caller;
                EventFeed.EnsureMayFollow(caller);
                var after = c.GetArgument<long?>("after") ?? 0;
                if (after < 0)
                    throw RuleViolation.Validation("after must not be negative");
                var query = new FeedQuery(after, 100, null, null);
                if (c.GetArgument<Dictionary<string, object?>?>("filter") is { } f)
                {
                    var departmentId = f.Text("departmentId");
                    if (departmentId is not null && rules.Directory.FindDepartment(departmentId) is null)
                        throw RuleViolation.Validation("filter.departmentId is not in the directory");
                    query = query with
                    {
                        PetitionId = f.Text("petitionId") is { } pid ? InputReading.ParseId(pid, "filter.petitionId") : null,
                        DepartmentId = departmentId,
                        IncludeSubordinates = f.Get<bool?>("includeSubordinates") ?? false,
                        Types = f.Get<IEnumerable<object>>("types")?.Select(t => t.ToString()!).ToHashSet(StringComparer.Ordinal),
                    };
                }
                var live = c.Service<LiveEvents>();
                return new PacedObservable<EventNode>(ct => live.FollowAsync(query, caller, ct), request.Gate);
            });
    }
}

/// <summary>An async sequence as the observable GraphQL.NET subscribes to, one element at a time through the gate.</summary>
public sealed class PacedObservable<T>(Func<CancellationToken, IAsyncEnumerable<T>> source, SubscriptionGate gate) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        var cts = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source(cts.Token).WithCancellation(cts.Token))
                {
                    await gate.WaitAsync(cts.Token);
                    observer.OnNext(item);
                }
                observer.OnCompleted();
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                gate.Fault(e);
            }
        });
        return new Cancel(cts);
    }

    private sealed class Cancel(CancellationTokenSource cts) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
