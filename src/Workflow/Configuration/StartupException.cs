namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// A start that cannot succeed because of how the host is configured. The message is one line that
/// names the setting and the fix; the server prints it alone (no stack trace) and exits non-zero.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
