using CaseEngine.Domain;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

// The contract's enums over the domain's: GraphQL.NET names each value in CONSTANT_CASE
// (ReReviewWindow → RE_REVIEW_WINDOW), the spelling of the contract.

public sealed class LevelEnum : EnumerationGraphType<Level>
{
    public LevelEnum() => Name = "Level";
}

public sealed class ChannelEnum : EnumerationGraphType<Channel>
{
    public ChannelEnum()
    {
        Name = "Channel";
        Description = "Where the petition came in. LETTER and VISIT are registered by staff; the rest are online channels.";
    }
}

public sealed class PetitionCategoryEnum : EnumerationGraphType<PetitionCategory>
{
    public PetitionCategoryEnum() => Name = "PetitionCategory";
}

public sealed class DepartmentKindEnum : EnumerationGraphType<DepartmentKind>
{
    public DepartmentKindEnum() => Name = "DepartmentKind";
}

public sealed class PetitionStatusEnum : EnumerationGraphType<PetitionStatus>
{
    public PetitionStatusEnum() => Name = "PetitionStatus";
}

public sealed class StageEnum : EnumerationGraphType<Stage>
{
    public StageEnum() => Name = "Stage";
}

public sealed class ForwardModeEnum : EnumerationGraphType<ForwardMode>
{
    public ForwardModeEnum() => Name = "ForwardMode";
}

public sealed class LegalRouteEnum : EnumerationGraphType<LegalRoute>
{
    public LegalRouteEnum() => Name = "LegalRoute";
}

public sealed class ReplyDecisionEnum : EnumerationGraphType<ReplyDecision>
{
    public ReplyDecisionEnum() => Name = "ReplyDecision";
}

public sealed class ReviewOutcomeEnum : EnumerationGraphType<ReviewOutcome>
{
    public ReviewOutcomeEnum() => Name = "ReviewOutcome";
}

public sealed class SatisfactionEnum : EnumerationGraphType<Satisfaction>
{
    public SatisfactionEnum() => Name = "Satisfaction";
}

public sealed class RoleEnum : EnumerationGraphType<Role>
{
    public RoleEnum()
    {
        Name = "Role";
        Description = "SYSTEM marks what the engine does by itself (missed deadlines, closures, automatic supervision)";
    }
}

public sealed class PeriodEnum : EnumerationGraphType<CaseEngine.Projections.Statistics.Period>
{
    public PeriodEnum() => Name = "Period";
}

public sealed class InboxOrderEnum : EnumerationGraphType<CaseEngine.Projections.Inbox.InboxOrder>
{
    public InboxOrderEnum() => Name = "InboxOrder";
}
