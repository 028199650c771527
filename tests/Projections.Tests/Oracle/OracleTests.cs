using System.Diagnostics;
using System.Globalization;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.Overdue;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Projections.Statistics;
using CaseEngine.Testing;
using CaseEngine.Workflow.Rules;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests.Oracle;

/// <summary>
/// Runs the seeded workload once for the class: CASEENGINE_ORACLE_PETITIONS petitions (default
/// <see cref="DefaultPetitions"/>), seed CASEENGINE_ORACLE_SEED (default 20250303).
/// </summary>
public class OracleFixture : DatabaseFixture, IAsyncLifetime
{
    public const int DefaultPetitions = 2000;

    public Engine Engine { get; private set; } = null!;
    public WorkloadReport Report { get; private set; } = null!;
    public IReadOnlyList<IEvent> Log { get; private set; } = [];
    public TimeSpan CatchUp { get; private set; }

    public virtual int Petitions =>
        int.TryParse(Environment.GetEnvironmentVariable("CASEENGINE_ORACLE_PETITIONS"), out var n) && n > 0 ? n : DefaultPetitions;

    /// <summary>0: every command through the bus; more: in command batches of that size.</summary>
    public virtual int BatchSize => 0;

    /// <summary>Streams the inbox and overdue projections keep between pages; null: the default.</summary>
    public virtual int? CachedStreams => null;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Engine = await Engine.StartAsync(this, configure: o => o.ReadSideCachedStreams = CachedStreams);
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CASEENGINE_ORACLE_SEED"), out var s) ? s : 20250303;
        Report = await new Workload(Engine, Petitions, seed, batchSize: BatchSize).RunAsync();
        var watch = Stopwatch.StartNew();
        await Engine.Store.SettleAsync(TimeSpan.FromMinutes(5));
        CatchUp = watch.Elapsed;
        await using var session = Engine.Store.QuerySession(Province.Demo);
        Log = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Engine is not null)
            await Engine.DisposeAsync();
        await DisposeAsync();
    }
}

/// <summary>
/// The same workload, its commands run in batches (<see cref="CaseEngine.Workflow.Commands.CommandBatch"/>,
/// as the benchmark loads its data), and with room for only 100 of its 600 streams in the inbox's and
/// overdue's memory: every page past the first few drops kept streams (the oldest, or all of them when
/// the page alone needs more room) and reads dropped ones again, live and in the rebuild, as a
/// 1,000,000-petition log does with the default room.
/// </summary>
public sealed class BatchedOracleFixture : OracleFixture
{
    public override int Petitions => 600;
    public override int BatchSize => 64;
    public override int? CachedStreams => 100;
}

[RunsLong]
public sealed class the_read_models_equal_a_brute_force_recomputation_from_the_log(OracleFixture fixture, ITestOutputHelper output)
    : ReadModelOracle<OracleFixture>(fixture, output), IClassFixture<OracleFixture>;

[RunsLong]
public sealed class the_read_models_equal_a_brute_force_recomputation_when_commands_ran_in_batches(BatchedOracleFixture fixture, ITestOutputHelper output)
    : ReadModelOracle<BatchedOracleFixture>(fixture, output), IClassFixture<BatchedOracleFixture>;

public abstract class ReadModelOracle<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : OracleFixture
{
    private IDocumentStore Store => fixture.Engine.Store;

    // The petition document is written by the command pipeline from the decision's own fold (no inline
    // projection loads it again): every stored petition must be exactly its stream folded by the domain.
    [Fact]
    public async Task every_petition_document_equals_its_stream_folded_by_the_domain()
    {
        var streams = fixture.Log.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Version).Select(e => (IPetitionEvent)e.Data).ToList());
        await using var session = Store.QuerySession(Province.Demo);
        var stored = await session.Query<Petition>().ToListAsync();
        stored.Count.ShouldBe(streams.Count);
        var serializer = Store.Options.Serializer();
        foreach (var petition in stored)
            serializer.ToJson(petition).ShouldBe(serializer.ToJson(Petition.Fold(streams[petition.Id])), $"petition {petition.Id}");
    }

    [Fact]
    public void the_workload_exercised_every_path()
    {
        var r = fixture.Report;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Petitions} petitions, {r.Commands} commands ({r.Refused} refused), {r.Sweeps} timer firings, {r.Events} events " +
            $"in {r.Elapsed.TotalSeconds:0.0} s = {r.Commands / r.Elapsed.TotalSeconds:0} commands/s, {r.Events / r.Elapsed.TotalSeconds:0} events/s; " +
            $"clock {r.Start:yyyy-MM-dd} .. {r.End:yyyy-MM-dd}; projections caught up {fixture.CatchUp.TotalSeconds:0.0} s after the last command"));
        foreach (var (name, count) in r.ByCommand.OrderBy(p => p.Key))
            output.WriteLine($"  {name}: {count}");
        var types = fixture.Log.GroupBy(e => e.Data.GetType().Name).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (name, count) in types.OrderBy(p => p.Key))
            output.WriteLine($"  event {name}: {count}");
        string[] expected =
        [
            nameof(PetitionSubmitted), nameof(PetitionReclassified), nameof(PetitionForwarded), nameof(PetitionTransferredLevel),
            nameof(PetitionReturned), nameof(PetitionDeclined), nameof(PetitionAccepted), nameof(OfficerAssigned),
            nameof(DeadlineExtended), nameof(HearingStarted), nameof(HearingConcluded), nameof(ReplyIssued), nameof(ResultReported),
            nameof(SupervisionIssued), nameof(SupervisionAnswered), nameof(PetitionEvaluated), nameof(ReviewRequested),
            nameof(ReviewDecided), nameof(ReReviewRequested), nameof(ReReviewDecided), nameof(PetitionWithdrawn),
            nameof(DuplicateSuspected), nameof(DuplicateLinked), nameof(DeadlineMissed), nameof(PetitionClosed), nameof(PetitionTerminated),
        ];
        expected.Where(t => !types.ContainsKey(t)).ShouldBeEmpty();
        fixture.Log.OfType<IEvent>().Select(e => e.Data).OfType<DeadlineMissed>().Select(m => m.Stage).Distinct()
            .ShouldContain(Stage.SupervisionResponse);
        (r.End - r.Start).TotalDays.ShouldBeGreaterThan(90);
    }

    [Fact]
    public async Task every_statistics_bucket_equals_the_attribution_table()
    {
        var expected = BruteForce.Statistics(fixture.Log);
        var actual = new Dictionary<string, (long[] Counts, double HandlingDays)>();
        foreach (var row in await TableDump.StatisticsAsync(Store))
        {
            var parts = row.Split('|');
            var counts = parts.Skip(5).Take(BruteForce.Counters).Select(long.Parse).ToArray();
            var days = double.Parse(parts[^1], CultureInfo.InvariantCulture);
            if (counts.Any(c => c != 0) || Math.Abs(days) > 1e-9)
                actual[string.Join('|', parts.Take(5))] = (counts, days);
        }
        var problems = new List<string>();
        foreach (var key in expected.Keys.Union(actual.Keys).Order())
        {
            var e = expected.GetValueOrDefault(key, (new long[BruteForce.Counters], 0));
            var a = actual.GetValueOrDefault(key, (new long[BruteForce.Counters], 0));
            if (!e.Counts.SequenceEqual(a.Counts) || Math.Abs(e.HandlingDays - a.HandlingDays) > 1e-6)
                problems.Add($"{key}: expected [{string.Join(',', e.Counts)}] {e.HandlingDays:0.###}, stored [{string.Join(',', a.Counts)}] {a.HandlingDays:0.###}");
        }
        output.WriteLine($"{expected.Count} non-empty buckets");
        problems.Take(20).ShouldBeEmpty();
        expected.Count.ShouldBeGreaterThan(50);
    }

    [Fact]
    public async Task the_inbox_equals_the_open_items_of_the_log()
    {
        var expected = BruteForce.Inbox(fixture.Log);
        var actual = (await TableDump.InboxAsync(Store)).ToHashSet();
        output.WriteLine($"{expected.Count} open items");
        expected.Except(actual).Take(10).ShouldBeEmpty("missing from the inbox");
        actual.Except(expected).Take(10).ShouldBeEmpty("in the inbox but not open");
        expected.Count.ShouldBeGreaterThan(10);

        // The counts kept beside the rows (an unfiltered totalCount) equal a recount of the open items.
        var counts = expected.GroupBy(r => r.Split('|')[2]).Select(g => $"{g.Key}|{g.Count()}").Order(StringComparer.Ordinal).ToList();
        (await TableDump.InboxCountsAsync(Store)).Order(StringComparer.Ordinal).ShouldBe(counts);
        counts.Count.ShouldBeGreaterThan(5);
    }

    [Fact]
    public async Task the_overdue_list_equals_the_open_missed_deadlines_of_the_log()
    {
        var expected = BruteForce.Overdue(fixture.Log);
        var actual = (await TableDump.OverdueAsync(Store)).ToHashSet();
        output.WriteLine($"{expected.Count} open missed deadlines");
        expected.Except(actual).Take(10).ShouldBeEmpty("missing from the overdue list");
        actual.Except(expected).Take(10).ShouldBeEmpty("overdue but not open");
        expected.Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task the_queries_agree_with_the_recomputation()
    {
        var directory = fixture.Engine.Host.Services.GetRequiredService<RuleBook>().Directory;
        var now = fixture.Engine.Clock.GetUtcNow();
        var inbox = BruteForce.Inbox(fixture.Log).Select(r => r.Split('|')).ToList();
        await using var session = Store.QuerySession(Province.Demo);

        // Every department's inbox, walked in pages of 7 in each order, is its rows in order, each once.
        foreach (var department in inbox.Select(r => r[2]).Distinct())
        {
            var mine = inbox.Where(r => r[2] == department).ToList();
            foreach (var order in Enum.GetValues<InboxOrder>())
            {
                var walked = new List<InboxItem>();
                string? after = null;
                do
                {
                    var page = await InboxQueries.PageAsync(session, department, null, order, 7, after, now);
                    page.TotalCount.ShouldBe(mine.Count);
                    walked.AddRange(page.Edges.Select(e => e.Node));
                    after = page.HasNextPage ? page.EndCursor : null;
                } while (after is not null);
                walked.Select(i => i.ItemId).ShouldBe(order switch
                {
                    InboxOrder.DueAtAsc => mine.OrderBy(r => r[6], StringComparer.Ordinal).ThenBy(r => r[0], StringComparer.Ordinal),
                    InboxOrder.ReceivedAtAsc => mine.OrderBy(r => r[5], StringComparer.Ordinal).ThenBy(r => r[0], StringComparer.Ordinal),
                    _ => mine.OrderByDescending(r => r[5], StringComparer.Ordinal).ThenByDescending(r => r[0], StringComparer.Ordinal),
                } is var sorted ? sorted.Select(r => r[0]).ToList() : null, $"{department} {order}");
                walked.Count(i => i.Overdue).ShouldBe(mine.Count(r => r[7] == "False" && string.CompareOrdinal(r[6], BruteForce.Iso(now)) <= 0));
            }
            var overdueOnly = await InboxQueries.PageAsync(session, department, new InboxFilter(OverdueOnly: true), InboxOrder.DueAtAsc, 100, null, now);
            overdueOnly.TotalCount.ShouldBe(mine.Count(r => r[7] == "False" && string.CompareOrdinal(r[6], BruteForce.Iso(now)) <= 0));
        }

        // The overdue list of every office with its subtree, and of every department alone.
        var overdue = BruteForce.Overdue(fixture.Log).Select(r => r.Split('|')).ToList();
        foreach (var department in overdue.Select(r => r[2]).Distinct().Append("340000-PO").Append("340100-PO").Append("340101-PO").Distinct())
        {
            var scope = DepartmentScope.Of(directory, department);
            foreach (var subtree in new[] { false, true })
            {
                var expected = overdue.Where(r => scope.RollsUp(subtree)
                    ? r[3] == scope.RegionPath || r[3].StartsWith(scope.RegionPath + ".", StringComparison.Ordinal)
                    : r[2] == department).OrderBy(r => r[7], StringComparer.Ordinal).ThenBy(r => r[0], StringComparer.Ordinal).Select(r => r[0]).ToList();
                var walked = new List<string>();
                string? after = null;
                do
                {
                    var page = await OverdueQueries.PageAsync(session, scope, subtree, 5, after, now);
                    page.TotalCount.ShouldBe(expected.Count);
                    walked.AddRange(page.Edges.Select(e => e.Node.OverdueId));
                    page.Edges.ShouldAllBe(e => e.Node.DaysOverdue >= 0);
                    after = page.HasNextPage ? page.EndCursor : null;
                } while (after is not null);
                walked.ShouldBe(expected, $"{department} subtree={subtree}");
            }
        }

        // Statistics for offices with and without their subtree, and for an agency, over the whole run and a month.
        var stats = BruteForce.Statistics(fixture.Log);
        var from = DateOnly.FromDateTime(fixture.Report.Start.UtcDateTime).AddDays(-7);
        var to = DateOnly.FromDateTime(fixture.Report.End.UtcDateTime).AddDays(1);
        foreach (var department in new[] { "340000-PO", "340100-PO", "340101-PO", "340101-EDU", "340101001-PO", "340000-GOV" })
        {
            var scope = DepartmentScope.Of(directory, department);
            foreach (var subtree in new[] { false, true })
                foreach (var (f, t) in new[] { (from, to), (new DateOnly(2025, 4, 1), new DateOnly(2025, 4, 30)) })
                {
                    var rows = stats.Where(p =>
                    {
                        var k = p.Key.Split('|');
                        var day = DateOnly.ParseExact(k[2], "yyyy-MM-dd", CultureInfo.InvariantCulture);
                        var inScope = scope.RollsUp(subtree)
                            ? k[1] == scope.RegionPath || k[1].StartsWith(scope.RegionPath + ".", StringComparison.Ordinal)
                            : k[0] == department;
                        return inScope && day >= f && day <= t;
                    }).ToList();
                    long Sum(int c) => rows.Sum(p => p.Value.Counts[c]);
                    var report = await StatisticsQueries.GetAsync(session, scope, f, t, subtree);
                    var totals = report.Totals;
                    new long[] { totals.Received, totals.Online, totals.Accepted, totals.AcceptedOnTime, totals.Declined, totals.Replied,
                    totals.RepliedOnTime, totals.Overdue, totals.Evaluated, totals.Satisfied, totals.BasicallySatisfied,
                    totals.Dissatisfied, totals.ReviewRequested, totals.ReReviewRequested, totals.Supervised }
                        .ShouldBe(Enumerable.Range(0, 15).Select(Sum).ToArray(), $"{department} subtree={subtree} {f}..{t}");
                    report.OnTimeRate.ShouldBe(Sum(5) == 0 ? null : (double)Sum(6) / Sum(5));
                    report.TimelyAcceptanceRate.ShouldBe(Sum(2) + Sum(4) == 0 ? null : (double)Sum(3) / (Sum(2) + Sum(4)));
                    if (Sum(15) == 0)
                        report.AverageHandlingDays.ShouldBeNull();
                    else
                        report.AverageHandlingDays!.Value.ShouldBe(rows.Sum(p => p.Value.HandlingDays) / Sum(15), 1e-9);
                    report.ByChannel.Sum(c => c.Count).ShouldBe(totals.Received);
                    report.ByCategory.Sum(c => c.Count).ShouldBe(totals.Received);
                    foreach (var period in Enum.GetValues<Period>())
                    {
                        var series = report.Series(period);
                        series.Sum(b => b.Received).ShouldBe(totals.Received);
                        series.Sum(b => b.Overdue).ShouldBe(totals.Overdue);
                        series[0].PeriodStart.ShouldBe(f);
                        series.ShouldBeInOrder(SortDirection.Ascending, Comparer<StatisticsBucket>.Create((a, b) => a.PeriodStart.CompareTo(b.PeriodStart)));
                    }
                }
        }
    }

    [Fact]
    public async Task rebuilding_every_projection_from_scratch_side_by_side_yields_the_same_rows()
    {
        var coordinator = fixture.Engine.Host.Services.GetRequiredService<IProjectionCoordinator>();
        var before = (await TableDump.InboxAsync(Store), await TableDump.OverdueAsync(Store), await TableDump.StatisticsAsync(Store));
        var countsBefore = await TableDump.InboxCountsAsync(Store);
        // Rows no event explains: a rebuild from scratch must drop them.
        await TableDump.PolluteAsync(Store);
        // Every read model at once, as the rebuild command does: the daemon's projections side by side.
        var watch = Stopwatch.StartNew();
        await ProjectionRebuilds.RebuildAsync(coordinator, ProjectionRebuilds.Names, TimeSpan.FromMinutes(5),
            duplicateIndex: fixture.Engine.Host.Services.GetRequiredService<CaseEngine.Projections.Duplicates.DuplicateIndex>(), store: Store);
        output.WriteLine($"rebuilt {string.Join(", ", ProjectionRebuilds.Names)} in {watch.Elapsed.TotalSeconds:0.0} s");
        await Store.SettleAsync(TimeSpan.FromMinutes(2));
        (await TableDump.InboxAsync(Store)).ShouldBe(before.Item1);
        (await TableDump.InboxCountsAsync(Store)).ShouldBe(countsBefore);
        (await TableDump.OverdueAsync(Store)).ShouldBe(before.Item2);
        var statistics = await TableDump.StatisticsAsync(Store);
        statistics.Count.ShouldBe(before.Item3.Count);
        // Sums of doubles may differ in the last bits when a rebuild groups the events into other pages.
        statistics.Select(Counters).ShouldBe(before.Item3.Select(Counters));
        statistics.Select(Days).Zip(before.Item3.Select(Days)).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-6);
        before.Item1.Count.ShouldBeGreaterThan(0);

        static string Counters(string row) => row[..row.LastIndexOf('|')];
        static double Days(string row) => double.Parse(row[(row.LastIndexOf('|') + 1)..], CultureInfo.InvariantCulture);
    }
}
