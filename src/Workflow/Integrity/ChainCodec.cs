using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CaseEngine.Workflow.Integrity;

/// <summary>
/// One event as PostgreSQL stores it in mt_events, read back as the text or number the database holds:
/// jsonb columns as their canonical text (<c>data::text</c>), the timestamp as microseconds since the
/// Unix epoch (PostgreSQL's own resolution), so the bytes signed at append are the bytes verified later.
/// </summary>
public sealed record EventRow(long Sequence, Guid Id, Guid StreamId, long Version, string Type, long TimestampMicros,
    string? TenantId, string? DotnetType, string? CorrelationId, string? CausationId, string? Headers, string? Data, byte[]? BinaryData)
{
    /// <summary>The select list that reads a <see cref="EventRow"/> (alias <c>e</c> for mt_events), in <see cref="Read"/>'s order.</summary>
    public const string Columns =
        "e.seq_id, e.id, e.stream_id, e.version, e.type, " +
        "(extract(epoch from e.timestamp) * 1000000)::bigint, " +
        "e.tenant_id, e.mt_dotnet_type, e.correlation_id, e.causation_id, e.headers::text, e.data::text, e.bdata";

    public const int ColumnCount = 13;

    public static EventRow Read(Npgsql.NpgsqlDataReader reader, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? Text(int i) => reader.IsDBNull(offset + i) ? null : reader.GetString(offset + i);
        return new EventRow(reader.GetInt64(offset), reader.GetGuid(offset + 1), reader.GetGuid(offset + 2), reader.GetInt64(offset + 3),
            reader.GetString(offset + 4), reader.GetInt64(offset + 5), Text(6), Text(7), Text(8), Text(9), Text(10), Text(11),
            reader.IsDBNull(offset + 12) ? null : (byte[])reader[offset + 12]);
    }

    /// <summary>The UTC calendar day of the stored timestamp: the day whose Merkle root holds this event.</summary>
    public DateOnly Day => DateOnly.FromDateTime(DateTime.UnixEpoch.AddTicks(TimestampMicros * 10));
}

/// <summary>
/// The chain's arithmetic, pure: each event's link is
/// <c>HMAC-SHA256(key, "caseengine-event-chain-v1" ‖ fields ‖ previous link)</c> over length-prefixed fields
/// (sequence, id, stream, version, type, timestamp, tenant, .NET type, correlation, causation, headers, data, binary data),
/// the previous link being the link of the same stream's previous version (32 zero bytes for version 1).
/// A day's Merkle tree has one leaf per link, <c>SHA-256(0x00 ‖ sequence ‖ link)</c>, in sequence order,
/// nodes <c>SHA-256(0x01 ‖ left ‖ right)</c>, an odd last node carried up unchanged; a leaf is a hash, so
/// a proof shows nothing of other events.
/// </summary>
public static class ChainCodec
{
    public const int LinkLength = 32;
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("caseengine-event-chain-v1");
    public static ReadOnlyMemory<byte> NoPrevious { get; } = new byte[LinkLength];

    public static byte[] Link(byte[] key, EventRow e, ReadOnlySpan<byte> previous)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(e);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Domain);
        Number(hmac, e.Sequence);
        Bytes(hmac, e.Id.ToByteArray(bigEndian: true));
        Bytes(hmac, e.StreamId.ToByteArray(bigEndian: true));
        Number(hmac, e.Version);
        Text(hmac, e.Type);
        Number(hmac, e.TimestampMicros);
        Text(hmac, e.TenantId);
        Text(hmac, e.DotnetType);
        Text(hmac, e.CorrelationId);
        Text(hmac, e.CausationId);
        Text(hmac, e.Headers);
        Text(hmac, e.Data);
        if (e.BinaryData is null)
            Text(hmac, null);
        else
            Bytes(hmac, e.BinaryData);
        Bytes(hmac, previous);
        return hmac.GetHashAndReset();
    }

    public static byte[] Leaf(long sequence, ReadOnlySpan<byte> link)
    {
        Span<byte> buffer = stackalloc byte[1 + 8 + LinkLength];
        buffer[0] = 0;
        BinaryPrimitives.WriteInt64BigEndian(buffer[1..], sequence);
        link[..Math.Min(link.Length, LinkLength)].CopyTo(buffer[9..]);
        return SHA256.HashData(buffer);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * LinkLength];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + LinkLength)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root of the leaves (the hash of nothing for an empty day), and the path of <paramref name="index"/> when asked.</summary>
    public static (byte[] Root, IReadOnlyList<ProofStep> Path) Root(IReadOnlyList<byte[]> leaves, int index = -1)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var path = new List<ProofStep>();
        if (leaves.Count == 0)
            return (SHA256.HashData([]), path);
        var level = leaves.ToList();
        while (level.Count > 1)
        {
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
            {
                if (i + 1 == level.Count)
                {
                    next.Add(level[i]);
                    continue;
                }
                if (index == i)
                    path.Add(new ProofStep(level[i + 1], SiblingOnLeft: false));
                else if (index == i + 1)
                    path.Add(new ProofStep(level[i], SiblingOnLeft: true));
                next.Add(Node(level[i], level[i + 1]));
            }
            if (index >= 0)
                index /= 2;
            level = next;
        }
        return (level[0], path);
    }

    /// <summary>What an integrator computes with a proof: the root the leaf and its path lead to.</summary>
    public static byte[] Climb(ReadOnlySpan<byte> leaf, IEnumerable<ProofStep> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var hash = leaf.ToArray();
        foreach (var step in path)
            hash = step.SiblingOnLeft ? Node(step.Sibling, hash) : Node(hash, step.Sibling);
        return hash;
    }

    private static void Number(IncrementalHash h, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        h.AppendData(buffer);
    }

    private static void Bytes(IncrementalHash h, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        h.AppendData(length);
        h.AppendData(value);
    }

    private static void Text(IncrementalHash h, string? value)
    {
        if (value is null)
        {
            Span<byte> none = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(none, -1);
            h.AppendData(none);
            return;
        }
        Bytes(h, Encoding.UTF8.GetBytes(value));
    }
}

/// <summary>One step up a Merkle proof: the sibling's hash and on which side it sits.</summary>
public sealed record ProofStep(byte[] Sibling, bool SiblingOnLeft);
