using System.Diagnostics;
using Xunit.Abstractions;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>Debian's chromium, which the browser tests drive with playwright-core (node folder).</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    /// <summary>Installs it with apt-get when missing (.ci/run installs it too).</summary>
    public static async Task EnsureAsync(ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (File.Exists(Path))
            return;
        output.WriteLine("chromium missing: apt-get install -y chromium");
        var start = new ProcessStartInfo("bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        File.Exists(Path).ShouldBeTrue($"could not install chromium:\n{await stdout}{await stderr}");
    }
}
