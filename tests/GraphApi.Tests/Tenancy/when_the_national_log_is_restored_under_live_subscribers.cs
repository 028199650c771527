using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Shouldly;
using Xunit;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// Issue 19, the sibling of a province database restored under live subscribers: the master database, which
/// holds the national log, restored to an earlier point while an auditor follows the whole country live. The
/// relays then append again what the restored log lost, numbering it from the restored end, so the numbers
/// the node's national tail passed are handed out again, possibly to other events. The restore here is of the
/// national log's two tables (its entries and the relays' progress) as a table-level restore would put them
/// back, under the log's own append lock: restoring the whole master database under a running node also
/// replaces Wolverine's node registry, another failure. The test holds the append lock until the subscriber
/// is told, so that no relay appends in between: otherwise a relay could append the same events again at
/// the same numbers first, and there would be nothing to tell.
/// </summary>
public class when_the_national_log_is_restored_under_live_subscribers(ThreeProvinces db) : IClassFixture<ThreeProvinces>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const string Log = $"{ProvinceDatabases.MasterSchema}.national_log", Relays = $"{ProvinceDatabases.MasterSchema}.national_relay";

    [Fact]
    public async Task its_subscribers_are_ended_with_LOG_RESTORED_and_resume_from_what_it_still_holds()
    {
        var logs = new LogCapture();
        await using var api = await StartAsync(logs);
        await using var master = await MasterAsync();
        var backedUp = await BackUpAsync(master, "live");

        // An auditor follows the whole country from there, and is sent a petition relayed after the backup.
        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(api.Auditor());
        await SubscribeAsync(ws, "1", backedUp);
        var (lost, _, _) = await api.SubmitAsync(region: "330102");
        (await NationalFeed.FirstOfAsync(ws, "1", lost, Bound)).ShouldBeGreaterThan(backedUp);

        // The restore, under the append lock, held until the subscriber is told.
        await RestoreHoldingTheAppendLockAsync(master, "live");
        await NationalFeed.EndedWithLogRestoredAsync(ws, "1", backedUp, Bound);
        // Logged as the subscriptions are ended: it may follow their error messages by a moment.
        await logs.WaitForAsync(l => l.StartsWith($"{LogLevel.Warning} {typeof(LiveEvents).FullName} ", StringComparison.Ordinal)
            && l.Contains("The national log no longer holds entry ", StringComparison.Ordinal), Bound);
        await ExecuteAsync(master, $"select pg_advisory_unlock({NationalLog.AppendLock})");

        // Subscribed again from there, it is sent the petition the restore lost (relayed again) and the next one.
        await SubscribeAsync(ws, "2", backedUp);
        await NationalFeed.FirstOfAsync(ws, "2", lost, Bound);
        var (next, _, _) = await api.SubmitAsync(region: "320102");
        await NationalFeed.FirstOfAsync(ws, "2", next, Bound);
    }

    [Fact]
    public async Task a_node_nobody_follows_it_on_starts_over_at_the_restored_end()
    {
        // No live subscriber on the node: its tail has sent nothing to check, and stands past the restored end. It
        // notices that the log ends before it, and starts over there; without that, a subscriber joining after the
        // restore would be joined where the tail stood and never sent what the relays append again below it.
        var logs = new LogCapture();
        await using var api = await StartAsync(logs);
        await using var master = await MasterAsync();
        var backedUp = await BackUpAsync(master, "idle");
        var (lost, _, _) = await api.SubmitAsync(region: "330102");
        await NationalFeed.RelayedAsync(api, db, Province.Zhejiang, Bound);
        var live = api.Services.GetRequiredService<LiveEvents>();
        var national = api.Services.GetRequiredService<NationalLog>();
        var end = await national.EndAsync(default);
        await Poll.UntilAsync(() => Task.FromResult(live.PositionOf(NationalLog.Key) >= end ? new[] { true } : null), Bound);

        await RestoreHoldingTheAppendLockAsync(master, "idle");
        await logs.WaitForAsync(l => l.StartsWith($"{LogLevel.Warning} {typeof(LiveEvents).FullName} ", StringComparison.Ordinal)
            && l.Contains($"The national log ends at {backedUp}, before entry ", StringComparison.Ordinal), Bound);

        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(api.Auditor());
        await SubscribeAsync(ws, "1", backedUp);
        await Poll.UntilAsync(() => Task.FromResult(live.LiveCount == 1 ? new[] { true } : null), Bound);
        await ExecuteAsync(master, $"select pg_advisory_unlock({NationalLog.AppendLock})");
        await NationalFeed.FirstOfAsync(ws, "1", lost, Bound);
    }

    /// <summary>A node of the whole country, its log captured, once a petition of Jiangsu has been relayed.</summary>
    private async Task<ApiHost> StartAsync(LogCapture logs)
    {
        var api = await ApiHost.StartAsync(db, services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules()));
            s.AddSingleton<ILoggerProvider>(logs);
        });
        await api.SubmitAsync(region: "320102");
        await NationalFeed.RelayedAsync(api, db, Province.Jiangsu, Bound);
        return api;
    }

    private async Task<NpgsqlConnection> MasterAsync()
    {
        var master = new NpgsqlConnection(db.ConnectionString);
        await master.OpenAsync();
        return master;
    }

    /// <summary>A backup of the national log and the relays' progress as they stand (tables beside them named with <paramref name="name"/>); the log's end.</summary>
    private static async Task<long> BackUpAsync(NpgsqlConnection master, string name)
    {
        await ExecuteAsync(master, $"create table {Log}_{name} as select * from {Log}; create table {Relays}_{name} as select * from {Relays}");
        await using var end = new NpgsqlCommand($"select max(sequence) from {Log}", master);
        return (long)(await end.ExecuteScalarAsync())!;
    }

    /// <summary>Puts the backup named <paramref name="name"/> back, taking the log's append lock first and keeping it (released by the caller): no relay appends until then.</summary>
    private static async Task RestoreHoldingTheAppendLockAsync(NpgsqlConnection master, string name)
    {
        await ExecuteAsync(master, $"select pg_advisory_lock({NationalLog.AppendLock})");
        await ExecuteAsync(master, $"""
            begin;
            truncate {Log}; insert into {Log} select * from {Log}_{name};
            truncate {Relays}; insert into {Relays} select * from {Relays}_{name};
            commit
            """);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task SubscribeAsync(WsSession ws, string id, long after) =>
        ws.SendAsync(new { id, type = "subscribe", payload = new { query = "subscription($after: Long) { petitionEvents(after: $after) { sequence petitionId } }", variables = new { after } } });
}
