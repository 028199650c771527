using Shouldly;
using System.Text.Json;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>One event of the feed as the national tests compare it: its place in the log read, and which petition's version it is.</summary>
public sealed record FeedEvent(long Sequence, Guid PetitionId, int Version);

/// <summary>The national log as its callers and the province databases show it, for the tests of the national relay.</summary>
public static class NationalFeed
{
    public static FeedEvent ReadNode(JsonElement e) =>
        new(e.GetProperty("sequence").GetInt64(), Guid.Parse(e.GetProperty("petitionId").GetString()!), e.GetProperty("version").GetInt32());

    /// <summary>The whole feed after <paramref name="after"/>, page by page, as the caller of <paramref name="token"/> pulls it.</summary>
    public static async Task<List<FeedEvent>> FeedAsync(ApiHost api, string token, long after)
    {
        var all = new List<FeedEvent>();
        while (true)
        {
            var data = await api.Data("query($after: Long) { events(after: $after, first: 100) { sequence petitionId version } }", new { after }, token);
            var page = data.GetProperty("events").EnumerateArray().Select(ReadNode).ToList();
            all.AddRange(page);
            if (page.Count < 100)
                return all;
            after = page[^1].Sequence;
        }
    }

    /// <summary>Each province database's log, (petition, version) in its own sequence order.</summary>
    public static async Task<Dictionary<string, List<(Guid, int)>>> ProvinceLogsAsync(DatabaseFixture db)
    {
        var logs = new Dictionary<string, List<(Guid, int)>>();
        foreach (var province in db.Provinces)
        {
            await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select stream_id, version from caseengine.mt_events where type <> 'tombstone' order by seq_id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var log = new List<(Guid, int)>();
            while (await reader.ReadAsync())
                log.Add((reader.GetGuid(0), (int)reader.GetInt64(1)));
            logs[province] = log;
        }
        return logs;
    }

    /// <summary>Waits until the national log has relayed a province's whole log; the last event relayed.</summary>
    public static async Task<long> RelayedAsync(ApiHost api, DatabaseFixture db, string province, TimeSpan bound)
    {
        var log = api.Services.GetRequiredService<NationalLog>();
        var end = await ProvinceEndAsync(db, province);
        return (await Poll.UntilAsync(async () => await log.MarkAsync(province, default) is { Recent: [var last, ..] } && last.Sequence >= end
            ? new[] { last.Sequence } : null, bound))[0];
    }

    /// <summary>The last event's sequence in a province's database.</summary>
    public static async Task<long> ProvinceEndAsync(DatabaseFixture db, string province)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(max(seq_id), 0) from caseengine.mt_events where type <> 'tombstone'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The sequence of a petition's first event in its province's database.</summary>
    public static async Task<long> FirstSequenceOfAsync(DatabaseFixture db, Guid petition, string province)
    {
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionStringOf(province));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select min(seq_id) from caseengine.mt_events where stream_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = petition });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// A copy of a database as it stands (a backup, or a restore of one: CREATE DATABASE … TEMPLATE). Nothing may
    /// be connected to <paramref name="from"/>: its sessions are ended first, so no host may be using it.
    /// </summary>
    public static async Task CopyDatabaseAsync(DatabaseFixture db, string from, string to)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Workflow.Hosting.PostgresDatabases.ForDatabase(db.ConnectionString, "postgres"));
        await connection.OpenAsync();
        await using (var terminate = new NpgsqlCommand($"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{from}'", connection))
            await terminate.ExecuteNonQueryAsync();
        // Not in a transaction: CREATE DATABASE refuses one.
        await using var create = new NpgsqlCommand($"create database \"{to}\" template \"{from}\"", connection);
        await create.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The sequence of the first <c>petitionEvents</c> event of <paramref name="petition"/> that subscription
    /// <paramref name="id"/> is sent within <paramref name="bound"/> (as a whole: the server's pings would keep a
    /// read waiting for anything else alive); it is sent nothing else first but other petitions' events.
    /// </summary>
    public static async Task<long> FirstOfAsync(WsSession ws, string id, Guid petition, TimeSpan bound)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var message = await ws.MessageAsync().WaitAsync(bound - waited.Elapsed);
            message.GetProperty("type").GetString().ShouldBe("next", message.ToString());
            message.GetProperty("id").GetString().ShouldBe(id);
            var node = message.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents");
            if (Guid.Parse(node.GetProperty("petitionId").GetString()!) == petition)
                return node.GetProperty("sequence").GetInt64();
        }
    }

    /// <summary>Subscription <paramref name="id"/> ends with LOG_RESTORED, naming <paramref name="resumeAfter"/> as where to resume.</summary>
    public static async Task EndedWithLogRestoredAsync(WsSession ws, string id, long resumeAfter, TimeSpan bound)
    {
        var error = await ws.MessageAsync().WaitAsync(bound);
        error.GetProperty("type").GetString().ShouldBe("error", error.ToString());
        error.GetProperty("id").GetString().ShouldBe(id);
        var payload = error.GetProperty("payload")[0];
        payload.GetProperty("extensions").GetProperty("code").GetString().ShouldBe(CaseEngine.GraphApi.Reading.LogRestoredException.Code);
        payload.GetProperty("message").GetString()!.ShouldEndWith($"subscribe again with after: {resumeAfter}");
    }
}
