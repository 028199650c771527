using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CaseEngine.Bench.Faults;

/// <summary>
/// One CaseEngine node: the real server (src/GraphApi's build output) as a child process on a fixed
/// loopback port, so that a node killed with SIGKILL comes back at the same address. Its output is
/// kept (the last lines) for a failure report; the process is killed on dispose.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Queue<string> _tail = new();
    private Process? _process;

    public NodeProcess(int index, string dll, IReadOnlyDictionary<string, string> environment)
    {
        Index = index;
        _dll = dll;
        _environment = environment;
        Port = FreePort();
        BaseUri = new Uri($"http://127.0.0.1:{Port}");
    }

    public int Index { get; }
    public int Port { get; }
    public Uri BaseUri { get; }
    public Uri GraphQLUri => new(BaseUri, "/graphql");
    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/graphql");
    public int Starts { get; private set; }
    public bool Running => _process is { HasExited: false };

    /// <summary>The last lines the node wrote, for a failure report.</summary>
    public string Tail { get { lock (_tail) return string.Join('\n', _tail); } }

    /// <summary>Starts the process and waits until /health answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        Launch();
        await WaitHealthyAsync(timeout, ct);
    }

    /// <summary>Starts the process without waiting for it.</summary>
    public void Launch()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUri.ToString().TrimEnd('/'));
        foreach (var (key, value) in _environment)
            start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a node");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
    }

    /// <summary>Waits until /health answers 200; fails when the process exits first.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var process = _process ?? throw new InvalidOperationException("not launched");
        var deadline = DateTime.UtcNow + timeout;
        while (!await HealthyAsync(ct))
        {
            if (process.HasExited)
                throw new NodeExitedException($"node {Index} exited with {process.ExitCode}:\n{Tail}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"node {Index} was not healthy within {timeout}:\n{Tail}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Times the process exited during a start and was launched again (<see cref="WaitHealthyRelaunchingAsync"/>).</summary>
    public int Relaunches { get; private set; }

    /// <summary>
    /// Waits until healthy and, like a service manager (systemd's Restart=on-failure), launches the
    /// process again when it exits while starting: a node refuses to start while PostgreSQL runs crash recovery.
    /// </summary>
    public async Task WaitHealthyRelaunchingAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await WaitHealthyAsync(deadline - DateTime.UtcNow, ct);
                return;
            }
            catch (NodeExitedException) when (DateTime.UtcNow < deadline)
            {
                Relaunches++;
                await Task.Delay(1000, ct);
                Launch();
            }
        }
    }

    /// <summary>SIGKILL: no shutdown hook runs, in-flight requests and transactions are cut.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
            return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async Task<bool> HealthyAsync(CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(BaseUri, "/health"), ct);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 200)
                _tail.Dequeue();
        }
    }

    /// <summary>A port free now; the node keeps it across restarts (Kestrel rebinds a port in TIME_WAIT).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"node {Index} ({BaseUri})");
}

/// <summary>A node's process ended before it was healthy.</summary>
public sealed class NodeExitedException(string message) : InvalidOperationException(message);
