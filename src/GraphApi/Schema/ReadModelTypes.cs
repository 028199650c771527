using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Overdue;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.Statistics;
using CaseEngine.Workflow.Rules;
using GraphQL;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

/// <summary>An inbox row whose petition the caller may read, and the petitions of its page (see <see cref="InboxItemType"/>).</summary>
public sealed record InboxItemNode(InboxItem Row, InboxPagePetitions Petitions);

public sealed record OverdueItemNode(OverdueItem Row, PetitionNode Petition);

public sealed record Connection<T>(IReadOnlyList<(string Cursor, T Node)> Edges, bool HasNextPage, int TotalCount);

public sealed record StatisticsNode(StatisticsReport Report, Department Department);

/// <summary>An edge of a keyset-paged list: the item and its opaque cursor.</summary>
public abstract class EdgeType<TNodeType, TNode> : ObjectGraphType<(string Cursor, TNode Node)>
    where TNodeType : IGraphType
{
    protected EdgeType(string name)
    {
        Name = name;
        Field<NonNullGraphType<StringGraphType>, string>("cursor").Resolve(c => c.Source.Cursor);
        Field<NonNullGraphType<TNodeType>, TNode>("node").Resolve(c => c.Source.Node);
    }
}

/// <summary>A keyset-paged list (edges, pageInfo, totalCount) as the contract shapes every connection.</summary>
public abstract class ConnectionType<TEdgeType, TNode> : ObjectGraphType<Connection<TNode>>
    where TEdgeType : IGraphType
{
    protected ConnectionType(string name)
    {
        Name = name;
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TEdgeType>>>, IEnumerable<(string, TNode)>>("edges")
            .Resolve(c => c.Source.Edges);
        Field<NonNullGraphType<PageInfoType>, (bool, string?)>("pageInfo")
            .Resolve(c => (c.Source.HasNextPage, c.Source.Edges.Count > 0 ? c.Source.Edges[^1].Cursor : null));
        Field<NonNullGraphType<IntGraphType>, int>("totalCount").Resolve(c => c.Source.TotalCount);
    }
}

public sealed class InboxEdgeType() : EdgeType<InboxItemType, InboxItemNode>("InboxEdge");
public sealed class InboxConnectionType() : ConnectionType<InboxEdgeType, InboxItemNode>("InboxConnection");
public sealed class OverdueEdgeType() : EdgeType<OverdueItemType, OverdueItemNode>("OverdueEdge");
public sealed class OverdueConnectionType() : ConnectionType<OverdueEdgeType, OverdueItemNode>("OverdueConnection");

public sealed class PageInfoType : ObjectGraphType<(bool HasNextPage, string? EndCursor)>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Field<NonNullGraphType<BooleanGraphType>, bool>("hasNextPage").Resolve(c => c.Source.HasNextPage);
        Field<StringGraphType, string>("endCursor").Resolve(c => c.Source.EndCursor);
    }
}

public sealed class InboxItemType : ObjectGraphType<InboxItemNode>
{
    public InboxItemType()
    {
        Name = "InboxItem";
        // From the row when this selection asks only for what the row carries (and the page did not
        // read its documents anyway); otherwise from the page's documents, read once for the page,
        // through the caller's lens as every petition is (masking, access log).
        Field<NonNullGraphType<PetitionType>, PetitionNode>("petition").ResolveAsync(async c =>
        {
            var (row, petitions) = (c.Source.Row, c.Source.Petitions);
            if (!petitions.ReadWithPage && InboxRowPetition.Carries(row) && row.Status is { } status && InboxRowPetition.Covers(c))
                return InboxRowPetition.Node(row, status);
            var read = await petitions.GetAsync();
            // Unreachable: the inbox showed the row only after the read right held (from the row's departments
            // or from this same document). Failing loudly beats a petition shown without its check.
            return read.TryGetValue(row.PetitionId, out var node)
                ? node
                : throw new InvalidOperationException("an inbox row's petition is not readable by the inbox's caller");
        });
        Field<NonNullGraphType<StageEnum>, Stage>("stage").Resolve(c => c.Source.Row.Stage);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("receivedAt").Resolve(c => c.Source.Row.ReceivedAt);
        Field<DateTimeScalar, DateTimeOffset?>("dueAt").Resolve(c => c.Source.Row.DueAt);
        Field<NonNullGraphType<BooleanGraphType>, bool>("overdue").Resolve(c => c.Source.Row.Overdue);
        Field<IdGraphType, string>("assignedOfficerId").Resolve(c => c.Source.Row.AssignedOfficerId);
        Field<NonNullGraphType<BooleanGraphType>, bool>("suspectedDuplicate")
            .Description("the engine flagged a likely duplicate the office has neither linked nor dismissed (see Petition.suspectedDuplicates). An extension of the contract.")
            .Resolve(c => c.Source.Row.SuspectedDuplicate);
    }
}

public sealed class OverdueItemType : ObjectGraphType<OverdueItemNode>
{
    public OverdueItemType(RuleBook rules)
    {
        Name = "OverdueItem";
        Field<NonNullGraphType<PetitionType>, PetitionNode>("petition").Resolve(c => c.Source.Petition);
        Field<NonNullGraphType<DepartmentType>, Department>("department")
            .Resolve(c => rules.Directory.FindDepartment(c.Source.Row.DepartmentId));
        Field<NonNullGraphType<StageEnum>, Stage>("stage").Resolve(c => c.Source.Row.Stage);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("dueAt").Resolve(c => c.Source.Row.DueAt);
        Field<NonNullGraphType<IntGraphType>, int>("daysOverdue")
            .Description("whole days past dueAt, at query time")
            .Resolve(c => c.Source.Row.DaysOverdue);
        Field<NonNullGraphType<IntGraphType>, int>("supervisionCount").Resolve(c => c.Source.Row.SupervisionCount);
    }
}

public sealed class ChannelCountType : ObjectGraphType<ChannelCount>
{
    public ChannelCountType()
    {
        Name = "ChannelCount";
        Field<NonNullGraphType<ChannelEnum>, Channel>("channel").Resolve(c => c.Source.Channel);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(c => c.Source.Count);
    }
}

public sealed class CategoryCountType : ObjectGraphType<CategoryCount>
{
    public CategoryCountType()
    {
        Name = "CategoryCount";
        Field<NonNullGraphType<PetitionCategoryEnum>, PetitionCategory>("category").Resolve(c => c.Source.Category);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(c => c.Source.Count);
    }
}

public sealed class StatisticsBucketType : ObjectGraphType<StatisticsBucket>
{
    public StatisticsBucketType()
    {
        Name = "StatisticsBucket";
        Field<NonNullGraphType<DateScalar>, DateOnly>("periodStart").Description("first day of the bucket").Resolve(c => c.Source.PeriodStart);
        Count("received", b => b.Received);
        Count("online", b => b.Online);
        Count("accepted", b => b.Accepted, "acceptance decisions that took the petition on: accept by an agency; forward or transfer by a petition office");
        Count("acceptedOnTime", b => b.AcceptedOnTime, "acceptance decisions (accepted or declined) made within their time limit");
        Count("declined", b => b.Declined);
        Count("replied", b => b.Replied);
        Count("repliedOnTime", b => b.RepliedOnTime);
        Count("overdue", b => b.Overdue);
        Count("evaluated", b => b.Evaluated);
        Count("satisfied", b => b.Satisfied);
        Count("basicallySatisfied", b => b.BasicallySatisfied);
        Count("dissatisfied", b => b.Dissatisfied);
        Count("reviewRequested", b => b.ReviewRequested);
        Count("reReviewRequested", b => b.ReReviewRequested);
        Count("supervised", b => b.Supervised);
    }

    private void Count(string name, Func<StatisticsBucket, int> value, string? description = null)
    {
        var field = Field<NonNullGraphType<IntGraphType>, int>(name).Resolve(c => value(c.Source));
        if (description is not null)
            field.Description(description);
    }
}

public sealed class StatisticsType : ObjectGraphType<StatisticsNode>
{
    public StatisticsType()
    {
        Name = "Statistics";
        Field<NonNullGraphType<DepartmentType>, Department>("department")
            .Description("the department whose jurisdiction is counted; includeSubordinates decides whether lower levels are rolled up")
            .Resolve(c => c.Source.Department);
        Field<NonNullGraphType<DateScalar>, DateOnly>("from").Resolve(c => c.Source.Report.From);
        Field<NonNullGraphType<DateScalar>, DateOnly>("to").Resolve(c => c.Source.Report.To);
        Field<NonNullGraphType<StatisticsBucketType>, StatisticsBucket>("totals").Resolve(c => c.Source.Report.Totals);
        Field<FloatGraphType, double?>("onlineShare")
            .Description("online / received, 0..1; null when the denominator is 0 (likewise for every rate)")
            .Resolve(c => c.Source.Report.OnlineShare);
        Field<FloatGraphType, double?>("onTimeRate")
            .Description("repliedOnTime / replied, 0..1")
            .Resolve(c => c.Source.Report.OnTimeRate);
        Field<FloatGraphType, double?>("timelyAcceptanceRate")
            .Description("acceptedOnTime / (accepted + declined), 0..1 (timely acceptance rate)")
            .Resolve(c => c.Source.Report.TimelyAcceptanceRate);
        Field<FloatGraphType, double?>("satisfactionRate")
            .Description("(satisfied + basicallySatisfied) / evaluated, 0..1")
            .Resolve(c => c.Source.Report.SatisfactionRate);
        Field<FloatGraphType, double?>("averageHandlingDays").Resolve(c => c.Source.Report.AverageHandlingDays);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ChannelCountType>>>, IEnumerable<ChannelCount>>("byChannel")
            .Resolve(c => c.Source.Report.ByChannel);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CategoryCountType>>>, IEnumerable<CategoryCount>>("byCategory")
            .Resolve(c => c.Source.Report.ByCategory);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StatisticsBucketType>>>, IEnumerable<StatisticsBucket>>("series")
            .Argument<NonNullGraphType<PeriodEnum>>("period")
            .Resolve(c => c.Source.Report.Series(c.GetArgument<Period>("period")));
    }
}
