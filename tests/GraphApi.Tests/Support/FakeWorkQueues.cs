using CaseEngine.Domain;
using CaseEngine.GraphApi.WorkQueues;
using CaseEngine.Projections.Queries;
using StatisticsReport = CaseEngine.GraphApi.WorkQueues.StatisticsReport;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// Stands in for the read side: every queue lists every known petition, whatever the department,
/// so the tests see the API drop the items the caller may not read.
/// </summary>
public sealed class FakeWorkQueues : IWorkQueues
{
    public List<Guid> Petitions { get; } = [];
    public List<object> Queries { get; } = [];

    private static readonly DateTimeOffset Received = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));

    public Task<InboxPage> InboxAsync(InboxQuery query, CancellationToken ct)
    {
        Queries.Add(query);
        return Task.FromResult(new InboxPage(
            [.. Petitions.Select((id, i) => new InboxRow($"c{i}", id, Stage.Acceptance, Received, Received.AddDays(15), false, null))],
            HasNextPage: false, Petitions.Count));
    }

    public Task<OverduePage> OverdueAsync(OverdueQuery query, CancellationToken ct)
    {
        Queries.Add(query);
        return Task.FromResult(new OverduePage(
            [.. Petitions.Select((id, i) => new OverdueRow($"o{i}", id, "340101-EDU", Stage.Acceptance, Received.AddDays(15), 3, 1))],
            HasNextPage: false, Petitions.Count));
    }

    public Task<StatisticsReport> StatisticsAsync(StatisticsQuery query, CancellationToken ct)
    {
        Queries.Add(query);
        var totals = new StatisticsBucket(query.From, 10, 8, 6, 5, 2, 4, 3, 1, 4, 2, 1, 1, 1, 0, 1);
        return Task.FromResult(new StatisticsReport(query, totals, 12.5,
            [new(Channel.Website, 8), new(Channel.Letter, 2)], [new(PetitionCategory.ComplaintRequest, 10)]));
    }

    public Task<IReadOnlyList<StatisticsBucket>> SeriesAsync(StatisticsQuery query, Period period, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<StatisticsBucket>>([new StatisticsBucket(query.From, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]);
}
