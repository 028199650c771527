using System.Text.Json;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// PostgreSQL crashes under a running API. A command sent then has an unknown outcome: it is answered
/// with the code UNAVAILABLE (not INTERNAL, which says "our bug"), with no stack trace and nothing of its
/// input; sent again with the same commandId once the database is back, it is applied exactly once.
/// </summary>
public sealed class when_the_database_goes_away(RestartableCluster cluster) : IClassFixture<RestartableCluster>
{
    [Fact]
    public async Task a_command_is_answered_unavailable_without_its_input_and_applied_once_when_sent_again()
    {
        await using var api = await ApiHost.StartAsync(await cluster.CreateDatabaseAsync());
        await api.SubmitAsync();
        var commandId = Guid.NewGuid();

        GqlResult failed;
        cluster.Server.StopServer(immediate: true);
        try
        {
            failed = await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId), api.Citizen());
        }
        finally
        {
            cluster.Server.StartServer();
        }

        failed.Code.ShouldBe("UNAVAILABLE", failed.Body);
        failed.Status.ShouldBeOneOf(200, 503);
        foreach (var leaked in new[] { "张三丰", "13812345678", "340101199001011234", "示范市1县1镇1", "村道损坏", "Npgsql", "   at " })
            failed.Body.ShouldNotContain(leaked);
        failed.Body.ShouldContain("same commandId");

        // Back: the same command id, sent until the database answers (the pool may still hold connections
        // the crash closed, each answered UNAVAILABLE too), is applied once.
        GqlResult answer;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            answer = await api.GraphQL(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId), api.Citizen());
            if (!answer.HasErrors || answer.Code != "UNAVAILABLE" || clock.Elapsed > TimeSpan.FromSeconds(60))
                break;
            await Task.Delay(100); // the database (an external process) finishing its crash recovery
        }
        answer.HasErrors.ShouldBeFalse(answer.Body);
        var again = await api.Data(Petitions.SubmitMutation, Petitions.SubmitInput(commandId: commandId), api.Citizen());
        var id = answer.Data.GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetGuid();
        again.GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetGuid().ShouldBe(id);
        await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession(Province.Demo);
        (await session.Events.QueryAllRawEvents().Where(e => e.StreamId == id).CountAsync()).ShouldBeGreaterThan(0);
        (await session.Query<CaseEngine.Domain.Petitions.Petition>().CountAsync()).ShouldBe(2);
    }

    /// <summary>
    /// The same class on the live feed: a subscription whose catch-up read finds the database gone is
    /// told UNAVAILABLE (resubscribe with after), not INTERNAL, over graphql-transport-ws.
    /// </summary>
    [Fact]
    public async Task a_subscription_whose_log_cannot_be_read_is_told_unavailable_and_to_resubscribe()
    {
        await using var api = await ApiHost.StartAsync(await cluster.CreateDatabaseAsync());
        await api.SubmitAsync();
        // The auditor follows the national log: once this node's tail has passed the submission, a subscriber
        // from 0 must read the log to replay it (with the tail still at 0 it would join live, with nothing to read).
        var live = api.Services.GetRequiredService<GraphApi.Reading.LiveEvents>();
        await Poll.UntilAsync(async () =>
        {
            var events = (await api.Data("{ events(after: 0) { sequence } }", token: api.Auditor())).GetProperty("events");
            return events.GetArrayLength() > 0 && live.PositionOf(GraphApi.Reading.NationalLog.Key) >= events[0].GetProperty("sequence").GetInt64() ? "" : null;
        }, TimeSpan.FromSeconds(60));
        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(api.Auditor());

        JsonElement message;
        cluster.Server.StopServer(immediate: true);
        try
        {
            await ws.SendAsync(new { id = "1", type = "subscribe", payload = new { query = "subscription { petitionEvents(after: 0) { sequence } }" } });
            message = await ws.MessageAsync(timeout: TimeSpan.FromSeconds(60));
        }
        finally
        {
            cluster.Server.StartServer();
        }

        message.GetProperty("type").GetString().ShouldBe("error", message.ToString());
        var error = message.GetProperty("payload")[0];
        error.GetProperty("extensions").GetProperty("code").GetString().ShouldBe("UNAVAILABLE", message.ToString());
        error.GetProperty("message").GetString()!.ShouldContain("after");
        foreach (var leaked in new[] { "Npgsql", "   at " })
            message.ToString().ShouldNotContain(leaked);
    }
}
