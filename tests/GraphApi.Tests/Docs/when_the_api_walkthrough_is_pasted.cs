using CaseEngine.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CaseEngine.GraphApi.Tests.Support;

namespace CaseEngine.GraphApi.Tests.Docs;

/// <summary>
/// docs/api.md promises that its shell examples run as pasted. This runs every ```sh / ```bash block
/// of it verbatim, in order, in one bash session at the repository's root, against a server started
/// as the README's quick start says (<c>dotnet run --project src/GraphApi</c>: the launch profile's
/// Development, its own embedded PostgreSQL, the development key file), on a free port instead of
/// 5080 so that it never meets another server (the page reads <c>API</c> from the environment).
/// A non-zero exit of any command, or an <c>errors</c> key in any answer, fails it. Afterwards the
/// server is stopped as Ctrl+C stops it, and the README's promise that the embedded database is
/// thrown away is checked on its folder.
/// </summary>
[RunsLong]
public partial class when_the_api_walkthrough_is_pasted
{
    private const int SigInt = 2;

    [Fact]
    public async Task every_shell_block_of_docs_api_md_runs_against_a_readme_server_without_an_error()
    {
        var blocks = ShellBlocks(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "api.md")));
        blocks.Count.ShouldBeGreaterThan(10, "docs/api.md should hold the walkthrough's shell blocks");

        var work = ProgramRun.NewDataFolder();
        try
        {
            await RunWalkthroughAsync(blocks, work);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunWalkthroughAsync(IReadOnlyList<string> blocks, string work)
    {
        var answers = Directory.CreateDirectory(Path.Combine(work, "answers")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        WriteAnswerKeepingCurl(bin, answers);
        var dataHome = Directory.CreateDirectory(Path.Combine(work, "data")).FullName;

        await using var server = await ServerProcess.StartAsTheReadmeSaysAsync(dataHome);
        var environment = new Dictionary<string, string>
        {
            ["API"] = server.GraphQLUri.ToString(),
            ["XDG_DATA_HOME"] = dataHome,
            // `dotnet run --no-build` in the page's token function picks the configuration the tests built.
            ["Configuration"] = ProgramRun.Configuration,
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
        };
        var script = Path.Combine(work, "walkthrough.sh");
        await File.WriteAllTextAsync(script, "set -euo pipefail\n" + string.Join("\n", blocks) + "\n");
        var run = await Bash(script, environment, TimeSpan.FromMinutes(6));

        run.ExitCode.ShouldBe(0, $"a shell block of docs/api.md failed:\n{run.All}\nserver:\n{Tail(server.Output)}");
        var files = Directory.GetFiles(answers).Order(StringComparer.Ordinal).ToList();
        files.Count.ShouldBeGreaterThanOrEqualTo(15, "the walkthrough sends a request in every block but the first");
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            using var answer = ParseOrNull(text);
            answer.ShouldNotBeNull($"an answer is not JSON:\n{text}\n{run.All}");
            answer.RootElement.ValueKind.ShouldBe(JsonValueKind.Object, text);
            answer.RootElement.TryGetProperty("errors", out _).ShouldBeFalse($"an answer carries errors:\n{text}\n{run.All}");
            answer.RootElement.TryGetProperty("data", out var data).ShouldBeTrue(text);
            data.ValueKind.ShouldBe(JsonValueKind.Object, text);
        }

        // Ctrl+C: SIGINT to the server (the child of `dotnet run`; its pid names the cluster folder), as the
        // terminal sends it; the server stops gracefully and its embedded cluster's folder goes with it.
        var folder = EmbeddedFolder().Match(server.Output);
        folder.Success.ShouldBeTrue($"the server did not say where its embedded PostgreSQL lives:\n{Tail(server.Output)}");
        var cluster = folder.Groups["folder"].Value;
        Directory.Exists(cluster).ShouldBeTrue(cluster);
        var pid = int.Parse(cluster[(cluster.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);
        ServerProcess.Signal(pid, SigInt);
        var exit = await server.ExitCodeWithinAsync(TimeSpan.FromSeconds(60));
        if (exit is null)
        {
            // What the server was doing, for the failure message: its state, then whether it stops later at all.
            var state = File.Exists($"/proc/{pid}/status")
                ? string.Join("; ", File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("State", StringComparison.Ordinal) || l.StartsWith("Threads", StringComparison.Ordinal) || l.StartsWith("SigCgt", StringComparison.Ordinal) || l.StartsWith("SigIgn", StringComparison.Ordinal)))
                : "the server process is gone (dotnet run is not)";
            var later = await server.ExitCodeWithinAsync(TimeSpan.FromSeconds(120));
            exit.ShouldBe(0, $"not stopped 60 s after SIGINT ({state}); {(later is null ? "nor 120 s later" : $"stopped within 120 s more, exit {later}")}\n{Tail(server.Output)}");
        }
        for (var poll = 0; poll < 40 && Directory.Exists(cluster); poll++)
            await Task.Delay(250);
        Directory.Exists(cluster).ShouldBeFalse($"the embedded database outlived the server: {cluster}");
    }

    /// <summary>The body of every ```sh and ```bash fence, in order, verbatim.</summary>
    public static IReadOnlyList<string> ShellBlocks(string markdown) =>
        [.. Fence().Matches(markdown.ReplaceLineEndings("\n")).Select(m => m.Groups["body"].Value)];

    [GeneratedRegex(@"^```(?:sh|bash)[ \t]*\n(?<body>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    /// <summary>
    /// A <c>curl</c> first on PATH that runs the real one and keeps each answer in its own file, so every
    /// GraphQL answer is checked, also those the page pipes through jq.
    /// </summary>
    private static void WriteAnswerKeepingCurl(string bin, string answers)
    {
        var real = FindOnPath("curl") ?? throw new InvalidOperationException("curl is not installed");
        FindOnPath("jq").ShouldNotBeNull("jq is not installed (.ci/run installs it)");
        var wrapper = Path.Combine(bin, "curl");
        File.WriteAllText(wrapper, $$"""
            #!/usr/bin/env bash
            answer="{{answers}}/$(date +%s%N)"
            '{{real}}' "$@" > "$answer"
            status=$?
            cat "$answer"
            exit $status

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static JsonDocument? ParseOrNull(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Tail(string text) => text.Length <= 8000 ? text : text[^8000..];

    private static async Task<ProgramRunResult> Bash(string script, IDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.ArgumentList.Add(script);
        ProgramRun.CleanEnvironment(start);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return new ProgramRunResult(null, await output, await error + $"\n(stopped after {timeout})");
        }
        return new ProgramRunResult(process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"started embedded PostgreSQL on port \d+ in (?<folder>\S+) \(initdb")]
    private static partial Regex EmbeddedFolder();
}
