using System.Security.Cryptography;
using System.Text;

namespace CaseEngine.Projections.Queries;

/// <summary>
/// The server key that seals keyset cursors (configuration <c>CaseEngine:CursorKey</c>, at least 32
/// bytes). A cursor carries an HMAC of its position bound to the query's scope (department, order,
/// filter, roll-up), so a forged cursor, or one issued for another department or another query, is
/// refused instead of naming a position the caller chose. In Development a key is generated per
/// process when none is configured; outside Development the key must be configured (a start check
/// names the setting), because nodes behind one load balancer must accept each other's cursors.
/// </summary>
public sealed class CursorKey
{
    public const string Setting = "CaseEngine:CursorKey";
    public const int MinimumBytes = 32;

    private readonly byte[] _key;

    public CursorKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinimumBytes)
            throw new ArgumentException($"{Setting} must be at least {MinimumBytes} bytes", nameof(key));
        _key = [.. key];
    }

    /// <summary>A random key of this process: cursors stop working at restart and across nodes.</summary>
    public static CursorKey Generate() => new(RandomNumberGenerator.GetBytes(MinimumBytes));

    /// <summary>This process's generated key, for callers of the read side that configure none (tests, tools).</summary>
    public static CursorKey Process { get; } = Generate();

    /// <summary>
    /// The key from configuration (its UTF-8 bytes); without one, a generated key in Development and
    /// an error naming the setting elsewhere. No key that appears in the repository is built in.
    /// </summary>
    public static CursorKey From(string? configured, bool development)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var bytes = Encoding.UTF8.GetBytes(configured);
            return bytes.Length >= MinimumBytes
                ? new CursorKey(bytes)
                : throw new InvalidOperationException($"{Setting} must be at least {MinimumBytes} bytes");
        }
        return development
            ? Generate()
            : throw new InvalidOperationException($"{Setting} is not set: configure a random key of at least {MinimumBytes} bytes (environment variable CaseEngine__CursorKey)");
    }

    /// <summary>A truncated HMAC-SHA256 (128 bits) of the scope and the payload, hex.</summary>
    internal string Seal(string scope, string payload) =>
        Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{scope}\n{payload}")).AsSpan(0, 16));

    internal bool Verifies(string scope, string payload, string seal) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Seal(scope, payload)), Encoding.ASCII.GetBytes(seal));
}
