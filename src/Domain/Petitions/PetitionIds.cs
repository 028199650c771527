using System.Globalization;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// A petition's id says which province holds it, so that a command or a read on a petition can reach
/// its province's database from the id alone, without asking every database (issue 19, "routing
/// without scans"; a case number says it too, by its entry region).
/// <para>
/// The id is an RFC 9562 version-7 UUID: 48 bits of Unix milliseconds first, so ids made later sort
/// later and the indexes keyed by them grow at one end. Of its 74 random bits, 20 carry the province:
/// the low nibble of byte 6 (rand_a) is a marker, byte 7 the province's two-digit number (the first two
/// digits of every region code, GB/T 2260; 00 is the national office), and byte 9 a check of byte 7.
/// 54 random bits remain, ample within one millisecond of one province.
/// </para>
/// <para>
/// An id not made here (a random or a plain version-7 UUID, a mistyped one) names no province
/// (<see cref="ProvinceOf"/> is null) except by a chance of about 1 in 10,500 for a plain version-7 UUID
/// (none for other versions), and then names a province whose
/// database does not hold it: either way the answer is "not found", never another petition.
/// </para>
/// </summary>
public static class PetitionIds
{
    private const byte Marker = 0x0C;
    private const byte CheckMask = 0xA5;

    /// <summary>A new id for a petition entered in <paramref name="entryRegionCode"/>'s province, made at <paramref name="now"/>.</summary>
    public static Guid New(string entryRegionCode, DateTimeOffset now)
    {
        var province = ProvinceNumber(entryRegionCode);
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7(now).TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[6] = (byte)((bytes[6] & 0xF0) | Marker);   // keeps the version nibble (7)
        bytes[7] = province;
        bytes[9] = (byte)(province ^ CheckMask);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The id of the linked copy a hand-over makes (issue 20), in the province of <paramref name="regionCode"/>:
    /// derived from the origin's id and the version of the hand-over, so deciding the same hand-over again
    /// names the same copy; its time part is <paramref name="now"/>, as for any new id.
    /// </summary>
    public static Guid Linked(Guid originId, int handOverVersion, string regionCode, DateTimeOffset now)
    {
        var province = ProvinceNumber(regionCode);
        Span<byte> seed = stackalloc byte[20];
        originId.TryWriteBytes(seed, bigEndian: true, out _);
        BitConverter.TryWriteBytes(seed[16..], handOverVersion);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(seed, hash);
        Span<byte> bytes = stackalloc byte[16];
        Guid.CreateVersion7(now).TryWriteBytes(bytes, bigEndian: true, out _);
        hash[10..16].CopyTo(bytes[10..]);                // the random tail from the origin, not the RNG
        bytes[8] = (byte)(0x80 | (hash[8] & 0x3F));       // the variant bits kept
        bytes[6] = (byte)((bytes[6] & 0xF0) | Marker);
        bytes[7] = province;
        bytes[9] = (byte)(province ^ CheckMask);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The province ("340000"; "000000" for the national office) the id names, or null when it names none.</summary>
    public static string? ProvinceOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if (bytes[6] >> 4 != 7 || (bytes[6] & 0x0F) != Marker || (bytes[8] & 0xC0) != 0x80
            || bytes[7] > 99 || bytes[9] != (byte)(bytes[7] ^ CheckMask))
            return null;
        return bytes[7].ToString("00", CultureInfo.InvariantCulture) + "0000";
    }

    private static byte ProvinceNumber(string regionCode)
    {
        var canonical = DepartmentDirectory.NormalizeRegionCode(regionCode)
            ?? throw new ArgumentException("not a region code (2, 4, 6 or 9 digits)", nameof(regionCode));
        return byte.Parse(canonical.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
