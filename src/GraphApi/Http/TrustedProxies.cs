using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Configuration section <c>GraphQL:ForwardedHeaders</c>: the reverse proxies whose
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed. Off when none is named: a header
/// any client can write must not choose the client's rate-limit bucket. With a proxy named, the
/// client's address (and so its bucket, over HTTP and WebSocket) is the one the proxy saw.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "GraphQL:ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public List<string> KnownNetworks { get; } = [];

    /// <summary>Proxies in a chain whose entries are taken (from the right).</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid()
    {
        if (ForwardLimit < 1)
            return $"{Section}:ForwardLimit must be 1 or more";
        for (var i = 0; i < KnownProxies.Count; i++)
            if (!IPAddress.TryParse(KnownProxies[i], out _))
                return $"{Section}:KnownProxies:{i} is not an IP address; name each trusted proxy by its address";
        for (var i = 0; i < KnownNetworks.Count; i++)
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
                return $"{Section}:KnownNetworks:{i} is not a network in CIDR notation (e.g. 10.0.0.0/8)";
        return null;
    }

    /// <summary>ASP.NET Core's options, only the named proxies trusted (not its loopback default); the entries were checked at the start (<see cref="Invalid"/>).</summary>
    public ForwardedHeadersOptions ToForwardedHeadersOptions()
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = ForwardLimit,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies)
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in KnownNetworks)
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        return options;
    }
}

/// <summary>Puts the forwarded-headers middleware first in the pipeline when trusted proxies are configured.</summary>
internal sealed class TrustedProxiesStartupFilter(TrustedProxyOptions proxies) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (proxies.Enabled)
            app.UseForwardedHeaders(proxies.ToForwardedHeadersOptions());
        next(app);
    };
}
