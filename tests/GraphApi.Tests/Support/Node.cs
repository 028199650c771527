using System.Diagnostics;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// Runs the Node tools of tests/GraphApi.Tests/node (graphql-js, graphql-http). The first use
/// installs them with <c>npm ci</c> from the lock file into its node_modules (git-ignored), so
/// <c>dotnet test</c> works on a fresh clone; later runs reuse the install.
/// </summary>
public static class Node
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool s_installed;

    public static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (s_installed)
                return;
            var folder = Repository.NodeFolder;
            var marker = Path.Combine(folder, "node_modules", ".package-lock.json");
            var installedCurrent = File.Exists(marker)
                && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(Path.Combine(folder, "package-lock.json"));
            if (!installedCurrent)
            {
                var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, TimeSpan.FromMinutes(4));
                if (code != 0)
                    throw new InvalidOperationException($"npm ci failed ({code}):\n{output}");
            }
            s_installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs a script of the node folder; returns its exit code and its combined output.</summary>
    public static async Task<(int ExitCode, string Output)> ScriptAsync(string script, IEnumerable<string> args, TimeSpan timeout)
    {
        await EnsureInstalledAsync();
        return await RunAsync("node", [script, .. args], Repository.NodeFolder, timeout);
    }

    private static async Task<(int, string)> RunAsync(string file, IEnumerable<string> args, string folder, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
