using static CaseEngine.GraphApi.Tests.Support.RelayedEvents;
using System.Text.Json;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19, item 5: a caller whose scope spans provinces (an auditor or integrator of the national root)
/// follows one national log, fed from every province database's committed log. Three provinces in three
/// databases and two nodes relaying at once: the national feed is the union of the province logs, each
/// event exactly once, numbered 1, 2, 3… in delivery order, each province's events in their own order,
/// resumable at any cursor, by the pull feed and by a live subscription alike.
/// </summary>
public class when_the_whole_country_is_followed(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly string[] Regions = ["340102", "320102", "330102"];

    [Fact]
    public async Task the_national_feed_is_every_provinces_log_once_in_one_sequence()
    {
        static void National(IServiceCollection s) => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules()));
        await using var one = await ApiHost.StartAsync(db, services: National);
        await using var two = await ApiHost.StartAsync(db, services: National);
        // Submissions in all three provinces, through both nodes, both of which relay.
        for (var i = 0; i < 12; i++)
            await (i % 2 == 0 ? one : two).SubmitAsync(region: Regions[i % 3]);

        var logs = await NationalFeed.ProvinceLogsAsync(db);
        var total = logs.Values.Sum(l => l.Count);
        total.ShouldBeGreaterThanOrEqualTo(12);
        var auditor = one.Auditor();
        var feed = await Poll.UntilAsync(async () =>
        {
            var page = await NationalFeed.FeedAsync(one, auditor, after: 0);
            return page.Count >= total ? page : null;
        }, Bound);

        // Numbered 1..N in delivery order: nothing skipped, nothing twice.
        feed.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, feed.Count).Select(i => (long)i));
        // The union of the province logs, each event once, each province's events in its own order.
        feed.Count.ShouldBe(total);
        foreach (var (province, log) in logs)
            feed.Where(e => Engine.ProvinceOf(e.PetitionId) == province).Select(e => (e.PetitionId, e.Version)).ShouldBe(log, $"province {province}");

        // Each province's relay runs on one of the two nodes (its agent), which reports it in the gauge
        // (caseengine.national_log.relay_age), fresh: together they report every province once.
        var ages = await Poll.UntilAsync(() =>
        {
            var reported = new[] { one, two }.SelectMany(n => n.Services.GetRequiredService<NationalRelay>().Ages()).ToList();
            return Task.FromResult(reported.Count == db.Provinces.Count ? reported : null);
        }, Bound);
        ages.Select(a => a.Province).ShouldBe(db.Provinces, ignoreOrder: true);
        ages.ShouldAllBe(a => a.Seconds < 30);

        // Resumed at any cursor, on the other node: the rest, exactly.
        var middle = feed[feed.Count / 2].Sequence;
        (await NationalFeed.FeedAsync(two, two.Auditor(), after: middle)).ShouldBe(feed.Where(e => e.Sequence > middle).ToList());

        // A live subscriber resuming from the middle gets the rest from the log, then a new event in another
        // province live, numbered next.
        await using var ws = await WsSession.ConnectAsync(two);
        await ws.InitAsync(two.Auditor());
        await ws.SendAsync(new { id = "1", type = "subscribe", payload = new { query = "subscription($after: Long) { petitionEvents(after: $after) { sequence petitionId version } }", variables = new { after = middle } } });
        var received = new List<FeedEvent>();
        while (received.Count < feed.Count - (int)middle)
            received.Add(Read(await ws.MessageAsync(timeout: Bound)));
        received.ShouldBe(feed.Where(e => e.Sequence > middle).ToList());
        var (live, _, _) = await one.SubmitAsync(region: "320102");
        var next = Read(await ws.MessageAsync(timeout: Bound));
        next.PetitionId.ShouldBe(live);
        next.Sequence.ShouldBe(feed[^1].Sequence + 1);
    }

    [Fact]
    public async Task a_relay_round_that_lost_the_race_writes_nothing()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var log = api.Services.GetRequiredService<NationalLog>();
        await api.SubmitAsync(region: "330102");
        var relayed = (await Poll.UntilAsync(async () => await log.RelayedToAsync(Province.Zhejiang, default) is > 0 and var to ? new[] { to } : null, Bound))[0];
        var end = await log.EndAsync(default);

        // A second node that read the same progress and the same events appends them again: refused, nothing written.
        (await log.AppendAsync(Province.Zhejiang, 0, relayed, Relayed(1), default)).ShouldBeFalse();
        (await log.EndAsync(default)).ShouldBe(end);
    }

    [Fact]
    public async Task a_relay_round_waits_a_bounded_time_for_a_stalled_holder_of_the_lock_and_writes_nothing()
    {
        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var log = api.Services.GetRequiredService<NationalLog>();
        var end = await log.EndAsync(default);
        var from = await log.RelayedToAsync(Province.Anhui, default);

        // Another node holds the lock and does not commit (stalled mid-transaction).
        await using var stalled = new NpgsqlConnection(db.ConnectionString);
        await stalled.OpenAsync();
        await using var tx = await stalled.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"select pg_advisory_xact_lock({NationalLog.AppendLock})", stalled, tx))
            await take.ExecuteNonQueryAsync();

        var refused = await Should.ThrowAsync<PostgresException>(() => log.AppendAsync(Province.Anhui, from, from + 1, Relayed(from + 1), default));
        refused.SqlState.ShouldBe(PostgresErrorCodes.LockNotAvailable);
        await tx.RollbackAsync();
        (await log.EndAsync(default)).ShouldBe(end);
        (await log.RelayedToAsync(Province.Anhui, default)).ShouldBe(from);
    }

    private static FeedEvent Read(JsonElement message)
    {
        message.GetProperty("type").GetString().ShouldBe("next", message.ToString());
        return NationalFeed.ReadNode(message.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents"));
    }
}
