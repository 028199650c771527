using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>
/// A contract input bound to its record: GraphQL.NET's <see cref="InputObjectGraphType{TSourceType}"/>
/// maps each field to the record's property of the same name (<c>ParseDictionary</c>), so resolvers
/// read <c>GetArgument&lt;TInput&gt;("input")</c>, never a dictionary by key. Ids stay text in the records:
/// a malformed one is VALIDATION naming the field (<see cref="InputReading.ParseId"/>), never a server error.
/// </summary>
public abstract class ContractInput<TInput> : InputObjectGraphType<TInput>
{
    protected ContractInput(string name, string? description = null)
    {
        Name = name;
        Description = description;
    }

    protected void Required<TGraphType>(string name, string? description = null) where TGraphType : IGraphType
    {
        var field = Field<NonNullGraphType<TGraphType>>(name);
        if (description is not null)
            field.Description(description);
    }

    protected void Optional<TGraphType>(string name, string? description = null) where TGraphType : IGraphType
    {
        var field = Field<TGraphType>(name);
        if (description is not null)
            field.Description(description);
    }

    /// <summary>commandId, petitionId and (optionally) expectedVersion: the head of every command on a petition.</summary>
    protected void CommandOnPetition(bool expectedVersion = true)
    {
        Required<IdGraphType>("commandId");
        Required<IdGraphType>("petitionId");
        if (expectedVersion)
            Optional<IntGraphType>("expectedVersion");
    }
}

/// <summary>The head of every command on a petition (<see cref="ContractInput{TInput}.CommandOnPetition"/>).</summary>
public abstract record PetitionCommandInput : ConfidentialRecord
{
    public string CommandId { get; init; } = "";
    public string PetitionId { get; init; } = "";

    /// <summary>Null when the input has no such field or the client left it out.</summary>
    public int? ExpectedVersion { get; init; }
}

/// <summary>A petitioner's act: without a token it needs the petition's access code.</summary>
public abstract record PetitionerActInput : PetitionCommandInput
{
    public string? AccessCode { get; init; }
}

public sealed record InboxFilterInput : ConfidentialRecord
{
    public IReadOnlyList<Stage>? Stages { get; init; }
    public bool? OverdueOnly { get; init; }
    public string? AssignedOfficerId { get; init; }
    public PetitionCategory? Category { get; init; }
    public string? Text { get; init; }
}

public sealed class InboxFilterInputType : ContractInput<InboxFilterInput>
{
    public InboxFilterInputType() : base("InboxFilter")
    {
        Optional<ListGraphType<NonNullGraphType<StageEnum>>>("stages");
        Optional<BooleanGraphType>("overdueOnly");
        Optional<IdGraphType>("assignedOfficerId");
        Optional<PetitionCategoryEnum>("category");
        Optional<StringGraphType>("text", "substring match on subject");
    }
}

public sealed record PetitionerInput : ConfidentialRecord
{
    public string Name { get; init; } = "";
    public string? Phone { get; init; }
    public string? IdNumber { get; init; }
    public string? Address { get; init; }
}

public sealed class PetitionerInputType : ContractInput<PetitionerInput>
{
    public PetitionerInputType() : base("PetitionerInput")
    {
        Required<StringGraphType>("name");
        Optional<StringGraphType>("phone");
        Optional<StringGraphType>("idNumber");
        Optional<StringGraphType>("address");
    }
}

public sealed record SubmitPetitionInput : ConfidentialRecord
{
    public string CommandId { get; init; } = "";
    public Channel Channel { get; init; }
    public string EntryRegionCode { get; init; } = "";
    public PetitionCategory Category { get; init; }
    public string Subject { get; init; } = "";
    public string Content { get; init; } = "";
    public PetitionerInput Petitioner { get; init; } = new();
    public DateTimeOffset? ReceivedAt { get; init; }
}

public sealed class SubmitPetitionInputType : ContractInput<SubmitPetitionInput>
{
    public SubmitPetitionInputType() : base("SubmitPetitionInput")
    {
        Required<IdGraphType>("commandId");
        Required<ChannelEnum>("channel");
        Required<IdGraphType>("entryRegionCode", "the region whose petition office the petitioner addresses (province, city or county entry)");
        Required<PetitionCategoryEnum>("category");
        Required<StringGraphType>("subject");
        Required<StringGraphType>("content");
        Required<PetitionerInputType>("petitioner");
        Optional<DateTimeScalar>("receivedAt", "when a LETTER or VISIT actually arrived, registered later by staff; defaults to now");
    }
}

public sealed record ForwardPetitionInput : PetitionCommandInput
{
    public string ToDepartmentId { get; init; } = "";
    public ForwardMode Mode { get; init; }
    public string? Note { get; init; }
}

public sealed class ForwardPetitionInputType : ContractInput<ForwardPetitionInput>
{
    public ForwardPetitionInputType() : base("ForwardPetitionInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("toDepartmentId");
        Required<ForwardModeEnum>("mode");
        Optional<StringGraphType>("note");
    }
}

public sealed record TransferLevelInput : PetitionCommandInput
{
    public string ToDepartmentId { get; init; } = "";
    public string Reason { get; init; } = "";
}

public sealed class TransferLevelInputType : ContractInput<TransferLevelInput>
{
    public TransferLevelInputType() : base("TransferLevelInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("toDepartmentId", "a petition office at another level (up or down the hierarchy)");
        Required<StringGraphType>("reason");
    }
}

public sealed record AcceptPetitionInput : PetitionCommandInput;

public sealed class AcceptPetitionInputType : ContractInput<AcceptPetitionInput>
{
    public AcceptPetitionInputType() : base("AcceptPetitionInput") => CommandOnPetition();
}

public sealed record DeclinePetitionInput : PetitionCommandInput
{
    public string Reason { get; init; } = "";
    public LegalRoute? LegalRoute { get; init; }
}

public sealed class DeclinePetitionInputType : ContractInput<DeclinePetitionInput>
{
    public DeclinePetitionInputType() : base("DeclinePetitionInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
        Optional<LegalRouteEnum>("legalRoute");
    }
}

public sealed record ReturnPetitionInput : PetitionCommandInput
{
    public string Reason { get; init; } = "";
}

public sealed class ReturnPetitionInputType : ContractInput<ReturnPetitionInput>
{
    public ReturnPetitionInputType() : base("ReturnPetitionInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
    }
}

public sealed record AssignOfficerInput : PetitionCommandInput
{
    public string OfficerId { get; init; } = "";
}

public sealed class AssignOfficerInputType : ContractInput<AssignOfficerInput>
{
    public AssignOfficerInputType() : base("AssignOfficerInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("officerId");
    }
}

public sealed record ExtendDeadlineInput : PetitionCommandInput
{
    public int Days { get; init; }
    public string Reason { get; init; } = "";
}

public sealed class ExtendDeadlineInputType : ContractInput<ExtendDeadlineInput>
{
    public ExtendDeadlineInputType() : base("ExtendDeadlineInput")
    {
        CommandOnPetition();
        Required<IntGraphType>("days");
        Required<StringGraphType>("reason");
    }
}

public sealed record IssueReplyInput : PetitionCommandInput
{
    public ReplyDecision Decision { get; init; }
    public string Text { get; init; } = "";
}

public sealed class IssueReplyInputType : ContractInput<IssueReplyInput>
{
    public IssueReplyInputType() : base("IssueReplyInput")
    {
        CommandOnPetition();
        Required<ReplyDecisionEnum>("decision");
        Required<StringGraphType>("text");
    }
}

public sealed record SupervisePetitionInput : PetitionCommandInput
{
    public string Instruction { get; init; } = "";
    public DateTimeOffset DueAt { get; init; }
}

public sealed class SupervisePetitionInputType : ContractInput<SupervisePetitionInput>
{
    public SupervisePetitionInputType() : base("SupervisePetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<StringGraphType>("instruction");
        Required<DateTimeScalar>("dueAt");
    }
}

public sealed record RespondToSupervisionInput : PetitionCommandInput
{
    public string SupervisionId { get; init; } = "";
    public string Response { get; init; } = "";
}

public sealed class RespondToSupervisionInputType : ContractInput<RespondToSupervisionInput>
{
    public RespondToSupervisionInputType() : base("RespondToSupervisionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<IdGraphType>("supervisionId");
        Required<StringGraphType>("response");
    }
}

public sealed record RequestReviewInput : PetitionerActInput
{
    public string Reason { get; init; } = "";
}

public sealed class RequestReviewInputType : ContractInput<RequestReviewInput>
{
    public RequestReviewInputType() : base("RequestReviewInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<StringGraphType>("reason");
        Optional<StringGraphType>("accessCode", "required when the caller has no PETITIONER token for this petition");
    }
}

public sealed record DecideReviewInput : PetitionCommandInput
{
    public ReviewOutcome Outcome { get; init; }
    public string Text { get; init; } = "";
}

public sealed class DecideReviewInputType : ContractInput<DecideReviewInput>
{
    public DecideReviewInputType() : base("DecideReviewInput")
    {
        CommandOnPetition();
        Required<ReviewOutcomeEnum>("outcome");
        Required<StringGraphType>("text");
    }
}

public sealed record EvaluatePetitionInput : PetitionerActInput
{
    public Satisfaction Satisfaction { get; init; }
    public string? Comment { get; init; }
}

public sealed class EvaluatePetitionInputType : ContractInput<EvaluatePetitionInput>
{
    public EvaluatePetitionInputType() : base("EvaluatePetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<SatisfactionEnum>("satisfaction");
        Optional<StringGraphType>("comment");
        Optional<StringGraphType>("accessCode");
    }
}

public sealed record LinkDuplicateInput : PetitionCommandInput
{
    public string DuplicateOfPetitionId { get; init; } = "";
    public string? Reason { get; init; }
}

public sealed class LinkDuplicateInputType : ContractInput<LinkDuplicateInput>
{
    public LinkDuplicateInputType() : base("LinkDuplicateInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<IdGraphType>("duplicateOfPetitionId");
        Optional<StringGraphType>("reason");
    }
}

public sealed record DismissSuspectedDuplicateInput : PetitionCommandInput
{
    public string CandidatePetitionId { get; init; } = "";
    public string? Reason { get; init; }
}

public sealed class DismissSuspectedDuplicateInputType : ContractInput<DismissSuspectedDuplicateInput>
{
    public DismissSuspectedDuplicateInputType() : base("DismissSuspectedDuplicateInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("candidatePetitionId", "the candidate of a suspected duplicate flagged on this petition");
        Optional<StringGraphType>("reason");
    }
}

public sealed record ReclassifyPetitionInput : PetitionCommandInput
{
    public PetitionCategory Category { get; init; }
    public string Reason { get; init; } = "";
}

public sealed class ReclassifyPetitionInputType : ContractInput<ReclassifyPetitionInput>
{
    public ReclassifyPetitionInputType() : base("ReclassifyPetitionInput")
    {
        CommandOnPetition();
        Required<PetitionCategoryEnum>("category");
        Required<StringGraphType>("reason");
    }
}

public sealed record StartHearingInput : PetitionCommandInput
{
    public string Reason { get; init; } = "";
}

public sealed class StartHearingInputType : ContractInput<StartHearingInput>
{
    public StartHearingInputType() : base("StartHearingInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
    }
}

public sealed record ConcludeHearingInput : PetitionCommandInput
{
    public string Summary { get; init; } = "";
}

public sealed class ConcludeHearingInputType : ContractInput<ConcludeHearingInput>
{
    public ConcludeHearingInputType() : base("ConcludeHearingInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("summary");
    }
}

public sealed record WithdrawPetitionInput : PetitionerActInput
{
    public string? Reason { get; init; }
}

public sealed class WithdrawPetitionInputType : ContractInput<WithdrawPetitionInput>
{
    public WithdrawPetitionInputType() : base("WithdrawPetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Optional<StringGraphType>("reason");
        Optional<StringGraphType>("accessCode");
    }
}

public sealed record PetitionEventFilterInput : ConfidentialRecord
{
    public string? PetitionId { get; init; }
    public string? DepartmentId { get; init; }
    public bool? IncludeSubordinates { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public IReadOnlyList<string>? RegionCodes { get; init; }
}

public sealed class PetitionEventFilterInputType : ContractInput<PetitionEventFilterInput>
{
    public PetitionEventFilterInputType() : base("PetitionEventFilter")
    {
        Optional<IdGraphType>("petitionId");
        Optional<IdGraphType>("departmentId", "events whose stored responsible department is this one");
        Optional<BooleanGraphType>("includeSubordinates");
        Optional<ListGraphType<NonNullGraphType<StringGraphType>>>("types");
        Optional<ListGraphType<NonNullGraphType<IdGraphType>>>("regionCodes", RegionCodesDescription);
    }

    /// <summary>The region filter's description, shared by the subscription's filter and Query.events.</summary>
    public const string RegionCodesDescription =
        "events whose stored region lies in any of these regions' subtrees (2-9 digit codes, at most 100); regions of one province are read from its log, regions of several from the national log (its sequence). An extension of the contract.";
}

/// <summary>Ids arrive as text: a malformed one is VALIDATION naming the field, never a server error.</summary>
public static class InputReading
{
    public static Guid ParseId(string? text, string name) =>
        Guid.TryParse(text, out var id)
            ? id
            : throw Domain.RuleViolation.Validation($"{name} must be a UUID");
}
