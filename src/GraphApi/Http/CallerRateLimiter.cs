using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using CaseEngine.GraphApi.Auth;

namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>GraphQL:RateLimit</c>: a token bucket per caller (token sub, or client IP when anonymous).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "GraphQL:RateLimit";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Cost a caller may spend at once (the bucket's size): each request 1, plus its operation's cost.
    /// Five pages at the largest cost allowed (OperationLimits.MaxCost 1000, e.g. a 100-item inbox page),
    /// so an officer paging through a queue is not refused.
    /// </summary>
    public int Burst { get; set; } = 5000;

    /// <summary>Cost per second a caller gets back: one largest page a second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Access-code checks (trackPetition, a petitioner's act with an access code) a caller may make at once.</summary>
    public int AccessCodeBurst { get; set; } = 20;

    /// <summary>Access-code checks per minute a caller gets back.</summary>
    public int AccessCodesPerMinute { get; set; } = 10;

    /// <summary>The one line naming a setting that cannot work, or null.</summary>
    public string? Invalid() =>
        Burst < 1 ? $"{Section}:Burst must be at least 1"
        : PermitsPerSecond < 1 ? $"{Section}:PermitsPerSecond must be at least 1"
        : AccessCodeBurst < 1 ? $"{Section}:AccessCodeBurst must be at least 1"
        : AccessCodesPerMinute < 1 ? $"{Section}:AccessCodesPerMinute must be at least 1"
        : null;
}

/// <summary>
/// Per-caller rate limiting with System.Threading.RateLimiting, partitioned by the verified token's
/// subject, or by the client's address for anonymous callers (an IPv6 client by its /64, which one
/// subscriber holds whole; behind a reverse proxy the address is the client's only when the proxy is
/// trusted, see <c>GraphQL:ForwardedHeaders</c>). It counts work, not requests: each request costs 1
/// when it arrives, and its operation's cost (<see cref="OperationLimitsRule"/>) once measured; the
/// access-code checks are also counted in a second, much smaller bucket, since each is a guess at a
/// petition's secret. A refusal is RATE_LIMITED (429 with Retry-After over HTTP, an error message over WebSocket).
/// </summary>
public sealed class CallerRateLimiter : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly PartitionedRateLimiter<string> _accessCodes;

    public CallerRateLimiter(RateLimitOptions options)
    {
        _options = options;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, options.Burst),
                TokensPerPeriod = Math.Max(1, options.PermitsPerSecond),
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _accessCodes = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, options.AccessCodeBurst),
                TokensPerPeriod = Math.Max(1, options.AccessCodesPerMinute),
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public static string KeyOf(Caller caller, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(http);
        return caller.Anonymous ? $"ip:{ClientOf(http.Connection.RemoteIpAddress)}" : $"sub:{caller.Actor.Id}";
    }

    /// <summary>An IPv4 address as itself; an IPv6 address by its /64 (one subscriber's network, thousands of addresses).</summary>
    private static string ClientOf(IPAddress? address)
    {
        if (address is null)
            return "";
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4().ToString();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Null when the request may go on, else how long the caller should wait.</summary>
    public TimeSpan? TryAcquire(Caller caller, HttpContext http, int permits = 1) =>
        _options.Enabled ? Acquire(_limiter, KeyOf(caller, http), permits, _options.Burst) : null;

    /// <summary>
    /// Charges an operation's measured cost to this caller (and its access-code checks to the
    /// access-code bucket); for the request context of an HTTP or WebSocket operation.
    /// </summary>
    public CostCharge ChargeFor(Caller caller, HttpContext http)
    {
        var key = KeyOf(caller, http);
        return cost =>
        {
            if (!_options.Enabled)
                return null;
            if (cost.AccessCodeChecks > 0 && Acquire(_accessCodes, key, cost.AccessCodeChecks, _options.AccessCodeBurst) is { } wait)
                return wait;
            return cost.Cost > 0 ? Acquire(_limiter, key, (int)Math.Min(cost.Cost, int.MaxValue), _options.Burst) : null;
        };
    }

    private static TimeSpan? Acquire(PartitionedRateLimiter<string> limiter, string key, int permits, int burst)
    {
        // More than the bucket holds can never be granted: it takes the whole bucket (the operation
        // limits keep a single operation's cost below that).
        using var lease = limiter.AttemptAcquire(key, Math.Min(permits, Math.Max(1, burst)));
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero
            ? retryAfter
            : TimeSpan.FromSeconds(1);
    }

    public void Dispose()
    {
        _limiter.Dispose();
        _accessCodes.Dispose();
    }
}
