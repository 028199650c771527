using CaseEngine.Projections.Queries;
using CaseEngine.Workflow.Rules;
using Marten;

namespace CaseEngine.GraphApi.WorkQueues;

/// <summary>
/// The work queues as the read side serves them (src/Projections/Queries): keyset pages of the
/// inbox and overdue tables and statistics summed from daily buckets. One query session per call,
/// because sibling GraphQL fields resolve in parallel and a Marten session is not thread-safe.
/// Cursors are sealed with the configured <see cref="CursorKey"/>, so every node accepts them.
/// </summary>
public sealed class ReadSideWorkQueues(IDocumentStore store, RuleBook rules, CursorKey cursorKey) : IWorkQueues
{
    public async Task<InboxPage> InboxAsync(InboxQuery query, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var (page, petitions) = await InboxQueries.PageWithPetitionsAsync(
            session, query.DepartmentId, query.Filter, query.OrderBy, query.First, query.After, query.Now, ct, cursorKey);
        return new InboxPage(
            [.. page.Edges.Select(e => new InboxRow(e.Cursor, e.Node.PetitionId, e.Node.Stage, e.Node.ReceivedAt, e.Node.DueAt, e.Node.Overdue,
                e.Node.AssignedOfficerId, e.Node.SuspectedDuplicate))],
            page.HasNextPage, page.TotalCount, petitions);
    }

    public async Task<OverduePage> OverdueAsync(OverdueQuery query, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var scope = DepartmentScope.Of(rules.Directory, query.DepartmentId);
        var page = await OverdueQueries.PageAsync(session, scope, query.IncludeSubordinates, query.First, query.After, query.Now, ct, cursorKey);
        return new OverduePage(
            [.. page.Edges.Select(e => new OverdueRow(e.Cursor, e.Node.PetitionId, e.Node.DepartmentId, e.Node.Stage, e.Node.DueAt,
                e.Node.DaysOverdue, e.Node.SupervisionCount))],
            page.HasNextPage, page.TotalCount);
    }

    public async Task<StatisticsReport> StatisticsAsync(StatisticsQuery query, CancellationToken ct)
    {
        var report = await ReadAsync(query, ct);
        return new StatisticsReport(query, report.Totals, report.AverageHandlingDays,
            [.. report.ByChannel.Select(c => KeyValuePair.Create(c.Channel, c.Count))],
            [.. report.ByCategory.Select(c => KeyValuePair.Create(c.Category, c.Count))]);
    }

    public async Task<IReadOnlyList<StatisticsBucket>> SeriesAsync(StatisticsQuery query, Period period, CancellationToken ct) =>
        (await ReadAsync(query, ct)).Series(period);

    private async Task<Projections.Queries.StatisticsReport> ReadAsync(StatisticsQuery query, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await StatisticsQueries.GetAsync(session, DepartmentScope.Of(rules.Directory, query.DepartmentId),
            query.From, query.To, query.IncludeSubordinates, ct);
    }
}
