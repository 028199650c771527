using System.Security.Cryptography;
using System.Text;
using CaseEngine.Domain.Petitions;
using CaseEngine.Workflow.Configuration;

namespace CaseEngine.Workflow.Commands;

/// <summary>
/// The petitioner's secret for tracking and acting without an account. It is derived from the
/// petition id with a server key (<c>CaseEngine:AccessCodeKey</c>) and never stored: a leaked
/// database reveals no access code. New codes come from the ring's current key; a code derived
/// with an older key of the ring still verifies, so rotating the key strands no petitioner.
/// </summary>
public sealed class AccessCodes(KeyRing keys)
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I: read over the phone

    public string For(Guid petitionId) => Derive(keys.Current.Secret, petitionId);

    public bool Verify(Guid petitionId, string? code)
    {
        if (code is null)
            return false;
        var given = Encoding.ASCII.GetBytes(code.Trim().ToUpperInvariant());
        var verified = false;
        // Every key is tried (no early exit), so the time does not tell which key matched.
        foreach (var key in keys.Keys)
            verified |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Derive(key.Secret, petitionId)), given);
        return verified;
    }

    /// <summary>
    /// The code of <paramref name="petitionId"/>, or for a linked copy (issue 20) the code of its origin: the
    /// only code its petitioner was given, which works with either case number.
    /// </summary>
    public bool Verify(Guid petitionId, PetitionLink? link, string? code) =>
        Verify(petitionId, code) || (link is { Role: LinkRole.Copy } && Verify(link.PetitionId, code));

    private static string Derive(byte[] key, Guid petitionId)
    {
        var mac = HMACSHA256.HashData(key, petitionId.ToByteArray());
        var code = new StringBuilder(12);
        for (var i = 0; i < 12; i++)
            code.Append(Alphabet[mac[i] % Alphabet.Length]);
        return code.ToString();
    }
}
