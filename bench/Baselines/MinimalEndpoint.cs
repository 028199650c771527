using System.Net;
using System.Net.Sockets;
using CaseEngine.Bench.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Bench.Baselines;

/// <summary>
/// B5: the least an HTTP server can do for an inbox page — Kestrel returning the JSON of 50 items
/// with no database — so the API's own cost can be told from the network stack's.
/// </summary>
public static class MinimalEndpoint
{
    public static async Task<Measured> MeasureAsync(int clients, TimeSpan duration)
    {
        var page = new
        {
            data = new
            {
                inbox = new
                {
                    totalCount = 5000,
                    edges = Enumerable.Range(0, 50).Select(i => new
                    {
                        cursor = Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
                        node = new
                        {
                            stage = "HANDLING",
                            receivedAt = "2025-03-03T09:00:00.000+08:00",
                            dueAt = "2025-05-07T00:00:00.000+08:00",
                            overdue = false,
                            petition = new { id = Guid.NewGuid(), caseNumber = $"340101-2025-{i:000000}", subject = "村道损坏无人维修" },
                        },
                    }),
                    pageInfo = new { hasNextPage = true, endCursor = "x" },
                },
            },
        };
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.MapPost("/graphql", () => Results.Json(page));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return await Load.RunAsync(clients, duration, async (_, _) =>
        {
            using var response = await http.PostAsync("/graphql", new StringContent("{\"query\":\"{inbox}\"}", System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        });
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
