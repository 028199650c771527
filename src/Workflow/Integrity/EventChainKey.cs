using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// The key the event chain is signed with (HMAC-SHA256), and the keys it was signed with before.
/// It is read from configuration here and nowhere else: <c>CaseEngine:EventChainKey</c> (at least 32
/// characters) with its id <c>CaseEngine:EventChainKeyId</c>; keys retired by a rotation stay readable
/// for verification under <c>CaseEngine:EventChainRetiredKeys:&lt;id&gt;</c>. The key never goes to the
/// database: the chain is computed in this process, so a database writer without it cannot forge a link.
/// </summary>
public sealed class EventChainKey
{
    public const string KeySetting = "CaseEngine:EventChainKey";
    public const string KeyIdSetting = "CaseEngine:EventChainKeyId";
    public const string RetiredKeysSection = "CaseEngine:EventChainRetiredKeys";
    public const int MinimumLength = 32;

    private readonly Dictionary<string, byte[]> _keys;

    public EventChainKey(string keyId, string key, IReadOnlyDictionary<string, string>? retired = null)
    {
        if (string.IsNullOrWhiteSpace(keyId) || keyId.Length > 64)
            throw new InvalidOperationException($"{KeyIdSetting} must be 1 to 64 characters");
        if (key is null || key.Length < MinimumLength)
            throw new InvalidOperationException($"{KeySetting} must be at least {MinimumLength} characters");
        KeyId = keyId;
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [keyId] = Encoding.UTF8.GetBytes(key) };
        foreach (var (id, value) in retired ?? new Dictionary<string, string>())
            if (!_keys.ContainsKey(id) && value.Length >= MinimumLength)
                _keys[id] = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>The id written beside every new link, so verification picks the key it was signed with.</summary>
    public string KeyId { get; }

    internal byte[] Current => _keys[KeyId];

    /// <summary>The key a link was signed with, when this process knows it.</summary>
    internal byte[]? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <summary>
    /// The key from configuration. Without one, Development gets a random key (generated once per
    /// process: never a constant, so no key in the repository ever signs a chain); anywhere else this
    /// throws with one line naming the setting.
    /// </summary>
    public static EventChainKey FromConfiguration(IConfiguration configuration, bool development)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var retired = configuration.GetSection(RetiredKeysSection).GetChildren()
            .Where(c => !string.IsNullOrEmpty(c.Value)).ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        var key = configuration[KeySetting];
        if (string.IsNullOrWhiteSpace(key))
        {
            if (!development)
                throw new InvalidOperationException(
                    $"{KeySetting} is not configured: set it (and {KeyIdSetting}) to a random secret of at least {MinimumLength} characters");
            return DevelopmentKey.Value;
        }
        var id = configuration[KeyIdSetting];
        return new EventChainKey(string.IsNullOrWhiteSpace(id) ? Fingerprint(key) : id.Trim(), key, retired);
    }

    /// <summary>A fresh random key (Development, tests, the bench): 32 random bytes as base64.</summary>
    public static EventChainKey Generate(string? keyId = null)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return new EventChainKey(keyId ?? "generated-" + Fingerprint(key), key);
    }

    private static readonly Lazy<EventChainKey> DevelopmentKey = new(() => Generate("development-" + Guid.NewGuid().ToString("N")[..8]));

    /// <summary>An id derived from the key when none is configured: a one-way hash, safe to store and show.</summary>
    private static string Fingerprint(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("caseengine-event-chain-key-id:" + key)))[..16];
}
