using System.Security.Cryptography;
using CaseEngine.Workflow.Configuration;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// The key the event chain is signed with (HMAC-SHA256), and the keys it was signed with before.
/// It comes from <see cref="ServerKeys"/> like every server key: <c>CaseEngine:EventChainKey</c> (id
/// "default"), or the rotation list <c>CaseEngine:EventChainKeys:N:Id</c>/<c>:Secret</c> whose first key
/// signs new links while the others still verify old ones. In Development without configuration it is
/// the development key file's (kept across restarts, so links stay verifiable). The key never goes to
/// the database: the chain is computed in this process, so a database writer without it cannot forge a link.
/// </summary>
public sealed class EventChainKey
{
    private readonly Dictionary<string, byte[]> _keys;

    private EventChainKey(string keyId, Dictionary<string, byte[]> keys)
    {
        KeyId = keyId;
        _keys = keys;
    }

    /// <summary>The ring's current key signs; every key of the ring verifies the links made with it.</summary>
    public static EventChainKey From(KeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in ring.Keys)
            keys.TryAdd(key.Id, [.. key.Secret]);
        return new EventChainKey(ring.Current.Id, keys);
    }

    /// <summary>The id written beside every new link, so verification picks the key it was signed with.</summary>
    public string KeyId { get; }

    internal byte[] Current => _keys[KeyId];

    /// <summary>The key a link was signed with, when this process knows it.</summary>
    internal byte[]? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <summary>A fresh random key (tests, the bench): 32 random bytes.</summary>
    public static EventChainKey Generate(string keyId = "generated") =>
        From(new KeyRing(KeySettings.EventChain.Name, [new SecretKey(keyId, RandomNumberGenerator.GetBytes(32))]));
}
