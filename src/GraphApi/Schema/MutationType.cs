using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Duplicates;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Domain.Petitions.Supervising;
using CaseEngine.GraphApi.Http;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Types;
using CaseEngine.Workflow.Tenancy;
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
    public MutationType(RuleBook rules, OperationLimitsOptions limits)
    {
        // How long a command may take before the request fails (the first one compiles Wolverine's handlers).
        var commandTimeout = TimeSpan.FromSeconds(limits.CommandTimeoutSeconds);
        Name = "Mutation";

        Field<NonNullGraphType<SubmitPetitionPayloadType>, SubmitPetitionPayload>("submitPetition")
            .Argument<NonNullGraphType<SubmitPetitionInputType>>("input")
            .ResolveAsync(async c =>
            {
                var input = c.GetArgument<SubmitPetitionInput>("input");
                var caller = c.Caller();
                var meta = new CommandMeta(InputReading.ParseId(input.CommandId, "commandId"), caller.Actor, caller.Anonymous, CorrelationId: c.Request().CorrelationId);
                var petitioner = input.Petitioner;
                var command = new SubmitPetition(
                    input.Channel, input.EntryRegionCode, input.Category, input.Subject, input.Content,
                    new PetitionerDetails(petitioner.Name, petitioner.Phone, petitioner.IdNumber, petitioner.Address),
                    input.ReceivedAt);
                var result = await Send(c, commandTimeout, new CommandEnvelope(meta, command));
                // A fresh submission carries the petition its commit stored; a repeat reads it.
                var petition = result.State ?? await c.Service<PetitionReader>().LoadAsync(result.PetitionId, c.CancellationToken)
                    ?? throw new InvalidOperationException("a submitted petition is missing");
                // The submitter holds the access code just issued: it sees its own petition as the petitioner.
                var lens = PetitionLens.For(petition, caller, rules.Directory, accessCodeVerified: Jurisdiction.SubmitterHoldsAccessCode(caller.Actor))
                    ?? PetitionLens.Of(petition, caller, rules.Directory);
                return new SubmitPetitionPayload(new PetitionNode(petition, lens), result.CaseNumber ?? petition.CaseNumber, result.AccessCode ?? "");
            });

        Command<ForwardPetitionInputType, ForwardPetitionInput>("forwardPetition", (i, id) =>
            new ForwardPetition(id, i.ToDepartmentId, i.Mode, i.Note));
        Command<TransferLevelInputType, TransferLevelInput>("transferLevel", (i, id) =>
            new TransferLevel(id, i.ToDepartmentId, i.Reason));
        Command<AcceptPetitionInputType, AcceptPetitionInput>("acceptPetition", (i, id) =>
            new AcceptPetition(id));
        Command<DeclinePetitionInputType, DeclinePetitionInput>("declinePetition", (i, id) =>
            new DeclinePetition(id, i.Reason, i.LegalRoute));
        Command<ReturnPetitionInputType, ReturnPetitionInput>("returnPetition", (i, id) =>
            new ReturnPetition(id, i.Reason));
        Command<AssignOfficerInputType, AssignOfficerInput>("assignOfficer", (i, id) =>
            new AssignOfficer(id, i.OfficerId));
        Command<ExtendDeadlineInputType, ExtendDeadlineInput>("extendDeadline", (i, id) =>
            new ExtendDeadline(id, i.Days, i.Reason));
        Command<IssueReplyInputType, IssueReplyInput>("issueReply", (i, id) =>
            new IssueReply(id, i.Decision, i.Text));
        Command<SupervisePetitionInputType, SupervisePetitionInput>("supervisePetition", (i, id) =>
            new SupervisePetition(id, i.Instruction, i.DueAt));
        Command<RespondToSupervisionInputType, RespondToSupervisionInput>("respondToSupervision", (i, id) =>
            new RespondToSupervision(id, i.SupervisionId, i.Response));
        Command<RequestReviewInputType, RequestReviewInput>("requestReview", (i, id) =>
            new RequestReview(id, i.Reason));
        Command<DecideReviewInputType, DecideReviewInput>("decideReview", (i, id) =>
            new DecideReview(id, i.Outcome, i.Text));
        Command<RequestReviewInputType, RequestReviewInput>("requestReReview", (i, id) =>
            new RequestReReview(id, i.Reason));
        Command<DecideReviewInputType, DecideReviewInput>("decideReReview", (i, id) =>
            new DecideReReview(id, i.Outcome, i.Text));
        Command<EvaluatePetitionInputType, EvaluatePetitionInput>("evaluatePetition", (i, id) =>
            new EvaluatePetition(id, i.Satisfaction, i.Comment));
        Command<LinkDuplicateInputType, LinkDuplicateInput>("linkDuplicate", (i, id) =>
            new LinkDuplicate(id, InputReading.ParseId(i.DuplicateOfPetitionId, "duplicateOfPetitionId"), i.Reason));
        Command<DismissSuspectedDuplicateInputType, DismissSuspectedDuplicateInput>("dismissSuspectedDuplicate", (i, id) =>
            new DismissSuspectedDuplicate(id, InputReading.ParseId(i.CandidatePetitionId, "candidatePetitionId"), i.Reason),
            description: "the current office judged a suspected duplicate wrong: the flag leaves the petition and its inbox item. An extension of the contract.");
        Command<ReclassifyPetitionInputType, ReclassifyPetitionInput>("reclassifyPetition", (i, id) =>
            new ReclassifyPetition(id, i.Category, i.Reason),
            description: "the petition office corrects the category the petitioner chose");
        Command<StartHearingInputType, StartHearingInput>("startHearing", (i, id) =>
            new StartHearing(id, i.Reason),
            description: "a hearing (听证) stops the stage's clock until it is concluded");
        Command<ConcludeHearingInputType, ConcludeHearingInput>("concludeHearing", (i, id) =>
            new ConcludeHearing(id, i.Summary));
        Command<WithdrawPetitionInputType, WithdrawPetitionInput>("withdrawPetition", (i, id) =>
            new WithdrawPetition(id, i.Reason));
        // Not a petition command: an ADMIN's act on the dead letters (Query.deadLetters).
        DeadLetterFields.AddTo(this);
        // Not a petition command either: an ADMIN writes the texts citizens read (Query.publications).
        PublicationFields.AddTo(this);

        // A petitioner's act (its input carries accessCode) may come without a token, with the access code.
        // The command is built from the input and the petition's id (parsed after commandId, as before); the one envelope carries it.
        void Command<TGraphType, TInput>(string name, Func<TInput, Guid, IPetitionCommand> command, string? description = null)
            where TGraphType : ContractInput<TInput> where TInput : PetitionCommandInput
        {
            var petitionerAct = typeof(PetitionerActInput).IsAssignableFrom(typeof(TInput));
            var field = Field<NonNullGraphType<PetitionPayloadType>, PetitionPayload>(name)
                .Argument<NonNullGraphType<TGraphType>>("input")
                .ResolveAsync(async c =>
                {
                    var input = c.GetArgument<TInput>("input");
                    var caller = c.Caller();
                    var accessCode = (input as PetitionerActInput)?.AccessCode;
                    if (caller.Anonymous && (!petitionerAct || string.IsNullOrWhiteSpace(accessCode)))
                        throw new RuleViolation(RuleCode.Unauthenticated, petitionerAct
                            ? "without a token this act needs the petition's accessCode"
                            : "this act needs a token");
                    var meta = new CommandMeta(InputReading.ParseId(input.CommandId, "commandId"), caller.Actor, caller.Anonymous,
                        input.ExpectedVersion, accessCode, c.Request().CorrelationId);
                    var result = await Send(c, commandTimeout, new CommandEnvelope(meta, command(input, InputReading.ParseId(input.PetitionId, "petitionId"))));
                    return await Payload(c, result, accessCode, rules);
                });
            if (description is not null)
                field.Description(description);
        }
    }

    /// <summary>The command to its province's database (<see cref="CommandRouting"/>), through the one handler.</summary>
    private static Task<CommandResult> Send(IResolveFieldContext c, TimeSpan timeout, CommandEnvelope command) =>
        c.Service<IMessageBus>().InvokeCommandAsync(c.Service<ProvinceDatabases>(), c.Service<CommandServices>(), command, c.CancellationToken, timeout);

    private static async Task<PetitionPayload> Payload(IResolveFieldContext c, CommandResult result, string? accessCode, RuleBook rules)
    {
        // A fresh execution carries the petition its commit stored (the inline snapshot); a repeat reads it.
        var petition = result.State ?? await c.Service<PetitionReader>().LoadAsync(result.PetitionId, c.CancellationToken)
            ?? throw RuleViolation.NotFound("no petition with that id");
        var caller = c.Caller();
        var verified = accessCode is not null && c.Service<AccessCodes>().Verify(petition.Id, petition.Link, accessCode);
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
            .Argument<PetitionEventFilterInputType>("filter")
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
                if (c.GetArgument<PetitionEventFilterInput?>("filter") is { } f)
                {
                    if (f.DepartmentId is not null && rules.Directory.FindDepartment(f.DepartmentId) is null)
                        throw RuleViolation.Validation("filter.departmentId is not in the directory");
                    query = query with
                    {
                        PetitionId = f.PetitionId is { } pid ? InputReading.ParseId(pid, "filter.petitionId") : null,
                        DepartmentId = f.DepartmentId,
                        IncludeSubordinates = f.IncludeSubordinates ?? false,
                        Types = f.Types?.ToHashSet(StringComparer.Ordinal),
                        RegionCodes = FeedQuery.ReadRegionCodes(f.RegionCodes, rules.Directory, "filter.regionCodes"),
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
