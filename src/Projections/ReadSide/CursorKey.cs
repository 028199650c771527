using System.Security.Cryptography;
using System.Text;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// The server key that seals keyset cursors (configuration <c>CaseEngine:CursorKey</c>, resolved and
/// required like every server key by the Workflow's <c>ServerKeys</c>). A cursor carries an HMAC of its position bound to the query's scope (department, order,
/// filter, roll-up), so a forged cursor, or one issued for another department or another query, is
/// refused instead of naming a position the caller chose. Nodes behind one load balancer share the
/// configured key, so each accepts the others' cursors.
/// </summary>
public sealed class CursorKey
{
    public const int MinimumBytes = 32;

    private readonly byte[] _key;

    public CursorKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinimumBytes)
            throw new ArgumentException($"a cursor key must be at least {MinimumBytes} bytes", nameof(key));
        _key = [.. key];
    }

    /// <summary>A random key of this process: cursors stop working at restart and across nodes.</summary>
    public static CursorKey Generate() => new(RandomNumberGenerator.GetBytes(MinimumBytes));

    /// <summary>This process's generated key, for callers of the read side that configure none (tests, tools).</summary>
    public static CursorKey Process { get; } = Generate();

    /// <summary>A truncated HMAC-SHA256 (128 bits) of the scope and the payload, hex.</summary>
    internal string Seal(string scope, string payload) =>
        Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{scope}\n{payload}")).AsSpan(0, 16));

    internal bool Verifies(string scope, string payload, string seal) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Seal(scope, payload)), Encoding.ASCII.GetBytes(seal));
}
