using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>Keeps every log line of a host (all categories, every level the host lets through).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <summary>
    /// Waits, at most <paramref name="bound"/>, for a line matching <paramref name="match"/>: woken by each line
    /// logged, not by polling (a line that follows what the test saw by a moment, e.g. a Warning after an error sent).
    /// </summary>
    public async Task WaitForAsync(Func<string, bool> match, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        while (true)
        {
            Task next;
            lock (_gate)
                next = _logged.Task;
            if (_lines.Any(match))
                return;
            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no such log line within {bound.TotalSeconds:0} s");
            }
        }
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        TaskCompletionSource logged;
        lock (_gate)
        {
            logged = _logged;
            _logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        logged.TrySetResult();
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            capture.Add($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            capture.Add($"{logLevel} {category} {formatter(state, exception)} {structured} {exception}");
        }
    }
}
