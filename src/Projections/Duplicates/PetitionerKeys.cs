using System.Security.Cryptography;
using System.Text;

namespace CaseEngine.Projections.Duplicates;

/// <summary>
/// Keyed hashes of the identifiers that tell whether two petitions come from the same person: the
/// ID number, else the phone. HMAC-SHA256 with a server key (configuration
/// <c>CaseEngine:PetitionerHashKey</c>), so the duplicate index never holds an identifier in clear
/// and a leaked table cannot be reversed by hashing every possible ID number or phone without the
/// key. Each identifier is normalised first (spaces and dashes dropped, a 15-digit ID number
/// widened to 18 digits, a +86 prefix dropped) so the same person is recognised however the
/// number was typed. Only the ring's current key hashes: a lookup must meet the stored hashes, so
/// changing the key (a new id first in <c>CaseEngine:PetitionerHashKeys</c>) means rebuilding the
/// duplicate index.
/// </summary>
public sealed class PetitionerKeys
{
    private readonly byte[] _key;

    /// <param name="keyId">the id of the key ring's current key</param>
    /// <param name="secret">its secret</param>
    public PetitionerKeys(string keyId, byte[] secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        ArgumentNullException.ThrowIfNull(secret);
        _key = secret;
        KeyId = keyId;
    }

    /// <summary>A single key in hand (unit tests), with the id a single configured key gets.</summary>
    public PetitionerKeys(string serverKey)
        : this(DefaultKeyId, Encoding.UTF8.GetBytes(serverKey ?? throw new ArgumentNullException(nameof(serverKey))))
    {
        ArgumentException.ThrowIfNullOrEmpty(serverKey);
    }

    /// <summary>The id of a key configured alone (<c>ServerKeys.DefaultId</c> in the workflow's configuration).</summary>
    public const string DefaultKeyId = "default";

    /// <summary>The id of the key the hashes are made with.</summary>
    public string KeyId { get; }

    /// <summary>HMAC of the normalised ID number, or null when there is none.</summary>
    public byte[]? IdNumberHash(string? idNumber) => Mac("id", NormalizeIdNumber(idNumber));

    /// <summary>HMAC of the normalised phone, or null when there is none.</summary>
    public byte[]? PhoneHash(string? phone) => Mac("phone", NormalizePhone(phone));

    private byte[]? Mac(string kind, string? value) =>
        value is null ? null : HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{kind}:{value}"));

    /// <summary>
    /// Resident ID numbers: separators dropped, upper case (the check character X). A first-generation
    /// 15-digit number becomes its 18-digit form (century 19 and the check character), so both forms
    /// of one person's number hash alike. Anything else is kept as typed (passports, other documents).
    /// </summary>
    public static string? NormalizeIdNumber(string? idNumber)
    {
        if (string.IsNullOrWhiteSpace(idNumber))
            return null;
        var compact = new string([.. idNumber.Where(c => !char.IsWhiteSpace(c) && c != '-')]).ToUpperInvariant();
        if (compact.Length == 15 && compact.All(char.IsAsciiDigit))
        {
            var body = string.Concat(compact.AsSpan(0, 6), "19", compact.AsSpan(6));
            return body + CheckCharacter(body);
        }
        return compact.Length == 0 ? null : compact;
    }

    /// <summary>Digits only; a leading 0086 or 86 before an 11-digit mobile number is dropped.</summary>
    public static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
            return null;
        var digits = new string([.. phone.Where(char.IsAsciiDigit)]);
        if (digits.Length == 15 && digits.StartsWith("0086", StringComparison.Ordinal))
            digits = digits[4..];
        else if (digits.Length == 13 && digits.StartsWith("86", StringComparison.Ordinal))
            digits = digits[2..];
        return digits.Length == 0 ? null : digits;
    }

    /// <summary>GB 11643-1999 check character of the first 17 digits.</summary>
    private static char CheckCharacter(string first17)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = 0;
        for (var i = 0; i < 17; i++)
            sum += (first17[i] - '0') * weights[i];
        return "10X98765432"[sum % 11];
    }
}
