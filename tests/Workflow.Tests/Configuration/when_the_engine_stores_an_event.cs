using System.Text.Json;
using CaseEngine.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CaseEngine.Workflow.Tests.Configuration;

public class when_the_engine_stores_an_event(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly FakeClock _clock = new(new DateTimeOffset(2025, 10, 1, 2, 3, 4, TimeSpan.Zero));
    private IHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await CaseEngineTestHost.StartAsync(db, _clock,
            options => options.ConfigureMarten = opts => opts.Events.AddEventType<TestPing>());

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task it_keeps_the_metadata_and_the_fake_clocks_time()
    {
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var streamId = Guid.NewGuid();
        _clock.Advance(TimeSpan.FromMinutes(5));

        await using (var session = store.LightweightSession(Province.Demo))
        {
            session.CorrelationId = "correlation-1";
            session.CausationId = "causation-1";
            session.SetHeader("commandId", "command-1");
            session.Events.StartStream(streamId, new TestPing(streamId, "hello", PingUrgency.Urgent));
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession(Province.Demo);
        var stored = (await query.Events.FetchStreamAsync(streamId)).ShouldHaveSingleItem();
        stored.Data.ShouldBe(new TestPing(streamId, "hello", PingUrgency.Urgent));
        stored.CorrelationId.ShouldBe("correlation-1");
        stored.CausationId.ShouldBe("causation-1");
        stored.Headers.ShouldNotBeNull()["commandId"].ToString().ShouldBe("command-1");
        stored.Timestamp.ShouldBe(_clock.GetUtcNow());
    }

    [Fact]
    public async Task it_writes_camel_case_json_with_enums_as_strings_in_its_own_schema()
    {
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var streamId = Guid.NewGuid();
        await using (var session = store.LightweightSession(Province.Demo))
        {
            session.Events.StartStream(streamId, new TestPing(streamId, "json", PingUrgency.Urgent));
            await session.SaveChangesAsync();
        }

        await using var connection = new NpgsqlConnection(db.ProvinceConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select data::text from caseengine.mt_events where stream_id = @id", connection);
        command.Parameters.AddWithValue("id", streamId);
        using var json = JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!);
        json.RootElement.GetProperty("text").GetString().ShouldBe("json");
        json.RootElement.GetProperty("urgency").GetString().ShouldBe("Urgent");
    }

    [Fact]
    public async Task the_health_check_reports_healthy()
    {
        var report = await _host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Status.ShouldBe(HealthStatus.Healthy, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Description} {e.Value.Exception?.Message}")));
    }

    [Fact]
    public void the_clock_the_engine_sees_is_the_fake_one() =>
        _host.Services.GetRequiredService<TimeProvider>().ShouldBeSameAs(_clock);
}
