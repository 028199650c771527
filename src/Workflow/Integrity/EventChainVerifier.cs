using Npgsql;

namespace CaseEngine.Workflow.Integrity;

/// <summary>What is wrong at a stream's first broken version.</summary>
public enum ChainProblem
{
    /// <summary>The stored event no longer gives its link: data, headers, type, timestamp or ids were changed.</summary>
    Altered,
    /// <summary>An event without a link (written past the chain, or injected).</summary>
    Unchained,
    /// <summary>A link without its event, or a version missing between two: an event was deleted.</summary>
    MissingEvent,
    /// <summary>The stream's head (mt_streams) is past its last linked event.</summary>
    Truncated,
    /// <summary>The link was signed with a key id this process does not know (configure retired keys).</summary>
    UnknownKey,
}

/// <summary>The outcome of checking one stream's chain.</summary>
public sealed record ChainVerification(Guid StreamId, bool Intact, int? FirstBrokenVersion, ChainProblem? Problem, int CheckedEvents);

/// <summary>One row of the events-and-links join a verification walks: either side may be missing.</summary>
internal sealed record ChainRow(EventRow? Event, long? LinkSequence, Guid? LinkStream, long? LinkVersion, string? KeyId, byte[]? Link)
{
    public Guid Stream => Event?.StreamId ?? LinkStream!.Value;
    public long Version => Event?.Version ?? LinkVersion!.Value;

    public const string Select = $"{EventRow.Columns}, c.seq_id, c.stream_id, c.version, c.key_id, c.link";

    public static ChainRow Read(NpgsqlDataReader reader)
    {
        var e = reader.IsDBNull(0) ? null : EventRow.Read(reader);
        const int o = EventRow.ColumnCount;
        return reader.IsDBNull(o)
            ? new ChainRow(e, null, null, null, null, null)
            : new ChainRow(e, reader.GetInt64(o), reader.GetGuid(o + 1), reader.GetInt64(o + 2), reader.GetString(o + 3), (byte[])reader[o + 4]);
    }
}

/// <summary>Walks one stream's rows in version order and names its first broken version.</summary>
internal sealed class StreamCheck(EventChainKey key, Guid stream)
{
    private byte[] _previous = ChainCodec.NoPrevious.ToArray();
    private long _expected = 1;
    private int _checked;
    private int? _broken;
    private ChainProblem? _problem;

    public void Add(ChainRow row)
    {
        if (row.Event is not null)
            _checked++;
        if (_broken is not null)
            return;
        var version = row.Version;
        if (version != _expected)
        {
            Break(_expected, ChainProblem.MissingEvent);
            return;
        }
        if (row.Event is null)
            Break(version, ChainProblem.MissingEvent);
        else if (row.Link is null || row.LinkSequence != row.Event.Sequence || row.LinkVersion != version || row.LinkStream != stream)
            Break(version, ChainProblem.Unchained);
        else if (key.Find(row.KeyId!) is not { } secret)
            Break(version, ChainProblem.UnknownKey);
        else if (!ChainCodec.Link(secret, row.Event, _previous).AsSpan().SequenceEqual(row.Link))
            Break(version, ChainProblem.Altered);
        if (_broken is not null)
            return;
        _previous = row.Link!;
        _expected++;
    }

    public ChainVerification Finish(long? head)
    {
        if (_broken is null && head is { } h && h >= _expected)
            Break(_expected, ChainProblem.Truncated);
        return new ChainVerification(stream, _broken is null, _broken, _problem, _checked);
    }

    private void Break(long version, ChainProblem problem)
    {
        _broken = (int)version;
        _problem = problem;
    }
}
