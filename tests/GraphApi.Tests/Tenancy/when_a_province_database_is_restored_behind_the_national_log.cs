using System.Text.Json;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19: a province database restored to an earlier point (a backup, or an asynchronous standby
/// promoted without its last commits) is behind the national log's relay. Its sequences are handed out
/// again, to other events. The relay must not wait for the log to grow back in silence and then relay
/// from its old mark — skipping the new events and leaving national entries pointing at events they never
/// relayed — nor serve those entries as the new events. A real restore: the province database is copied at
/// two points (CREATE DATABASE … TEMPLATE, what a restore yields) and put back at the earlier one.
/// </summary>
public class when_a_province_database_is_restored_behind_the_national_log(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static void National(IServiceCollection s) => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules()));

    [Fact]
    public async Task its_relay_halts_loudly_and_resumes_when_the_log_holds_the_relayed_events_again()
    {
        var zhejiang = new NpgsqlConnectionStringBuilder(db.ProvinceConnectionStringOf(Province.Zhejiang)).Database!;
        string early = $"{zhejiang}_early", late = $"{zhejiang}_late";
        try
        {
            // A first backup after one petition of Zhejiang is relayed…
            await using (var api = await ApiHost.StartAsync(db, services: National))
            {
                await api.SubmitAsync(region: "330102");
                await RelayedAsync(api);
            }
            await CopyAsync(zhejiang, early);

            // …and a second after one more.
            long mark, relayedTo;
            await using (var api = await ApiHost.StartAsync(db, services: National))
            {
                await api.SubmitAsync(region: "330102");
                mark = await RelayedAsync(api);
                relayedTo = await api.Services.GetRequiredService<NationalLog>().RelayedToAsync(Province.Zhejiang, default);
            }
            await CopyAsync(zhejiang, late);

            // The province is restored to the first: the second petition's events, relayed, are gone.
            await PostgresDatabases.DropAsync(db.ConnectionString, zhejiang);
            await CopyAsync(early, zhejiang);
            (await ProvinceEndAsync()).ShouldBeLessThan(mark);

            var logs = new LogCapture();
            await using (var api = await ApiHost.StartAsync(db, services: s =>
            {
                National(s);
                s.AddSingleton<ILoggerProvider>(logs);
            }))
            {
                var relay = api.Services.GetRequiredService<NationalRelay>();
                List<string> relayErrors() => [.. logs.Lines.Where(l => l.StartsWith($"{LogLevel.Error} {typeof(NationalRelay).FullName} ", StringComparison.Ordinal))];
                var log = api.Services.GetRequiredService<NationalLog>();

                // Halted on its first round, loudly once: an Error naming the province and the event, and /health.
                await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Contains(Province.Zhejiang) ? relay.Behind() : null), Bound);
                relayErrors().ShouldHaveSingleItem().ShouldContain($"Province {Province.Zhejiang}'s log no longer holds what it relayed to the national log (sequence {mark})");
                var health = await HealthAsync(api);
                health.GetProperty("status").GetString().ShouldBe("Degraded");
                health.GetProperty("checks").GetProperty("nationalRelay").GetProperty("description").GetString()!.ShouldContain(Province.Zhejiang);

                // The restored database's event sequence stood below the mark: the relay moved it past, so a new
                // petition takes none of the lost events' numbers (a Warning says so). Halted, the relay does
                // not relay it.
                logs.Lines.ShouldContain(l => l.StartsWith($"{LogLevel.Warning} {typeof(NationalRelay).FullName} ", StringComparison.Ordinal)
                    && l.Contains($"Province {Province.Zhejiang}'s event sequence stood below the national log's relay mark {relayedTo}: moved past it", StringComparison.Ordinal));
                var (restoredOver, _, _) = await api.SubmitAsync(region: "330102");
                (await FirstSequenceOfAsync(restoredOver)).ShouldBeGreaterThan(relayedTo);
                // The other provinces relay on meanwhile.
                var (anhui, _, _) = await api.SubmitAsync(region: "340102");
                var feed = await Poll.UntilAsync(async () =>
                {
                    var page = await NationalFeed.FeedAsync(api, api.Auditor(), after: 0);
                    return page.Any(e => e.PetitionId == anhui) ? page : null;
                }, Bound);
                feed.ShouldNotContain(e => e.PetitionId == restoredOver);
                (await log.RelayedToAsync(Province.Zhejiang, default)).ShouldBe(relayedTo);
                relay.Behind().ShouldBe([Province.Zhejiang]);
                relayErrors().Count.ShouldBe(1);

                // The operator restores the later backup, which holds every relayed event, while the node runs:
                // the relay resumes by itself, and relays what the province commits next.
                await PostgresDatabases.DropAsync(db.ConnectionString, zhejiang);
                await CopyAsync(late, zhejiang);
                var (after, _, _) = (await Poll.UntilAsync(async () =>
                {
                    try
                    {
                        return new[] { await api.SubmitAsync(region: "330102") };
                    }
                    catch (ShouldAssertException)
                    {
                        // Refused UNAVAILABLE while the node's connections to the replaced database are renewed.
                        return null;
                    }
                }, Bound))[0];
                await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Count == 0 ? new[] { true } : null), Bound);
                logs.Lines.ShouldContain(l => l.StartsWith($"{LogLevel.Information} ", StringComparison.Ordinal)
                    && l.Contains($"Province {Province.Zhejiang}'s log holds what it relayed to the national log again (sequence {mark})", StringComparison.Ordinal));
                (await HealthAsync(api)).GetProperty("checks").GetProperty("nationalRelay").GetProperty("status").GetString().ShouldBe("Healthy");

                // The national feed is again every province's log once, numbered without a gap.
                var provinces = await NationalFeed.ProvinceLogsAsync(db);
                var total = provinces.Values.Sum(l => l.Count);
                var whole = await Poll.UntilAsync(async () =>
                {
                    var page = await NationalFeed.FeedAsync(api, api.Auditor(), after: 0);
                    return page.Any(e => e.PetitionId == after) && page.Count >= total ? page : null;
                }, Bound);
                whole.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, whole.Count).Select(i => (long)i));
                foreach (var (province, events) in provinces)
                    whole.Where(e => Engine.ProvinceOf(e.PetitionId) == province).Select(e => (e.PetitionId, e.Version)).ShouldBe(events, $"province {province}");
            }
        }
        finally
        {
            await PostgresDatabases.DropAsync(db.ConnectionString, early);
            await PostgresDatabases.DropAsync(db.ConnectionString, late);
        }
    }

    [Fact]
    public async Task an_event_relayed_before_the_last_and_replaced_halts_it_and_is_not_served_in_its_place()
    {
        // Events commit out of sequence order: a standby promoted without the primary's last commits can lack an
        // event relayed just before the last one and hold the last; the lost one's number then holds another event.
        await using var api = await ApiHost.StartAsync(db, services: National);
        var relay = api.Services.GetRequiredService<NationalRelay>();
        var (first, _, _) = await api.SubmitAsync(region: "320102");
        await api.SubmitAsync(region: "320102");
        var last = await RelayedAsync(api, Province.Jiangsu);
        await using var province = new NpgsqlConnection(db.ProvinceConnectionStringOf(Province.Jiangsu));
        await province.OpenAsync();
        var id = (Guid)(await new NpgsqlCommand($"select id from caseengine.mt_events where seq_id = {last - 1}", province).ExecuteScalarAsync())!;
        await ExecuteAsync(province, $"update caseengine.mt_events set id = gen_random_uuid() where seq_id = {last - 1}");
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Contains(Province.Jiangsu) ? relay.Behind() : null), Bound);
            (await NationalFeed.FeedAsync(api, api.Auditor(), after: 0)).ShouldNotContain(e => e.PetitionId == first && e.Version == 1);
        }
        finally
        {
            await ExecuteAsync(province, $"update caseengine.mt_events set id = '{id}' where seq_id = {last - 1}");
        }
        await api.SubmitAsync(region: "320102");
        await Poll.UntilAsync(() => Task.FromResult(relay.Behind().Count == 0 ? new[] { true } : null), Bound);
        await RelayedAsync(api, Province.Jiangsu);
        (await NationalFeed.FeedAsync(api, api.Auditor(), after: 0)).ShouldContain(e => e.PetitionId == first && e.Version == 1);
    }

    [Fact]
    public async Task an_event_sequence_set_back_below_the_relays_mark_is_moved_past_it()
    {
        // Every relayed event still there, but the numbers up to the mark would be handed out again: a province
        // whose rounds relayed only Marten's tombstones has no entry to check, only its sequence.
        var logs = new LogCapture();
        await using var api = await ApiHost.StartAsync(db, services: s =>
        {
            National(s);
            s.AddSingleton<ILoggerProvider>(logs);
        });
        await api.SubmitAsync(region: "340102");
        await api.SubmitAsync(region: "340102");
        await RelayedAsync(api, Province.Anhui);
        var to = await api.Services.GetRequiredService<NationalLog>().RelayedToAsync(Province.Anhui, default);
        await using var province = new NpgsqlConnection(db.ProvinceConnectionStringOf(Province.Anhui));
        await province.OpenAsync();
        var at = (long)(await new NpgsqlCommand("select last_value from caseengine.mt_events_sequence", province).ExecuteScalarAsync())!;
        await ExecuteAsync(province, $"select setval('caseengine.mt_events_sequence', {to - 1})");
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.StartsWith($"{LogLevel.Warning} {typeof(NationalRelay).FullName} ", StringComparison.Ordinal)
                && l.Contains($"Province {Province.Anhui}'s event sequence stood below the national log's relay mark {to}: moved past it", StringComparison.Ordinal)) ? new[] { true } : null), Bound);
        }
        finally
        {
            // Never below a number this test's appends drew (the relay moves it to the mark, no further).
            await ExecuteAsync(province, $"select setval('caseengine.mt_events_sequence', greatest({at}, (select last_value from caseengine.mt_events_sequence)))");
        }

        // Halted for the round that saw it, which moved the sequence past the mark; nothing was lost, so the next
        // round resumes, and the next petition takes a number after the mark.
        await Poll.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.StartsWith($"{LogLevel.Information} {typeof(NationalRelay).FullName} ", StringComparison.Ordinal)
            && l.Contains($"Province {Province.Anhui}'s log holds what it relayed to the national log again (sequence {to})", StringComparison.Ordinal)) ? new[] { true } : null), Bound);
        logs.Lines.ShouldContain(l => l.StartsWith($"{LogLevel.Error} {typeof(NationalRelay).FullName} ", StringComparison.Ordinal)
            && l.Contains($"Province {Province.Anhui}'s log no longer holds what it relayed to the national log (sequence {to})", StringComparison.Ordinal));
        var (next, _, _) = await api.SubmitAsync(region: "340102");
        (await FirstSequenceOfAsync(next, Province.Anhui)).ShouldBeGreaterThan(to);
        await RelayedAsync(api, Province.Anhui);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private Task<long> RelayedAsync(ApiHost api, string province = Province.Zhejiang) => NationalFeed.RelayedAsync(api, db, province, Bound);

    private Task<long> ProvinceEndAsync(string province = Province.Zhejiang) => NationalFeed.ProvinceEndAsync(db, province);

    private Task<long> FirstSequenceOfAsync(Guid petition, string province = Province.Zhejiang) => NationalFeed.FirstSequenceOfAsync(db, petition, province);

    private Task CopyAsync(string from, string to) => NationalFeed.CopyDatabaseAsync(db, from, to);

    private static async Task<JsonElement> HealthAsync(ApiHost api)
    {
        var result = await api.Alba.Scenario(s =>
        {
            s.Get.Url("/health");
            s.IgnoreStatusCode();
        });
        return JsonDocument.Parse(result.ReadAsText()).RootElement.Clone();
    }
}
