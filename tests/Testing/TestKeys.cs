using System.Security.Cryptography;

namespace CaseEngine.Testing;

/// <summary>
/// Random keys for every key setting, new in each test run: no test host runs on a key that appears in
/// the repository, and outside Development a host without them does not start.
/// </summary>
public static class TestKeys
{
    public static string SigningKey { get; } = New();
    public static string AccessCodeKey { get; } = New();
    public static string PetitionerHashKey { get; } = New();
    public static string EventChainKey { get; } = New();
    public static string CursorKey { get; } = New();

    /// <summary>As configuration keys (in-memory configuration, Alba's UseSetting).</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:SigningKey"] = SigningKey,
        ["CaseEngine:AccessCodeKey"] = AccessCodeKey,
        ["CaseEngine:PetitionerHashKey"] = PetitionerHashKey,
        ["CaseEngine:EventChainKey"] = EventChainKey,
        ["CaseEngine:CursorKey"] = CursorKey,
    };

    /// <summary>As environment variables (a server process).</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } =
        Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

    /// <summary>32 random bytes, base64: what docs/operations.md tells operators to generate.</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
