using System.Text.Json;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Subscriptions;

/// <summary>
/// A transaction holds an early sequence while a later append commits: neither a subscriber nor a
/// feed page may skip the early event once it commits (architecture.md, Live events).
/// </summary>
public class when_an_early_sequence_commits_late(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task subscribers_and_feed_pages_receive_it_in_sequence_order()
    {
        await using var api = await ApiHost.StartAsync(db);
        var auditor = api.Auditor();
        var (first, _, _) = await api.SubmitAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        PetitionSubmitted submitted;
        await using (var query = store.QuerySession(Province.Demo))
            submitted = (PetitionSubmitted)(await query.Events.FetchStreamAsync(first))[0].Data;

        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(auditor);
        await ws.SendAsync(new { id = "1", type = "subscribe", payload = new { query = "subscription { petitionEvents(after: 0) { sequence petitionId } }" } });
        var firstEvent = await ws.MessageAsync();
        firstEvent.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents").GetProperty("petitionId").GetString().ShouldBe(first.ToString());
        var firstSequence = firstEvent.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents").GetProperty("sequence").GetInt64();

        async Task<List<string>> FeedAfterFirst() =>
            [.. (await api.Data("query($after: Long) { events(after: $after) { petitionId } }", new { after = firstSequence }, auditor))
                .GetProperty("events").EnumerateArray().Select(e => e.GetProperty("petitionId").GetString()!)];

        // The early append takes its sequence inside a transaction that stays open...
        var late = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var options = SessionOptions.ForTransaction(transaction);
        options.TenantId = Province.Demo;
        await using (var session = store.LightweightSession(options))
        {
            var early = submitted with { PetitionId = late, CaseNumber = "340101-2099-999999" };
            session.Events.StartStream<Petition>(late, early);
            // As the command pipeline does (PetitionCommands.Write): the petition document with its events.
            session.Store(Petition.Fold([early]));
            await session.SaveChangesAsync();
        }
        // ...while a later one commits.
        var (later, _, _) = await api.SubmitAsync();
        (await FeedAfterFirst()).ShouldBeEmpty();

        await transaction.CommitAsync();

        string IdOf(JsonElement message) =>
            message.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents").GetProperty("petitionId").GetString()!;
        IdOf(await ws.MessageAsync()).ShouldBe(late.ToString());
        IdOf(await ws.MessageAsync()).ShouldBe(later.ToString());
        (await FeedAfterFirst()).ShouldBe([late.ToString(), later.ToString()]);
    }
}
