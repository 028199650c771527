using System.Threading.RateLimiting;
using CaseEngine.GraphApi.Auth;

namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>GraphQL:RateLimit</c>: a token bucket per caller (token sub, or client IP when anonymous).</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Requests a caller may send at once (the bucket's size).</summary>
    public int Burst { get; set; } = 1000;

    /// <summary>Requests per second a caller gets back.</summary>
    public int PermitsPerSecond { get; set; } = 100;
}

/// <summary>
/// Per-caller rate limiting with System.Threading.RateLimiting: partitioned by the verified token's
/// subject, or by the client's IP address for anonymous callers. A refusal is RATE_LIMITED
/// (429 with Retry-After over HTTP, an error message over WebSocket).
/// </summary>
public sealed class CallerRateLimiter : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;

    public CallerRateLimiter(RateLimitOptions options)
    {
        _options = options;
        var period = TimeSpan.FromSeconds(1);
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, options.Burst),
                TokensPerPeriod = Math.Max(1, options.PermitsPerSecond),
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public static string KeyOf(Caller caller, HttpContext http) =>
        caller.Anonymous ? $"ip:{http.Connection.RemoteIpAddress}" : $"sub:{caller.Actor.Id}";

    /// <summary>Null when the request may go on, else how long the caller should wait.</summary>
    public TimeSpan? TryAcquire(Caller caller, HttpContext http, int permits = 1)
    {
        if (!_options.Enabled)
            return null;
        using var lease = _limiter.AttemptAcquire(KeyOf(caller, http), Math.Min(permits, Math.Max(1, _options.Burst)));
        if (lease.IsAcquired)
            return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero
            ? retryAfter
            : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _limiter.Dispose();
}
