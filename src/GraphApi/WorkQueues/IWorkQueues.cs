using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.Queries;

namespace CaseEngine.GraphApi.WorkQueues;

/// <summary>
/// The read side's work queues as the API asks for them: inbox, overdue list and statistics.
/// The API checks the caller's right to the department before calling, and the read right on
/// every petition it then returns; an implementation only reads its read models. A bad
/// <c>after</c> cursor is a <see cref="RuleViolation"/> with <see cref="RuleCode.Validation"/>.
/// </summary>
public interface IWorkQueues
{
    /// <summary>Open items of one department, keyset-paginated in <see cref="InboxQuery.OrderBy"/> order.</summary>
    Task<InboxPage> InboxAsync(InboxQuery query, CancellationToken ct);

    /// <summary>Overdue open items of one department (and, when asked, of its region subtree), most overdue first.</summary>
    Task<OverduePage> OverdueAsync(OverdueQuery query, CancellationToken ct);

    /// <summary>Totals, rates and breakdowns of one department's jurisdiction over an inclusive date range.</summary>
    Task<StatisticsReport> StatisticsAsync(StatisticsQuery query, CancellationToken ct);

    /// <summary>The same counts bucketed by period; each bucket starts on its first day.</summary>
    Task<IReadOnlyList<StatisticsBucket>> SeriesAsync(StatisticsQuery query, Period period, CancellationToken ct);
}

/// <param name="First">1..100, checked by the API</param>
/// <param name="Now">the request's moment, for "overdue"</param>
public sealed record InboxQuery(string DepartmentId, InboxFilter? Filter, InboxOrder OrderBy, int First, string? After, DateTimeOffset Now);

public sealed record InboxRow(
    string Cursor, Guid PetitionId, Stage Stage, DateTimeOffset ReceivedAt, DateTimeOffset? DueAt, bool Overdue,
    string? AssignedOfficerId, bool SuspectedDuplicate = false);

/// <param name="Petitions">the rows' petitions when the implementation read them with the page; the API loads any missing</param>
public sealed record InboxPage(IReadOnlyList<InboxRow> Rows, bool HasNextPage, int TotalCount,
    IReadOnlyDictionary<Guid, Petition>? Petitions = null);

public sealed record OverdueQuery(string DepartmentId, bool IncludeSubordinates, int First, string? After, DateTimeOffset Now);

/// <param name="DaysOverdue">whole days past DueAt at <see cref="OverdueQuery.Now"/></param>
public sealed record OverdueRow(
    string Cursor, Guid PetitionId, string DepartmentId, Stage Stage, DateTimeOffset DueAt, int DaysOverdue, int SupervisionCount);

public sealed record OverduePage(IReadOnlyList<OverdueRow> Rows, bool HasNextPage, int TotalCount);

/// <param name="From">inclusive, in the deployment's zone</param>
/// <param name="To">inclusive</param>
public sealed record StatisticsQuery(string DepartmentId, DateOnly From, DateOnly To, bool IncludeSubordinates);

/// <summary>The rates of the contract are computed by the API from <see cref="Totals"/>.</summary>
public sealed record StatisticsReport(
    StatisticsQuery Query, StatisticsBucket Totals, double? AverageHandlingDays,
    IReadOnlyList<KeyValuePair<Channel, int>> ByChannel, IReadOnlyList<KeyValuePair<PetitionCategory, int>> ByCategory);
