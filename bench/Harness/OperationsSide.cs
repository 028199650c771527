using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// What an operator runs beside the server when operations are on (issue 18: T1–T6 "with tracing and
/// publishing on"), in a process of its own so that none of its CPU is charged to the server (the bench
/// process): an OTLP/HTTP sink that accepts <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>
/// and answers 200 (counting requests and bytes, so the server's export cost is real), a Prometheus
/// scraper that GETs the server's <c>/metrics</c> every 15 s, and one integrator: a durable queue bound
/// <c>#</c> on the engine's exchange, drained and acknowledged message by message, counting the distinct
/// sequences it received. The bench starts itself again as <c>CaseEngine.Bench operations-side</c>,
/// writes the spec as one JSON line, reads <c>ready {port}</c>; then <c>go</c> starts the scrapes,
/// <c>count</c> answers <c>count {distinct sequences}</c>, and <c>stop</c> answers <c>result {json}</c>.
/// </summary>
public sealed class OperationsSide : IAsyncDisposable
{
    /// <summary>Prometheus' default scrape interval.</summary>
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly List<string> _errors = [];

    private OperationsSide(Process process, int otlpPort)
    {
        _process = process;
        OtlpPort = otlpPort;
    }

    /// <summary>The sink's port: the server's <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is <c>http://127.0.0.1:{port}</c>.</summary>
    public int OtlpPort { get; }

    public static async Task<OperationsSide> StartAsync(OperationsSpec spec)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(OperationsSide).Assembly.Location);
        start.ArgumentList.Add("operations-side");
        start.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the operations side");
        var errors = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                lock (errors)
                    errors.Add(line);
        };
        process.BeginErrorReadLine();
        await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(spec, ClientProcess.Json));
        await process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                lock (errors)
                    throw new InvalidOperationException($"the operations side ended before it was ready: {string.Join('\n', errors.TakeLast(20))}");
            }
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                var side = new OperationsSide(process, int.Parse(line["ready ".Length..], System.Globalization.CultureInfo.InvariantCulture));
                lock (errors)
                    side._errors.AddRange(errors);
                return side;
            }
        }
    }

    /// <summary>The server is up: start scraping it.</summary>
    public Task GoAsync() => SendAsync("go");

    /// <summary>
    /// Waits until the integrator has received <paramref name="expected"/> distinct sequences (or the
    /// timeout passes): a bounded poll of the other process. Returns how many it has.
    /// </summary>
    public async Task<long> WaitForAsync(long expected, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await SendAsync("count");
            var line = await ReadAsync("count ");
            var received = long.Parse(line["count ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            if (received >= expected || watch.Elapsed > timeout)
                return received;
            await Task.Delay(200);
        }
    }

    /// <summary>Stops the scrapes and the consumer: what the side saw.</summary>
    public async Task<OperationsResult> StopAsync()
    {
        await SendAsync("stop");
        var line = await ReadAsync("result ");
        return JsonSerializer.Deserialize<OperationsResult>(line["result ".Length..], ClientProcess.Json)!;
    }

    private async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> ReadAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"the operations side ended: {string.Join('\n', _errors.TakeLast(20))}");
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return line;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    /// <summary>The child's side.</summary>
    public static async Task<int> MainAsync()
    {
        var spec = JsonSerializer.Deserialize<OperationsSpec>(await Console.In.ReadLineAsync() ?? "", ClientProcess.Json)
            ?? throw new InvalidOperationException("no spec on standard input");
        var counts = new SinkCounts();

        // The OTLP/HTTP sink: every signal's POST is read whole and answered with an empty (valid) protobuf response.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var sink = builder.Build();
        sink.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            counts.Add(signal, buffer.Length);
            return Results.Bytes([], "application/x-protobuf");
        });
        await sink.StartAsync();
        var port = new Uri(sink.Urls.First()).Port;

        // The integrator: a durable queue bound '#', acknowledged message by message as the docs' consumer does.
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = spec.AmqpPort, UserName = spec.UserName, Password = spec.Password };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(spec.Exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(spec.Queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(spec.Queue, spec.Exchange, "#");
        await channel.BasicQosAsync(0, 256, false);
        var sequences = new HashSet<long>();
        long messages = 0;
        long bodyBytes = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            using (var json = JsonDocument.Parse(delivery.Body))
            {
                var sequence = json.RootElement.GetProperty("sequence").GetInt64();
                lock (sequences)
                {
                    sequences.Add(sequence);
                    messages++;
                    bodyBytes += delivery.Body.Length;
                }
            }
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(spec.Queue, autoAck: false, consumer);
        Console.WriteLine($"ready {port}");

        using var stop = new CancellationTokenSource();
        Task scraping = Task.CompletedTask;
        var scrapes = new ScrapeCounts();
        var cpuAtGo = ClientProcess.CpuMs();
        while (await Console.In.ReadLineAsync() is { } line && line != "stop")
        {
            if (line == "go")
            {
                cpuAtGo = ClientProcess.CpuMs();
                scraping = ScrapeAsync(spec.PrometheusUrl, scrapes, stop.Token);
            }
            else if (line == "count")
            {
                lock (sequences)
                    Console.WriteLine($"count {sequences.Count}");
            }
        }
        await stop.CancelAsync();
        await scraping;
        await sink.StopAsync();
        OperationsResult result;
        lock (sequences)
        {
            result = new OperationsResult(counts.Requests("traces"), counts.Bytes("traces"), counts.Requests("metrics"), counts.Bytes("metrics"),
                counts.Requests("logs"), counts.Bytes("logs"), scrapes.Ok, scrapes.Failed, scrapes.Bytes, scrapes.Series, messages, sequences.Count,
                bodyBytes, sequences.Count == 0 ? 0 : sequences.Min(), sequences.Count == 0 ? 0 : sequences.Max(), ClientProcess.CpuMs() - cpuAtGo);
        }
        Console.WriteLine("result " + JsonSerializer.Serialize(result, ClientProcess.Json));
        return 0;
    }

    private static async Task ScrapeAsync(string url, ScrapeCounts scrapes, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var timer = new PeriodicTimer(ScrapeInterval);
        do
        {
            try
            {
                var text = await http.GetStringAsync(new Uri(url), stop);
                scrapes.Ok++;
                scrapes.Bytes += System.Text.Encoding.UTF8.GetByteCount(text);
                scrapes.Series = text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
            }
            catch (HttpRequestException)
            {
                scrapes.Failed++;
            }
            catch (TaskCanceledException) when (!stop.IsCancellationRequested)
            {
                scrapes.Failed++;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        while (await WaitAsync(timer, stop));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed class SinkCounts
    {
        private readonly Dictionary<string, (long Requests, long Bytes)> _bySignal = [];

        public void Add(string signal, long bytes)
        {
            lock (_bySignal)
            {
                var (r, b) = _bySignal.GetValueOrDefault(signal);
                _bySignal[signal] = (r + 1, b + bytes);
            }
        }

        public long Requests(string signal)
        {
            lock (_bySignal)
                return _bySignal.GetValueOrDefault(signal).Requests;
        }

        public long Bytes(string signal)
        {
            lock (_bySignal)
                return _bySignal.GetValueOrDefault(signal).Bytes;
        }
    }

    private sealed class ScrapeCounts
    {
        public int Ok { get; set; }
        public int Failed { get; set; }
        public long Bytes { get; set; }
        public int Series { get; set; }
    }
}

/// <summary>What the operations side connects to.</summary>
public sealed record OperationsSpec(int AmqpPort, string UserName, string Password, string Exchange, string Queue, string PrometheusUrl);

/// <summary>What the operations side saw between <c>go</c> and <c>stop</c> (the integrator from its start).</summary>
public sealed record OperationsResult(long TraceRequests, long TraceBytes, long MetricRequests, long MetricBytes, long LogRequests, long LogBytes,
    int Scrapes, int ScrapesFailed, long ScrapeBytes, int LastScrapeSeries, long Messages, long DistinctSequences, long MessageBytes,
    long FirstSequence, long LastSequence, double CpuMs)
{
    public string Describe() =>
        $"OTLP sink: {TraceRequests:N0} trace exports ({TraceBytes / 1024.0 / 1024:0.0} MiB), {MetricRequests:N0} metric exports ({MetricBytes / 1024.0:0} KiB), " +
        $"{LogRequests:N0} log exports ({LogBytes / 1024.0:0} KiB); Prometheus: {Scrapes} scrapes every {OperationsSide.ScrapeInterval.TotalSeconds:0} s " +
        $"({ScrapesFailed} failed, last one {LastScrapeSeries:N0} series, {ScrapeBytes / 1024.0:0} KiB in all); integrator queue bound '#': " +
        $"{Messages:N0} messages, {DistinctSequences:N0} distinct sequences ({FirstSequence}–{LastSequence}), {MessageBytes / 1024.0 / 1024:0.0} MiB; " +
        $"the operations side's own process used {CpuMs:N0} ms CPU";
}
