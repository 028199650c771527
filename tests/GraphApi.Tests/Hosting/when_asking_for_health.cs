using System.Net;
using System.Text.Json;
using Alba;
using CaseEngine.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Hosting;

public class when_asking_for_health(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_started_host_with_a_database_answers_healthy_and_503_once_the_database_is_gone()
    {
        await using var host = await AlbaHost.For<Program>(web =>
        {
            web.UseSetting("ConnectionStrings:Marten", db.ConnectionString);
            foreach (var (key, value) in TestKeys.Settings)
                web.UseSetting(key, value);
        });

        var healthy = await host.Scenario(s =>
        {
            s.Get.Url("/health");
            s.StatusCodeShouldBeOk();
        });
        using (var body = JsonDocument.Parse(await healthy.ReadAsTextAsync()))
            body.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
        var ready = await host.Scenario(s =>
        {
            s.Get.Url(HealthEndpoint.ReadyPath);
            s.StatusCodeShouldBeOk();
        });
        using (var body = JsonDocument.Parse(await ready.ReadAsTextAsync()))
        {
            var checks = body.RootElement.GetProperty("checks");
            checks.TryGetProperty("caseengine", out _).ShouldBeTrue();
            checks.TryGetProperty("projections", out _).ShouldBeTrue();
        }
        await host.Scenario(s =>
        {
            s.Get.Url(HealthEndpoint.LivePath);
            s.StatusCodeShouldBeOk();
        });

        await db.DisposeAsync();

        var down = await host.Scenario(s =>
        {
            s.Get.Url("/health");
            s.StatusCodeShouldBe(HttpStatusCode.ServiceUnavailable);
        });
        // Which check failed and why in a word, never the driver's message (it names the database, host and port).
        var report = await down.ReadAsTextAsync();
        report.ShouldNotContain(new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).Database!);
        report.ShouldContain("\"error\":\"");
        await host.Scenario(s =>
        {
            s.Get.Url(HealthEndpoint.ReadyPath);
            s.StatusCodeShouldBe(HttpStatusCode.ServiceUnavailable);
        });
        // The process is alive: no reason to restart it, only to route around it.
        await host.Scenario(s =>
        {
            s.Get.Url(HealthEndpoint.LivePath);
            s.StatusCodeShouldBeOk();
        });
    }

}

/// <summary>Its own database: the class above drops its fixture's database in its test.</summary>
public class when_a_health_check_throws(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task a_check_that_throws_is_reported_without_its_message()
    {
        // A health check that throws (as the broker's does when the database it counts in is gone) gets the
        // exception's message as its description from .NET's health-check service: it must not reach /health.
        const string secret = "Failed to connect to 10.1.2.3:5432 as caseengine_owner";
        await using var host = await AlbaHost.For<Program>(web =>
        {
            web.UseSetting("ConnectionStrings:Marten", db.ConnectionString);
            foreach (var (key, value) in TestKeys.Settings)
                web.UseSetting(key, value);
            web.ConfigureServices(services => services.AddHealthChecks()
                .AddCheck("throws", () => throw new InvalidOperationException(secret)));
        });
        var down = await host.Scenario(s =>
        {
            s.Get.Url("/health");
            s.StatusCodeShouldBe(HttpStatusCode.ServiceUnavailable);
        });
        var report = await down.ReadAsTextAsync();
        report.ShouldNotContain("10.1.2.3");
        report.ShouldNotContain("caseengine_owner");
        using var body = JsonDocument.Parse(report);
        var check = body.RootElement.GetProperty("checks").GetProperty("throws");
        check.GetProperty("error").GetString().ShouldBe(nameof(InvalidOperationException));
    }
}
