using System.Diagnostics;
using System.Text.Json;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// The load clients in a process of their own (issue 17: the server's working set without the
/// clients, T9's subscribers with their CPU reported): the bench starts itself again as
/// <c>CaseEngine.Bench clients</c>, writes one JSON line (the spec) to its standard input, and reads
/// lines back: <c>ready</c> when a long-lived load (subscribers) is connected, <c>result {json}</c> at
/// the end. A spec's <see cref="ClientSpec.Mode"/> picks the load; what the load does is in
/// <see cref="Scenarios.SubmissionClients"/> and <see cref="Scenarios.Subscriptions"/>.
/// </summary>
public sealed class ClientProcess : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly List<string> _errors = [];

    private ClientProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                lock (_errors)
                    _errors.Add(line);
        };
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the client process and sends it its spec.</summary>
    public static async Task<ClientProcess> StartAsync(ClientSpec spec)
    {
        var self = typeof(ClientProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(self);
        start.ArgumentList.Add("clients");
        // The clients' own GC: the server GC would reserve a heap per core beside the server's.
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the client process");
        var client = new ClientProcess(process);
        await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(spec, Json));
        await process.StandardInput.FlushAsync();
        return client;
    }

    /// <summary>Waits for the line <c>ready</c>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token) ?? throw Failed("ended before it was ready");
            if (line == "ready")
                return;
        }
    }

    /// <summary>Sends one more JSON line (e.g. what a subscriber load must expect).</summary>
    public async Task SendAsync<T>(T message)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(message, Json));
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Sends one line as it is (e.g. <see cref="Scenarios.BackgroundSubmissions.StopLine"/>).</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Reads lines until <c>result {json}</c> and returns it.</summary>
    public async Task<T> ResultAsync<T>(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token) ?? throw Failed("ended without a result");
            if (line.StartsWith("result ", StringComparison.Ordinal))
                return JsonSerializer.Deserialize<T>(line["result ".Length..], Json)!;
        }
    }

    private InvalidOperationException Failed(string what)
    {
        lock (_errors)
            return new InvalidOperationException($"the client process {what}: {string.Join('\n', _errors.TakeLast(20))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    /// <summary>The child's side: reads the spec and runs its load.</summary>
    public static async Task<int> MainAsync()
    {
        var spec = JsonSerializer.Deserialize<ClientSpec>(await Console.In.ReadLineAsync() ?? "", Json)
            ?? throw new InvalidOperationException("no spec on standard input");
        object result = spec.Mode switch
        {
            ClientSpec.Submit => await Scenarios.SubmissionClients.RunAsync(spec),
            ClientSpec.Subscribe => await Scenarios.Subscriptions.RunClientsAsync(spec),
            _ => throw new InvalidOperationException($"unknown client mode {spec.Mode}"),
        };
        Console.WriteLine("result " + JsonSerializer.Serialize(result, result.GetType(), Json));
        return 0;
    }

    /// <summary>This process's CPU time so far, in milliseconds.</summary>
    public static double CpuMs()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalMilliseconds;
    }
}

/// <summary>What a client process runs.</summary>
/// <param name="Url">the server's base address (http://…) or WebSocket endpoint (ws://…/graphql)</param>
/// <param name="Tokens">bearer tokens: one per load client (rate limits are per caller)</param>
/// <param name="Clients">closed loop: this many clients back to back</param>
/// <param name="Seconds">how long the load runs</param>
/// <param name="Rate">open loop: submissions started per second (then <paramref name="Clients"/> is how many petitioner streams share them)</param>
/// <param name="Run">the run key of the submission mix (distinct petitioners per run)</param>
/// <param name="EntryRegions">where the submissions enter</param>
/// <param name="Departments">subscribers: the department filter of each (null = unfiltered), one per token</param>
/// <param name="After">subscribers: follow the log from this sequence</param>
/// <param name="Afters">for subscribers: each one's <c>after</c>, the committed end of the log it follows</param>
/// <param name="Logs">for subscribers: the log each one follows (a province's code, or the national log's key)</param>
public sealed record ClientSpec(string Mode, string Url, string?[] Tokens, int Clients, double Seconds, double? Rate, long Run,
    string[] EntryRegions, string?[]? Departments = null, long[]? Afters = null, string[]? Logs = null)
{
    public const string Submit = "submit";
    public const string Subscribe = "subscribe";
}
