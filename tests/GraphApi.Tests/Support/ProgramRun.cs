using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>What a run of the real server process printed and how it ended.</summary>
/// <param name="ExitCode">null when it was still running (it started) and was killed.</param>
public sealed record ProgramRunResult(int? ExitCode, string Output, string Error)
{
    public string All => $"exit {ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(still running)"}\nstdout:\n{Output}\nstderr:\n{Error}";

    /// <summary>Every non-empty line the process printed, stdout then stderr.</summary>
    public IReadOnlyList<string> Lines =>
        [.. (Output + "\n" + Error).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0)];
}

/// <summary>
/// Runs the built server (src/GraphApi's dll, or <c>dotnet run --no-build</c> on its project) with a
/// clean environment: no inherited environment name, keys or connection string, and a private
/// XDG_DATA_HOME so nothing lands in the user's data folder. Waits until it exits or has started.
/// </summary>
public static class ProgramRun
{
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Dll => Path.Combine(Repository.Root, "src", "GraphApi", "bin", Configuration, "net10.0", "CaseEngine.GraphApi.dll");

    public static string NewDataFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "caseengine-test-data-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>dotnet CaseEngine.GraphApi.dll args</c>.</summary>
    public static Task<ProgramRunResult> DllAsync(IEnumerable<string> args, IDictionary<string, string> environment, TimeSpan? timeout = null) =>
        RunAsync([Dll, .. args], environment, timeout);

    /// <summary><c>dotnet run --no-build --project src/GraphApi -- args</c>: the README's command, with its launch profile.</summary>
    public static Task<ProgramRunResult> DotnetRunAsync(IEnumerable<string> args, IDictionary<string, string> environment, TimeSpan? timeout = null) =>
        RunAsync(["run", "--no-build", "-c", Configuration, "--project", Path.Combine(Repository.Root, "src", "GraphApi"), "--", .. args],
            environment, timeout);

    /// <summary>
    /// Removes what the test run's environment would configure (environment name, keys, connection
    /// string, the launch profile's default), so the program runs as on a machine where nothing is set.
    /// </summary>
    public static void CleanEnvironment(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase) || name.StartsWith("CaseEngine__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || name.StartsWith("CASEENGINE_DEFAULT", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(name);
        }
    }

    private static async Task<ProgramRunResult> RunAsync(IEnumerable<string> args, IDictionary<string, string> environment, TimeSpan? timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        CleanEnvironment(start);
        start.Environment["XDG_DATA_HOME"] = NewDataFolder();
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = new StringBuilder();
        var error = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (output)
                output.AppendLine(e.Data);
            if (e.Data.Contains("Application started", StringComparison.Ordinal))
                started.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (error)
                    error.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        var exited = process.WaitForExitAsync(limit.Token);
        await Task.WhenAny(exited, started.Task, Task.Delay(Timeout.Infinite, limit.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        int? code = null;
        if (process.HasExited)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            code = process.ExitCode;
        }
        else
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        lock (output)
            lock (error)
                return new ProgramRunResult(code, output.ToString(), error.ToString());
    }
}
