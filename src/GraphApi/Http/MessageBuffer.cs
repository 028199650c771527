using System.Buffers;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// The bytes of one incoming message, at most <c>max</c>: it grows by doubling up to the cap and never
/// past it, and returns its array to the pool after a large message, so an idle socket holds little.
/// </summary>
internal sealed class MessageBuffer(int max)
{
    private const int KeptAfterMessage = 16 * 1024;
    private byte[] _array = [];
    private int _length;

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _length);

    /// <summary>False, keeping nothing, when the message would pass the cap.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > max - _length)
            return false;
        if (_length + bytes.Length > _array.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(max, Math.Max(_length + bytes.Length, Math.Max(1024, _array.Length * 2))));
            _array.AsSpan(0, _length).CopyTo(grown);
            ReturnArray();
            _array = grown;
        }
        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
        return true;
    }

    public void Clear()
    {
        _length = 0;
        if (_array.Length > KeptAfterMessage)
            ReturnArray();
    }

    public void Release()
    {
        _length = 0;
        ReturnArray();
    }

    private void ReturnArray()
    {
        if (_array.Length > 0)
            ArrayPool<byte>.Shared.Return(_array);
        _array = [];
    }
}
