using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CaseEngine.Workflow.Configuration;

/// <summary>A server secret and the id it is known by (a JWT's <c>kid</c>, a chain entry's key id).</summary>
public sealed record SecretKey(string Id, byte[] Secret);

/// <summary>
/// The keys of one setting: the first is current (signs, derives, hashes), the others are older keys
/// still accepted where a value made with them must keep verifying (tokens, access codes).
/// </summary>
public sealed class KeyRing
{
    public KeyRing(string setting, IReadOnlyList<SecretKey> keys)
    {
        ArgumentException.ThrowIfNullOrEmpty(setting);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
            throw new ArgumentException("a key ring needs a key", nameof(keys));
        Setting = setting;
        Keys = keys;
    }

    /// <summary>A ring of one key; for tests and tools that hold a secret in hand.</summary>
    public static KeyRing Of(string setting, string id, string secret) =>
        new(setting, [new SecretKey(id, Encoding.UTF8.GetBytes(secret))]);

    public string Setting { get; }
    public IReadOnlyList<SecretKey> Keys { get; }
    public SecretKey Current => Keys[0];
    public SecretKey? Find(string id) => Keys.FirstOrDefault(k => k.Id == id);
}

/// <summary>A key setting: its name in configuration and what it protects (for the messages).</summary>
public sealed record KeySetting(string Name, string Protects)
{
    /// <summary>The rotation list beside the single-key setting: <c>Name</c> + "s", entries <c>Id</c> and <c>Secret</c>.</summary>
    public string ListName => Name + "s";

    public static string Env(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>The engine's keys. The ONE list checked when a host starts: a key added here is required outside Development.</summary>
public static class KeySettings
{
    public static readonly KeySetting AccessCode = new("CaseEngine:AccessCodeKey", "petitioners' access codes");
    public static readonly KeySetting PetitionerHash = new("CaseEngine:PetitionerHashKey", "the duplicate index's hashes of ID numbers and phones");
    public static readonly KeySetting EventChain = new("CaseEngine:EventChainKey", "the tamper-evident event chain");
    public static readonly KeySetting Cursor = new("CaseEngine:CursorKey", "paging cursors");

    /// <summary>Checked at every engine start (<see cref="ServerKeys.CheckRequired"/>); add a new key here.</summary>
    public static IReadOnlyList<KeySetting> Required { get; } = [AccessCode, PetitionerHash, EventChain, Cursor];
}

/// <summary>
/// Resolves every server key from configuration: <c>Setting</c> (one key, id "default") or the list
/// <c>Settings:0:Id</c>/<c>Settings:0:Secret</c>, … (first current). Each secret is at least 32 bytes
/// and none that was ever published in the repository is accepted. With no key configured,
/// Development takes it from <see cref="DevelopmentKeyFile"/>; any other environment refuses to start
/// with one line naming the setting.
/// </summary>
public sealed partial class ServerKeys(IConfiguration configuration, IHostEnvironment environment)
{
    public const int MinimumBytes = 32;
    public const string DefaultId = "default";

    /// <summary>
    /// Keys the source carried as defaults before issue 15: public, so refused even when configured.
    /// Kept here only to be refused.
    /// </summary>
    private static readonly string[] Published =
    [
        "caseengine-development-signing-key-not-for-production",
        "caseengine-development-access-code-key",
        "caseengine-development-petitioner-hash-key",
    ];

    private readonly ConcurrentDictionary<string, KeyRing?> _rings = new(StringComparer.Ordinal);

    public bool IsDevelopment => environment.IsDevelopment();

    /// <summary>Resolves every key of <see cref="KeySettings.Required"/>; throws <see cref="StartupException"/> on the first missing or bad one.</summary>
    public void CheckRequired()
    {
        foreach (var setting in KeySettings.Required)
            Ring(setting);
    }

    /// <summary>The setting's keys: configured, else (Development only) the development key file.</summary>
    public KeyRing Ring(KeySetting setting) => Find(setting, developmentFallback: true)
        ?? throw new StartupException($"{setting.Name} is not set: outside Development every key must be configured; set {setting.Name} "
            + $"(env {KeySetting.Env(setting.Name)}) to a random secret of at least {MinimumBytes} bytes, e.g. `openssl rand -base64 32` "
            + "(see docs/operations.md, Running in production)");

    /// <summary>The configured keys, or (when <paramref name="developmentFallback"/> and in Development) the file's; null when neither.</summary>
    public KeyRing? Find(KeySetting setting, bool developmentFallback)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return _rings.GetOrAdd($"{setting.Name}|{developmentFallback}", _ =>
        {
            var configured = Configured(setting);
            if (configured.Count > 0)
                return new KeyRing(setting.Name, configured);
            if (!developmentFallback || !environment.IsDevelopment())
                return null;
            return new KeyRing(setting.Name, [new SecretKey(DevelopmentKeyFile.Id, Encoding.UTF8.GetBytes(DevelopmentKeyFile.Secret(setting.Name)))]);
        });
    }

    private List<SecretKey> Configured(KeySetting setting)
    {
        var keys = new List<SecretKey>();
        foreach (var entry in configuration.GetSection(setting.ListName).GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
        {
            var place = $"{setting.ListName}:{entry.Key}";
            var id = entry["Id"];
            var secret = entry["Secret"];
            if (string.IsNullOrWhiteSpace(id) && string.IsNullOrEmpty(secret))
                continue;
            if (string.IsNullOrWhiteSpace(id) || !IdPattern().IsMatch(id))
                throw new StartupException($"{place}:Id must be 1 to 64 letters, digits, '.', '_' or '-' (env {KeySetting.Env(place)}__Id)");
            keys.Add(Checked(place, id, secret));
        }
        var single = configuration[setting.Name];
        if (!string.IsNullOrEmpty(single))
        {
            if (keys.Count > 0)
                throw new StartupException($"set either {setting.Name} or the list {setting.ListName}, not both: move the single key into the list with an id");
            keys.Add(Checked(setting.Name, DefaultId, single));
        }
        var duplicate = keys.GroupBy(k => k.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new StartupException($"{setting.ListName} names the key id '{duplicate.Key}' twice: give every key its own id");
        return keys;
    }

    private static SecretKey Checked(string place, string id, string? secret)
    {
        if (string.IsNullOrEmpty(secret))
            throw new StartupException($"{place} has no secret: set {place}:Secret (env {KeySetting.Env(place)}__Secret)");
        if (Encoding.UTF8.GetByteCount(secret) < MinimumBytes)
            throw new StartupException($"{place} is shorter than {MinimumBytes} bytes: set it to a random secret, e.g. `openssl rand -base64 32`");
        if (Published.Contains(secret, StringComparer.Ordinal))
            throw new StartupException($"{place} is a key published in the CaseEngine repository, so anyone knows it: set it to a random secret, e.g. `openssl rand -base64 32`");
        return new SecretKey(id, Encoding.UTF8.GetBytes(secret));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex IdPattern();
}

/// <summary>
/// Development's keys when none is configured: generated once, 32 random bytes each, and kept in
/// <c>$XDG_DATA_HOME/caseengine/development-keys.json</c> (else <c>~/.local/share/caseengine/…</c>;
/// on Windows the local application data folder), the folder 0700 and the file 0600, so the server
/// and the <c>token</c> command share them and nobody else can read them. A file others can read is refused.
/// </summary>
public static class DevelopmentKeyFile
{
    /// <summary>The key id of every development key.</summary>
    public const string Id = "dev";

    private static readonly Lock Gate = new();

    public static string Folder
    {
        get
        {
            var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrWhiteSpace(data) || !Path.IsPathRooted(data))
                data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return Path.Combine(data, "caseengine");
        }
    }

    public static string FilePath => Path.Combine(Folder, "development-keys.json");

    /// <summary>The development secret of <paramref name="setting"/>, generated and saved on first use.</summary>
    public static string Secret(string setting)
    {
        lock (Gate)
        {
            var keys = Read();
            if (keys.TryGetValue(setting, out var secret) && Encoding.UTF8.GetByteCount(secret) >= ServerKeys.MinimumBytes)
                return secret;
            keys[setting] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            Write(keys);
            // Another process may have written its own first: the file decides.
            return Read().TryGetValue(setting, out var saved) ? saved : keys[setting];
        }
    }

    private static Dictionary<string, string> Read()
    {
        var path = FilePath;
        if (!File.Exists(path))
            return new Dictionary<string, string>(StringComparer.Ordinal);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            throw new StartupException($"the development key file {path} can be read or written by other users: `chmod 600 {path}` (or delete it to generate new development keys)");
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                ?? new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new StartupException($"the development key file {path} is not a JSON object of keys: delete it to generate new development keys");
        }
    }

    private static void Write(Dictionary<string, string> keys)
    {
        var folder = Folder;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(folder);
            else
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temporary = Path.Combine(folder, $".development-keys.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            System.Text.Json.JsonSerializer.Serialize(stream, keys, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        // A rename: readers see the old file or the new one, never half of it.
        File.Move(temporary, FilePath, overwrite: true);
    }
}
