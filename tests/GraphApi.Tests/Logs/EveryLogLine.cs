using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CaseEngine.GraphApi.Tests.Logs;

/// <summary>One log entry as a sink would store it: level, category, the formatted text, every structured value, the exception as printed, and the open scopes.</summary>
public sealed record LogEntry(LogLevel Level, string Category, string Message, string State, string? Exception, string Scopes, string Phase)
{
    /// <summary>Everything a sink could write for this entry, in one string.</summary>
    public string Text => $"{Level} {Category} {Message} {State} {Scopes} {Exception}";

    public override string ToString() => Text;
}

/// <summary>
/// Every log entry of a host, at every level, with everything a real sink could print: the
/// formatted message, each structured value (a JSON sink writes them all), the exception with its
/// message and stack, and the scopes. Like the built-in providers, <see cref="LogLevel.None"/> is
/// never written. <see cref="Phase"/> tags the entries with what the test was doing.
/// </summary>
public sealed class EveryLogLine : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public string Phase { get; set; } = "start";

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, EveryLogLine sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => sink._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={Print(p.Value)}"))
                : state?.ToString() ?? "";
            var scopes = new List<string>();
            sink._scopes.ForEachScope((scope, list) => list.Add(scope is IEnumerable<KeyValuePair<string, object?>> kv
                ? string.Join(" ", kv.Select(p => $"{p.Key}={Print(p.Value)}"))
                : scope?.ToString() ?? ""), scopes);
            sink._entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), structured, exception?.ToString(),
                string.Join(" | ", scopes), sink.Phase));
        }

        private static string Print(object? value) => value switch
        {
            null => "",
            string s => s,
            System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(i => i?.ToString())),
            _ => value.ToString() ?? "",
        };
    }
}
