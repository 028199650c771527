using System.Net;
using System.Net.Sockets;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Counts the open sockets of this node, overall and per client address, so that one client (or all of
/// them) cannot hold more than <see cref="GraphQLWebSocketOptions.MaxSocketsPerClient"/> (or
/// <see cref="GraphQLWebSocketOptions.MaxSockets"/>) sockets and their buffers. The address is the
/// connection's remote address, which is the forwarded client's when the host trusts a proxy; an IPv6
/// client counts by its /64, because one host usually owns the whole /64.
/// </summary>
public sealed class WebSocketAdmission(GraphQLWebSocketOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Open sockets on this node.</summary>
    public int Open { get { lock (_gate) return _total; } }

    /// <summary>A place for one socket, released on dispose; null when a cap is reached.</summary>
    public IDisposable? TryEnter(IPAddress? address)
    {
        var client = ClientKey(address);
        lock (_gate)
        {
            _perClient.TryGetValue(client, out var count);
            if (_total >= options.MaxSockets || count >= options.MaxSocketsPerClient)
                return null;
            _perClient[client] = count + 1;
            _total++;
        }
        return new Place(this, client);
    }

    private void Leave(string client)
    {
        lock (_gate)
        {
            _total--;
            if (_perClient[client] <= 1)
                _perClient.Remove(client);
            else
                _perClient[client]--;
        }
    }

    /// <summary>The client an address counts for: an IPv4 address (also when mapped into IPv6), or an IPv6 /64.</summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes).ToString() + "/64";
    }

    private sealed class Place(WebSocketAdmission admission, string client) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
                admission.Leave(client);
        }
    }
}
