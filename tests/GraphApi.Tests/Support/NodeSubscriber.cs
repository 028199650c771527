using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>
/// node/subscribe.mjs (the reference graphql-ws client) as a child process: each line it prints (connected,
/// next, error, closed, complete, done) is one JSON message, awaited with a timeout. Killed on dispose.
/// </summary>
public sealed class NodeSubscriber : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly List<string> _stderr = [];

    private NodeSubscriber(Process process) => _process = process;

    /// <param name="after">null: no after argument</param>
    /// <param name="want">the client disconnects after this many events; 0: never</param>
    public static async Task<NodeSubscriber> StartAsync(Uri graphql, string? token, long? after, int want = 0, object? filter = null)
    {
        await Node.EnsureInstalledAsync();
        var ws = new UriBuilder(graphql) { Scheme = "ws" }.Uri.ToString();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Repository.NodeFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "subscribe.mjs", ws, token ?? "-", after?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                     want.ToString(System.Globalization.CultureInfo.InvariantCulture), filter is null ? "" : JsonSerializer.Serialize(filter) })
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var subscriber = new NodeSubscriber(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                subscriber._lines.Writer.TryComplete();
            else if (e.Data.StartsWith('{'))
                subscriber._lines.Writer.TryWrite(JsonDocument.Parse(e.Data).RootElement.Clone());
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (subscriber._stderr)
                    subscriber._stderr.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return subscriber;
    }

    public string Errors { get { lock (_stderr) return string.Join('\n', _stderr); } }

    /// <summary>The next message the client printed, or a failure naming what was awaited.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _lines.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the graphql-ws client printed nothing within {timeout ?? TimeSpan.FromSeconds(20)}; stderr: {Errors}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"the graphql-ws client exited; stderr: {Errors}");
        }
    }

    /// <summary>The next message of a kind other than connected.</summary>
    public async Task<JsonElement> NextMessageAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var line = await NextAsync(timeout);
            if (line.GetProperty("kind").GetString() != "connected")
                return line;
        }
    }

    /// <summary>Reads events until <paramref name="count"/> have arrived; fails on anything else.</summary>
    public async Task<List<JsonElement>> EventsAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<JsonElement>();
        while (events.Count < count)
        {
            var line = await NextMessageAsync(timeout);
            line.GetProperty("kind").GetString().ShouldBe("next", line.GetRawText());
            events.Add(line);
        }
        return events;
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
