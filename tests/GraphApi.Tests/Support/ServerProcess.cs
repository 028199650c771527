using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CaseEngine.Testing;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// The real server (src/GraphApi's build output) as a child process on a free loopback port, for
/// clients that need a socket (Alba's TestServer is in memory). Stopped and killed on dispose.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }
    public Uri GraphQLUri => new(BaseUri, "/graphql");
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static async Task<ServerProcess> StartAsync(string connectionString, IDictionary<string, string>? environment = null)
    {
        var port = FreePort();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var dll = Path.Combine(Repository.Root, "src", "GraphApi", "bin", configuration, "net10.0", "CaseEngine.GraphApi.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException("build src/GraphApi first", dll);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__Marten"] = connectionString;
        // As in ApiHost: background duplicate flags would race the tests that count events.
        start.Environment["CaseEngine__DuplicateDetection"] = "false";
        // The run's random keys (RemoteApi signs its tokens with TestKeys.SigningKey); an empty value unsets one.
        foreach (var (key, value) in TestKeys.EnvironmentVariables)
            start.Environment[key] = value;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return await LaunchAsync(start, port, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// The README's quick start, <c>dotnet run --project src/GraphApi</c> (built already, so <c>--no-build</c>),
    /// with nothing configured: the launch profile's Development, the server's own embedded PostgreSQL,
    /// keys from the development key file under <paramref name="dataHome"/> (XDG_DATA_HOME). On a free
    /// loopback port instead of 5080, so that it never meets another server.
    /// </summary>
    public static Task<ServerProcess> StartAsTheReadmeSaysAsync(string dataHome)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--no-build", "-c", ProgramRun.Configuration, "--project", Path.Combine("src", "GraphApi"), "--", "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(arg);
        ProgramRun.CleanEnvironment(start);
        start.Environment["XDG_DATA_HOME"] = dataHome;
        // initdb and the first start of a cluster, on a machine other test processes share.
        return LaunchAsync(start, port, TimeSpan.FromMinutes(3));
    }

    private static async Task<ServerProcess> LaunchAsync(ProcessStartInfo start, int port, TimeSpan healthy)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitHealthyAsync(healthy);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Sends a POSIX signal to the server process (e.g. 1 = SIGHUP, as a closed terminal does).</summary>
    public void Signal(int signal) => Signal(_process.Id, signal);

    /// <summary>Sends a POSIX signal to a process this test started (or a child of one).</summary>
    public static void Signal(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    /// <summary>The exit code, or null when the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> ExitCodeWithinAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "/health"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the server did not become healthy within {timeout}:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
