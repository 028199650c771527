using System.Diagnostics;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.Inbox;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests;

/// <summary>
/// 5,000 open items in one office's inbox. The petitions are real events decided by the domain
/// (<see cref="Submission.Decide"/>: letters received at random moments of the past year, so due
/// moments spread) and appended straight to the event store, bypassing the bus (5,000 submissions
/// through the bus take about 25 s here; direct appends take a few seconds). The projection is the
/// real async one.
/// </summary>
[RunsLong]
public class walking_an_inbox_of_five_thousand_items_page_by_page(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string Office = "340101-PO";
    private int _counter;

    private async Task<List<Guid>> AppendLettersAsync(Engine engine, int count, Random rng)
    {
        var rules = engine.Host.Services.GetRequiredService<RuleBook>();
        var now = engine.Clock.GetUtcNow();
        var officer = new Actor("officer-1", Role.Officer, Office);
        var ids = new List<Guid>();
        await using var session = engine.Store.LightweightSession(Province.Demo);
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _counter);
            var received = now - TimeSpan.FromMinutes(rng.Next(0, 360 * 24 * 60));
            var command = Samples.Complaint(Channel.Letter, "340101", subject: $"来信 {n}") with { ReceivedAt = received };
            var ctx = new DecisionContext(officer, now, rules.Directory, rules.Clock);
            var id = Guid.NewGuid();
            session.Events.StartStream<Petition>(id, Submission.Decide(command, new Allocation(id, $"340101-2025-{n:000000}"), ctx).Cast<object>().ToArray());
            ids.Add(id);
        }
        await session.SaveChangesAsync();
        return ids;
    }

    [Fact]
    public async Task every_item_that_existed_at_the_start_comes_exactly_once_while_new_items_arrive()
    {
        await using var engine = await Engine.StartAsync(db);
        var rng = new Random(5000);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
            await AppendLettersAsync(engine, 500, rng);
        output.WriteLine($"appended 5,000 petitions in {watch.Elapsed.TotalSeconds:0.0} s");
        watch.Restart();
        await engine.Store.SettleAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"inbox projected in {watch.Elapsed.TotalSeconds:0.0} s");
        var now = engine.Clock.GetUtcNow();

        foreach (var order in new[] { InboxOrder.DueAtAsc, InboxOrder.ReceivedAtDesc })
        {
            await using var session = engine.Store.QuerySession(Province.Demo);
            var start = await InboxQueries.PageAsync(session, Office, null, order, 1, null, now);
            var initial = new HashSet<string>();
            {
                string? after = null;
                do
                {
                    var page = await InboxQueries.PageAsync(session, Office, null, order, 100, after, now);
                    foreach (var e in page.Edges)
                        initial.Add(e.Node.ItemId);
                    after = page.HasNextPage ? page.EndCursor : null;
                } while (after is not null);
            }
            initial.Count.ShouldBe(start.TotalCount);

            watch.Restart();
            var walked = new List<InboxItem>();
            var pages = 0;
            string? cursor = null;
            var added = 0;
            do
            {
                var page = await InboxQueries.PageAsync(session, Office, null, order, 100, cursor, now);
                walked.AddRange(page.Edges.Select(e => e.Node));
                cursor = page.HasNextPage ? page.EndCursor : null;
                pages++;
                // New items arrive during the walk, before and after the cursor; every tenth page they are projected.
                await AppendLettersAsync(engine, 20, rng);
                added += 20;
                if (pages % 10 == 0)
                    await engine.Store.SettleAsync(TimeSpan.FromMinutes(1));
            } while (cursor is not null);
            output.WriteLine($"{order}: {pages} pages, {walked.Count} items seen, {added} added during the walk, {watch.Elapsed.TotalSeconds:0.0} s");

            walked.Select(i => i.ItemId).ShouldBeUnique();
            initial.Except(walked.Select(i => i.ItemId)).ShouldBeEmpty();
            walked.Count.ShouldBeGreaterThan(initial.Count, "items added behind the cursor are seen too");
            var keys = walked.Select(i => (order == InboxOrder.DueAtAsc ? i.DueAt!.Value : i.ReceivedAt, i.ItemId)).ToList();
            for (var k = 1; k < keys.Count; k++)
            {
                var cmp = keys[k - 1].Item1.CompareTo(keys[k].Item1);
                if (cmp == 0)
                    cmp = string.CompareOrdinal(keys[k - 1].ItemId, keys[k].ItemId);
                (order == InboxOrder.ReceivedAtDesc ? cmp > 0 : cmp < 0).ShouldBeTrue($"{order} at {k}");
            }
            await engine.Store.SettleAsync(TimeSpan.FromMinutes(1));
        }
        (await CountAsync(engine)).ShouldBeGreaterThanOrEqualTo(5000);
    }

    private static async Task<int> CountAsync(Engine engine)
    {
        await using var session = engine.Store.QuerySession(Province.Demo);
        return (await InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, 1, null, engine.Clock.GetUtcNow())).TotalCount;
    }

    [Fact]
    public async Task filters_apply_and_bad_cursors_or_page_sizes_are_validation_errors()
    {
        await using var engine = await Engine.StartAsync(db);
        var rng = new Random(7);
        await AppendLettersAsync(engine, 30, rng);
        await engine.Store.SettleAsync(TimeSpan.FromMinutes(1));
        await using var session = engine.Store.QuerySession(Province.Demo);
        var now = engine.Clock.GetUtcNow();

        var all = await InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, 100, null, now);
        var overdue = await InboxQueries.PageAsync(session, Office, new InboxFilter(OverdueOnly: true), InboxOrder.DueAtAsc, 100, null, now);
        overdue.TotalCount.ShouldBe(all.Edges.Count(e => e.Node.DueAt <= now));
        overdue.Edges.ShouldAllBe(e => e.Node.Overdue);
        (await InboxQueries.PageAsync(session, Office, new InboxFilter(Text: "来信 1"), InboxOrder.DueAtAsc, 100, null, now))
            .Edges.ShouldAllBe(e => e.Node.Subject.Contains("来信 1"));
        (await InboxQueries.PageAsync(session, Office, new InboxFilter(Stages: [Stage.Handling]), InboxOrder.DueAtAsc, 100, null, now)).TotalCount.ShouldBe(0);
        (await InboxQueries.PageAsync(session, Office, new InboxFilter(Category: PetitionCategory.ComplaintRequest, Stages: [Stage.Routing]),
            InboxOrder.DueAtAsc, 100, null, now)).TotalCount.ShouldBe(all.TotalCount);
        (await InboxQueries.PageAsync(session, Office, new InboxFilter(AssignedOfficerId: "nobody"), InboxOrder.DueAtAsc, 100, null, now)).TotalCount.ShouldBe(0);

        var first = await InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, 5, null, now);
        foreach (var bad in new[] { "nonsense", "", "!!!", first.EndCursor![..^2] })
            (await Should.ThrowAsync<RuleViolation>(() => InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, 5, bad, now)))
                .Code.ShouldBe(RuleCode.Validation);
        // A cursor of another order is not a position in this one.
        (await Should.ThrowAsync<RuleViolation>(() => InboxQueries.PageAsync(session, Office, null, InboxOrder.ReceivedAtAsc, 5, first.EndCursor, now)))
            .Code.ShouldBe(RuleCode.Validation);
        foreach (var size in new[] { 0, 101 })
            (await Should.ThrowAsync<RuleViolation>(() => InboxQueries.PageAsync(session, Office, null, InboxOrder.DueAtAsc, size, null, now)))
                .Code.ShouldBe(RuleCode.Validation);
    }
}
