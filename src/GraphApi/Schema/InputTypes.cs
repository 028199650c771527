using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>An input object read as a dictionary (see <see cref="InputReading"/>); one subclass per contract input.</summary>
public abstract class ContractInput : InputObjectGraphType
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

public sealed class InboxFilterInput : ContractInput
{
    public InboxFilterInput() : base("InboxFilter")
    {
        Optional<ListGraphType<NonNullGraphType<StageEnum>>>("stages");
        Optional<BooleanGraphType>("overdueOnly");
        Optional<IdGraphType>("assignedOfficerId");
        Optional<PetitionCategoryEnum>("category");
        Optional<StringGraphType>("text", "substring match on subject");
    }
}

public sealed class PetitionerInput : ContractInput
{
    public PetitionerInput() : base("PetitionerInput")
    {
        Required<StringGraphType>("name");
        Optional<StringGraphType>("phone");
        Optional<StringGraphType>("idNumber");
        Optional<StringGraphType>("address");
    }
}

public sealed class SubmitPetitionInput : ContractInput
{
    public SubmitPetitionInput() : base("SubmitPetitionInput")
    {
        Required<IdGraphType>("commandId");
        Required<ChannelEnum>("channel");
        Required<IdGraphType>("entryRegionCode", "the region whose petition office the petitioner addresses (province, city or county entry)");
        Required<PetitionCategoryEnum>("category");
        Required<StringGraphType>("subject");
        Required<StringGraphType>("content");
        Required<PetitionerInput>("petitioner");
        Optional<DateTimeScalar>("receivedAt", "when a LETTER or VISIT actually arrived, registered later by staff; defaults to now");
    }
}

public sealed class ForwardPetitionInput : ContractInput
{
    public ForwardPetitionInput() : base("ForwardPetitionInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("toDepartmentId");
        Required<ForwardModeEnum>("mode");
        Optional<StringGraphType>("note");
    }
}

public sealed class TransferLevelInput : ContractInput
{
    public TransferLevelInput() : base("TransferLevelInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("toDepartmentId", "a petition office at another level (up or down the hierarchy)");
        Required<StringGraphType>("reason");
    }
}

public sealed class AcceptPetitionInput : ContractInput
{
    public AcceptPetitionInput() : base("AcceptPetitionInput") => CommandOnPetition();
}

public sealed class DeclinePetitionInput : ContractInput
{
    public DeclinePetitionInput() : base("DeclinePetitionInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
        Optional<LegalRouteEnum>("legalRoute");
    }
}

public sealed class ReturnPetitionInput : ContractInput
{
    public ReturnPetitionInput() : base("ReturnPetitionInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
    }
}

public sealed class AssignOfficerInput : ContractInput
{
    public AssignOfficerInput() : base("AssignOfficerInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("officerId");
    }
}

public sealed class ExtendDeadlineInput : ContractInput
{
    public ExtendDeadlineInput() : base("ExtendDeadlineInput")
    {
        CommandOnPetition();
        Required<IntGraphType>("days");
        Required<StringGraphType>("reason");
    }
}

public sealed class IssueReplyInput : ContractInput
{
    public IssueReplyInput() : base("IssueReplyInput")
    {
        CommandOnPetition();
        Required<ReplyDecisionEnum>("decision");
        Required<StringGraphType>("text");
    }
}

public sealed class SupervisePetitionInput : ContractInput
{
    public SupervisePetitionInput() : base("SupervisePetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<StringGraphType>("instruction");
        Required<DateTimeScalar>("dueAt");
    }
}

public sealed class RespondToSupervisionInput : ContractInput
{
    public RespondToSupervisionInput() : base("RespondToSupervisionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<IdGraphType>("supervisionId");
        Required<StringGraphType>("response");
    }
}

public sealed class RequestReviewInput : ContractInput
{
    public RequestReviewInput() : base("RequestReviewInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<StringGraphType>("reason");
        Optional<StringGraphType>("accessCode", "required when the caller has no PETITIONER token for this petition");
    }
}

public sealed class DecideReviewInput : ContractInput
{
    public DecideReviewInput() : base("DecideReviewInput")
    {
        CommandOnPetition();
        Required<ReviewOutcomeEnum>("outcome");
        Required<StringGraphType>("text");
    }
}

public sealed class EvaluatePetitionInput : ContractInput
{
    public EvaluatePetitionInput() : base("EvaluatePetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<SatisfactionEnum>("satisfaction");
        Optional<StringGraphType>("comment");
        Optional<StringGraphType>("accessCode");
    }
}

public sealed class LinkDuplicateInput : ContractInput
{
    public LinkDuplicateInput() : base("LinkDuplicateInput")
    {
        CommandOnPetition(expectedVersion: false);
        Required<IdGraphType>("duplicateOfPetitionId");
        Optional<StringGraphType>("reason");
    }
}

public sealed class DismissSuspectedDuplicateInput : ContractInput
{
    public DismissSuspectedDuplicateInput() : base("DismissSuspectedDuplicateInput")
    {
        CommandOnPetition();
        Required<IdGraphType>("candidatePetitionId", "the candidate of a suspected duplicate flagged on this petition");
        Optional<StringGraphType>("reason");
    }
}

public sealed class ReclassifyPetitionInput : ContractInput
{
    public ReclassifyPetitionInput() : base("ReclassifyPetitionInput")
    {
        CommandOnPetition();
        Required<PetitionCategoryEnum>("category");
        Required<StringGraphType>("reason");
    }
}

public sealed class StartHearingInput : ContractInput
{
    public StartHearingInput() : base("StartHearingInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("reason");
    }
}

public sealed class ConcludeHearingInput : ContractInput
{
    public ConcludeHearingInput() : base("ConcludeHearingInput")
    {
        CommandOnPetition();
        Required<StringGraphType>("summary");
    }
}

public sealed class WithdrawPetitionInput : ContractInput
{
    public WithdrawPetitionInput() : base("WithdrawPetitionInput")
    {
        CommandOnPetition(expectedVersion: false);
        Optional<StringGraphType>("reason");
        Optional<StringGraphType>("accessCode");
    }
}

public sealed class PetitionEventFilterInput : ContractInput
{
    public PetitionEventFilterInput() : base("PetitionEventFilter")
    {
        Optional<IdGraphType>("petitionId");
        Optional<IdGraphType>("departmentId", "events whose stored responsible department is this one");
        Optional<BooleanGraphType>("includeSubordinates");
        Optional<ListGraphType<NonNullGraphType<StringGraphType>>>("types");
    }
}

/// <summary>Reading input dictionaries: malformed ids are VALIDATION, never a server error.</summary>
public static class InputReading
{
    public static T? Get<T>(this IReadOnlyDictionary<string, object?> input, string name) =>
        input.TryGetValue(name, out var value) && value is not null ? (T)value : default;

    public static string? Text(this IReadOnlyDictionary<string, object?> input, string name) =>
        input.TryGetValue(name, out var value) ? value?.ToString() : null;

    public static Guid Id(this IReadOnlyDictionary<string, object?> input, string name) => ParseId(input.Text(name), name);

    public static Guid ParseId(string? text, string name) =>
        Guid.TryParse(text, out var id)
            ? id
            : throw Domain.RuleViolation.Validation($"{name} must be a UUID");

    public static int? Int(this IReadOnlyDictionary<string, object?> input, string name) =>
        input.TryGetValue(name, out var value) && value is not null ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}
