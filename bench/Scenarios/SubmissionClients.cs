using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CaseEngine.Bench.Harness;
using CaseEngine.Testing;

namespace CaseEngine.Bench.Scenarios;

/// <summary>What a run of submitting clients saw (in the client process).</summary>
/// <param name="Resubmissions">how many of the submissions were a petitioner's matter again, reworded</param>
/// <param name="CpuMs">the client process's CPU time during the load</param>
public sealed record SubmitOutcome(int Operations, double ElapsedMs, double[] LatenciesMs, int Resubmissions, int Failures,
    string? FirstFailure, double CpuMs)
{
    public Measured Measured => new(Operations, TimeSpan.FromMilliseconds(ElapsedMs), LatenciesMs);
}

/// <summary>
/// The submitPetition load clients of T1, T2, B6 and B6R, all the same: the contract's mutation with the
/// selection <c>caseNumber petition { id version }</c>, one WEBSITE submission each from
/// <see cref="SubmissionMix"/> (distinct petitioners, ~3 % reworded resubmissions), each client with
/// its own PETITIONER token (the rate limit is per caller, as for real petitioners on their own devices).
/// </summary>
public static class SubmissionClients
{
    public const string Mutation = """
        mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { caseNumber petition { id version } } }
        """;

    /// <summary>The request body for one submission.</summary>
    public static string Body(BenchSubmission s) => JsonSerializer.Serialize(new
    {
        query = Mutation,
        variables = new
        {
            input = new
            {
                commandId = Guid.NewGuid(),
                channel = "WEBSITE",
                entryRegionCode = s.EntryRegion,
                category = s.Category,
                subject = s.Subject,
                content = s.Content,
                petitioner = new { name = s.Name, phone = s.Phone, idNumber = s.IdNumber, address = s.Address },
            },
        },
    });

    /// <summary>Posts one submission; returns the new petition's id, throws on a transport or GraphQL error.</summary>
    public static async Task<string> PostAsync(HttpClient http, string body, string? token)
    {
        using var json = JsonDocument.Parse(await PostGraphQLAsync(http, body, token));
        return json.RootElement.GetProperty("data").GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetString()!;
    }

    /// <summary>POST /graphql with an optional bearer token: the response's text; throws on a transport or GraphQL error.</summary>
    public static async Task<string> PostGraphQLAsync(HttpClient http, string body, string? token)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || text.Contains("\"errors\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"GraphQL request failed ({(int)response.StatusCode}): {text[..Math.Min(300, text.Length)]}");
        return text;
    }

    /// <summary>In the client process: the closed loop (<see cref="ClientSpec.Clients"/>) or the open loop (<see cref="ClientSpec.Rate"/>).</summary>
    public static async Task<SubmitOutcome> RunAsync(ClientSpec spec)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = new Uri(spec.Url) };
        var mix = new SubmissionMix(spec.Run, spec.EntryRegions);
        var streams = Enumerable.Range(0, Math.Max(1, spec.Clients)).Select(mix.For).ToArray();
        var resubmissions = 0;
        var failures = 0;
        string? firstFailure = null;
        async Task SubmitAsync(int client)
        {
            BenchSubmission s;
            lock (streams[client])
                s = streams[client].Next();
            if (s.Resubmission)
                Interlocked.Increment(ref resubmissions);
            try
            {
                await PostAsync(http, Body(s), spec.Tokens[client % spec.Tokens.Length]);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or JsonException)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstFailure, e.Message, null);
            }
        }
        // An open loop ends early when the parent sends the line "stop" (T3's background load runs until its
        // probes are done: BackgroundSubmissions); a parent that sends nothing closes the input at the end.
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is { } line)
            {
                if (line == BackgroundSubmissions.StopLine)
                {
                    await stop.CancelAsync();
                    return;
                }
            }
        });
        var cpu = ClientProcess.CpuMs();
        var duration = TimeSpan.FromSeconds(spec.Seconds);
        Console.WriteLine("ready");
        var m = spec.Rate is { } rate
            ? await Load.AtRateAsync(rate, duration, i => SubmitAsync(i % streams.Length), stop.Token)
            : await Load.RunAsync(spec.Clients, duration, (client, _) => SubmitAsync(client));
        return new SubmitOutcome(m.Operations, m.Elapsed.TotalMilliseconds, m.LatenciesMs, resubmissions, failures, firstFailure,
            ClientProcess.CpuMs() - cpu);
    }

    /// <summary>In the bench process: runs the spec in a client process and returns what it saw.</summary>
    public static async Task<SubmitOutcome> InProcessOfTheirOwnAsync(ClientSpec spec)
    {
        await using var clients = await ClientProcess.StartAsync(spec);
        return await clients.ResultAsync<SubmitOutcome>(TimeSpan.FromSeconds(spec.Seconds) + TimeSpan.FromMinutes(5));
    }
}

/// <summary>
/// T3's background load: submissions at a fixed rate from a client process of their own, as T1's and T2's are,
/// running from <see cref="StartAsync"/> until <see cref="StopAsync"/>. It ran in the bench process before
/// (2026-12-08), where its HTTP client shared the hosted server's thread pool and cores, and the server's
/// runtime samples counted the load's own work items (bench/tuning.md, session 30).
/// </summary>
public sealed class BackgroundSubmissions : IAsyncDisposable
{
    public const string StopLine = "stop";
    private readonly ClientProcess _process;

    private BackgroundSubmissions(ClientProcess process) => _process = process;

    /// <summary>Starts <paramref name="spec"/>'s open loop (its rate; it runs for at most an hour) and returns once it is submitting.</summary>
    public static async Task<BackgroundSubmissions> StartAsync(ClientSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Rate is null)
            throw new ArgumentException("a background load is an open loop: give it a rate", nameof(spec));
        var process = await ClientProcess.StartAsync(spec with { Seconds = 3600 });
        try
        {
            await process.WaitReadyAsync(TimeSpan.FromMinutes(1));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return new BackgroundSubmissions(process);
    }

    /// <summary>Ends the schedule; what was started completes and is measured.</summary>
    public async Task<SubmitOutcome> StopAsync()
    {
        await _process.SendLineAsync(StopLine);
        return await _process.ResultAsync<SubmitOutcome>(TimeSpan.FromMinutes(5));
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
