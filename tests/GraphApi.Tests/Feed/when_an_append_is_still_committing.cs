using System.Text.Json;
using CaseEngine.GraphApi.Reading;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Feed;

/// <summary>The feed never delivers beyond the committed prefix (architecture.md, Live events).</summary>
public class when_an_append_is_still_committing(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_feed_stops_before_the_reserved_sequence_until_it_commits_or_is_known_dead()
    {
        // A hole is known dead after 2 s here (5 s by default), so the test need not wait long.
        await using var api = await ApiHost.StartAsync(db, settings: new Dictionary<string, string?> { [EventFeedOptions.Section + ":DeadGapSeconds"] = "2" });
        var auditor = api.Auditor();
        var (first, _, _) = await api.SubmitAsync();
        async Task<List<JsonElement>> Feed(object after) =>
            [.. (await api.Data("query($after: Long) { events(after: $after) { sequence petitionId } }", new { after }, auditor))
                .GetProperty("events").EnumerateArray()];
        var before = await Feed(0);
        before.Select(e => e.GetProperty("petitionId").GetString()).ShouldBe([first.ToString()]);
        var last = before[^1].GetProperty("sequence").GetInt64();

        // An append in flight has taken the next number; a later append commits first.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await using (var conn = new NpgsqlConnection(db.ProvinceConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"select nextval('{store.Options.Events.DatabaseSchemaName}.mt_events_sequence')", conn);
            await cmd.ExecuteScalarAsync();
        }
        var (second, _, _) = await api.SubmitAsync();

        // Long input also as a decimal string.
        (await Feed(last.ToString(System.Globalization.CultureInfo.InvariantCulture))).ShouldBeEmpty();

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var after = await Feed(last);
        after.Select(e => e.GetProperty("petitionId").GetString()).ShouldBe([second.ToString()]);
        // The auditor's national scope reads the national log, relayed up to the province's committed
        // prefix: it numbers the province's events densely, so the dead hole takes no number of its own.
        after[0].GetProperty("sequence").GetInt64().ShouldBe(last + 1);
    }
}
