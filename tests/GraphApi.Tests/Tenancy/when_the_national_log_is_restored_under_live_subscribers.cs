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
        await using var api = await ApiHost.StartAsync(db, services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules()));
            s.AddSingleton<ILoggerProvider>(logs);
        });
        await api.SubmitAsync(region: "320102");
        await NationalFeed.RelayedAsync(api, db, Province.Jiangsu, Bound);

        // The backup: the national log and the relays' progress as they stand.
        await using var master = new NpgsqlConnection(db.ConnectionString);
        await master.OpenAsync();
        await ExecuteAsync(master, $"create table {Log}_backup as select * from {Log}; create table {Relays}_backup as select * from {Relays}");
        var backedUp = (long)(await new NpgsqlCommand($"select max(sequence) from {Log}", master).ExecuteScalarAsync())!;

        // An auditor follows the whole country from there, and is sent a petition relayed after the backup.
        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(api.Auditor());
        await SubscribeAsync(ws, "1", backedUp);
        var (lost, _, _) = await api.SubmitAsync(region: "330102");
        (await NationalFeed.FirstOfAsync(ws, "1", lost, Bound)).ShouldBeGreaterThan(backedUp);

        // The restore, under the append lock, held until the subscriber is told.
        await ExecuteAsync(master, $"select pg_advisory_lock({NationalLog.AppendLock})");
        await ExecuteAsync(master, $"""
            begin;
            truncate {Log}; insert into {Log} select * from {Log}_backup;
            truncate {Relays}; insert into {Relays} select * from {Relays}_backup;
            commit
            """);
        await NationalFeed.EndedWithLogRestoredAsync(ws, "1", backedUp, Bound);
        // Logged as the subscriptions are ended: it may follow their error messages by a moment.
        await Poll.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.StartsWith($"{LogLevel.Warning} {typeof(LiveEvents).FullName} ", StringComparison.Ordinal)
            && l.Contains("The national log no longer holds entry ", StringComparison.Ordinal)) ? new[] { true } : null), Bound);
        await ExecuteAsync(master, $"select pg_advisory_unlock({NationalLog.AppendLock})");

        // Subscribed again from there, it is sent the petition the restore lost (relayed again) and the next one.
        await SubscribeAsync(ws, "2", backedUp);
        await NationalFeed.FirstOfAsync(ws, "2", lost, Bound);
        var (next, _, _) = await api.SubmitAsync(region: "320102");
        await NationalFeed.FirstOfAsync(ws, "2", next, Bound);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task SubscribeAsync(WsSession ws, string id, long after) =>
        ws.SendAsync(new { id, type = "subscribe", payload = new { query = "subscription($after: Long) { petitionEvents(after: $after) { sequence petitionId } }", variables = new { after } } });
}
