using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Alba;
using CaseEngine.GraphApi.Reading;
using CaseEngine.Projections.Monitoring;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Tenancy;

/// <summary>
/// A province database that hangs rather than refuses (its server accepts the connection and never
/// answers: a network black hole, a frozen VM) holds up its own events only. Each connect to it waits
/// out Npgsql's 15 s timeout; while it does, the other provinces' events still reach a live subscriber
/// of the national log and a pull of the national feed within <see cref="Prompt"/>, /health answers in
/// time naming it down, and the lag gauges sample the others. Before, one loop relayed and polled the
/// provinces in turn, so every round waited for the hanging one; the health check and the lag sampler
/// asked them in turn too (and one failing province made the whole lag sample fail).
/// </summary>
[RunsLong]
public class when_a_province_database_hangs(ThreeProvinces db, ITestOutputHelper output) : IClassFixture<ThreeProvinces>
{
    private const string Shanghai = "310000";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Well under the hanging connect's 15 s.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task the_other_provinces_events_reach_national_readers_promptly()
    {
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var held = new List<TcpClient>();
        var connectsBefore = 0;
        using var stop = new CancellationTokenSource();
        // Accepts every connection and never answers: the startup message waits for a reply that never comes.
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var client = await blackHole.AcceptTcpClientAsync(stop.Token);
                    lock (held)
                        held.Add(client);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using var api = await ApiHost.StartAsync(db, services: s => s.Replace(ServiceDescriptor.Singleton(NationalDirectory.Rules())));
        var port = ((IPEndPoint)blackHole.LocalEndpoint).Port;
        await ProvinceDatabases.RecordAsync(db.ConnectionString, Shanghai,
            $"Host=127.0.0.1;Port={port};Database=caseengine_310000;Username=caseengine;Password=unused;Timeout=15");
        // The node's loops have met it (its list of provinces is read every 5 s) and are waiting on it.
        var relay = api.Services.GetRequiredService<NationalRelay>();
        await Poll.UntilAsync(() => Task.FromResult(relay.Ages().Any(a => a.Province == Shanghai) ? "" : null), Bound);
        await Poll.UntilAsync(() =>
        {
            lock (held)
                return Task.FromResult(held.Count > 0 ? "" : null);
        }, Bound);

        var auditor = api.Auditor();
        var end = (await api.Data("{ events(after: 0, first: 100) { sequence } }", token: auditor)).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("sequence").GetInt64()).DefaultIfEmpty(0).Max();
        await using var ws = await WsSession.ConnectAsync(api);
        await ws.InitAsync(auditor);
        await ws.SendAsync(new { id = "1", type = "subscribe", payload = new { query = "subscription($after: Long) { petitionEvents(after: $after) { sequence petitionId } }", variables = new { after = end } } });

        var watch = Stopwatch.StartNew();
        var (anhui, _, _) = await api.SubmitAsync(region: "340102");
        var live = await ws.MessageAsync(timeout: Prompt);
        var delivered = watch.Elapsed;
        live.GetProperty("type").GetString().ShouldBe("next", live.ToString());
        live.GetProperty("payload").GetProperty("data").GetProperty("petitionEvents").GetProperty("petitionId").GetString().ShouldBe(anhui.ToString());

        watch.Restart();
        var (jiangsu, _, _) = await api.SubmitAsync(region: "320102");
        var page = await api.Data("query($after: Long) { events(after: $after) { petitionId } }", new { after = end }, auditor);
        var pulled = watch.Elapsed;
        page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("petitionId").GetString()).ShouldContain(jiangsu.ToString());
        pulled.ShouldBeLessThan(Prompt);

        // Its siblings: the health check and the lag gauges answer for the others, and name it down.
        watch.Restart();
        var health = await (await api.Alba.Scenario(s =>
        {
            s.Get.Url("/health");
            s.IgnoreStatusCode();
        })).ReadAsTextAsync();
        var checkedIn = watch.Elapsed;
        health.ShouldContain("\"310000\":\"down\"");
        health.ShouldContain("\"340000\":\"ok\"");
        checkedIn.ShouldBeLessThan(Prompt);
        watch.Restart();
        var lags = await api.Services.GetRequiredService<ProjectionLagMonitor>().SampleAsync();
        var sampledIn = watch.Elapsed;
        lags.Select(l => l.Province).ShouldContain(Province.Anhui);
        sampledIn.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        // Callers cannot pile connects onto it: twenty /health probes (anonymous) and twenty pulls at once
        // leave at most one probe and one pull round waiting on it, beside the node's own loops.
        lock (held)
            connectsBefore = held.Count;
        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await api.Alba.Scenario(s =>
            {
                s.Get.Url("/health");
                s.IgnoreStatusCode();
            });
            await api.Data("query($after: Long) { events(after: $after) { sequence } }", new { after = end }, auditor);
        }));
        int burst;
        lock (held)
            burst = held.Count - connectsBefore;
        var burstTook = watch.Elapsed;
        // Each request waits at most about one bound for the province: the burst does not queue them in turn.
        burstTook.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        burst.ShouldBeLessThanOrEqualTo(8, "forty requests, each at most a short wait on the province's turn (the node's own loops connect about once in 2.5 s)");
        output.WriteLine($"with {Shanghai}'s database hanging: live delivery {delivered.TotalSeconds:0.0} s, a pull {pulled.TotalSeconds:0.0} s, "
            + $"/health {checkedIn.TotalSeconds:0.0} s, a lag sample {sampledIn.TotalSeconds:0.0} s; {burst} connects during a burst of 20 probes and 20 pulls, which took {burstTook.TotalSeconds:0.0} s");

        // Refuse from now on: with the listener open, every connect the stopping node still makes would wait
        // in its backlog for its whole 15 s timeout, and the node's stop with it (about two minutes).
        await stop.CancelAsync();
        await accepting;
        blackHole.Stop();
        lock (held)
            foreach (var client in held)
                client.Dispose();
    }
}
