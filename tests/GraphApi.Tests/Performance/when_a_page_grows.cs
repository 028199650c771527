using System.Collections.Concurrent;
using System.Diagnostics;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Performance;

/// <summary>
/// Bounded database work: the SQL round trips of one request (Npgsql's ActivitySource, counted under
/// the request's hosting activity) do not grow with the number of items in a list.
/// </summary>
public class when_a_page_grows(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string Inbox = """
        query($first: Int, $after: String) { inbox(departmentId: "340101-PO", first: $first, after: $after) { totalCount edges { cursor node {
          stage receivedAt dueAt overdue assignedOfficerId
          petition { id caseNumber subject status version
            currentDepartment { id name kind region { code name parent { code name } } parent { id name } }
            entryRegion { code name parent { name } }
            deadline { stage dueAt overdue }
            reply { decision byDepartment { id name } } }
        } } } }
        """;

    [Fact]
    public async Task an_inbox_page_of_100_items_takes_as_many_round_trips_as_a_page_of_10()
    {
        await using var api = await ApiHost.StartAsync(db);
        for (var batch = 0; batch < 10; batch++)
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => api.SubmitAsync()));
        await api.Services.GetRequiredService<IDocumentStore>().SettleAsync(TimeSpan.FromSeconds(60));
        var officer = api.Officer("340101-PO");

        // Only this fixture's database, under a request, counts (StatementCapture).
        using var commands = StatementCapture.UnderRequests(db.ProvinceConnectionString);

        string? lastCursor = null;
        async Task<(int Count, string Names)> RoundTrips(int first, string? after = null)
        {
            commands.Clear();
            var data = await api.Data(Inbox, new { first, after }, officer);
            var edges = data.GetProperty("inbox").GetProperty("edges");
            edges.GetArrayLength().ShouldBe(first);
            lastCursor = edges[first - 1].GetProperty("cursor").GetString();
            return (commands.Statements.Count, string.Join(" | ", commands.Statements.Select(c => c.Length > 80 ? c[..80] : c)));
        }

        await RoundTrips(10); // warm-up: first-use lookups are not the request's cost
        var (ten, tenNames) = await RoundTrips(10);
        var (next, nextNames) = await RoundTrips(10, lastCursor);
        var (hundred, hundredNames) = await RoundTrips(100);
        output.WriteLine($"round trips: 10 items {ten} ({tenNames}), the next 10 {next} ({nextNames}), 100 items {hundred} ({hundredNames})");
        ten.ShouldBeGreaterThan(0, "the Npgsql activities were not seen: the count would prove nothing");
        hundred.ShouldBe(ten, $"10 items: {tenNames}; 100 items: {hundredNames}");
        // The page, its count and its petitions are one batch, after a cursor too (a petition the
        // batch missed would be loaded by a second round trip).
        ten.ShouldBe(1, tenNames);
        next.ShouldBe(1, nextNames);
    }
}
