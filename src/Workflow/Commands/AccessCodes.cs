using System.Security.Cryptography;
using System.Text;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// The petitioner's secret for tracking and acting without an account. It is derived from the
/// petition id with a server key and never stored: a leaked database reveals no access code.
/// </summary>
public sealed class AccessCodes(string serverKey)
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I: read over the phone
    private readonly byte[] _key = Encoding.UTF8.GetBytes(serverKey);

    public string For(Guid petitionId)
    {
        var mac = HMACSHA256.HashData(_key, petitionId.ToByteArray());
        var code = new StringBuilder(12);
        for (var i = 0; i < 12; i++)
            code.Append(Alphabet[mac[i] % Alphabet.Length]);
        return code.ToString();
    }

    public bool Verify(Guid petitionId, string? code) =>
        code is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(For(petitionId)), Encoding.ASCII.GetBytes(code.Trim().ToUpperInvariant()));
}
