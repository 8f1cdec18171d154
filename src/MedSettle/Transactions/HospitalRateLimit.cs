using System.Threading.RateLimiting;

namespace MedSettle.Transactions;

/// <summary>
/// Requests a second per hospital credential (x-tif-paasid), as a token bucket: <c>MedSettle:RateLimit:PerSecond</c>
/// (default 200) refilled continuously, up to <c>MedSettle:RateLimit:Burst</c> (default twice that) at once; 0 turns it
/// off. Checked after the signature, so nobody can spend another hospital's allowance. Over the limit: HTTP 429 with
/// Retry-After, and nothing done, so the hospital retries the same msgid.
/// </summary>
public sealed class HospitalRateLimit : IDisposable
{
    public const string Section = "MedSettle:RateLimit";

    private readonly PartitionedRateLimiter<string> _limiter;

    public HospitalRateLimit(int permitsPerSecond, int burst)
    {
        PermitsPerSecond = permitsPerSecond;
        var (period, perPeriod) = permitsPerSecond >= 10 ? (TimeSpan.FromMilliseconds(100), permitsPerSecond / 10) : (TimeSpan.FromSeconds(1), permitsPerSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(paasid => RateLimitPartition.GetTokenBucketLimiter(paasid, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public int PermitsPerSecond { get; }

    public bool TryAcquire(string paasid, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(paasid);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    public static IServiceCollection AddHospitalRateLimit(IServiceCollection services, IConfiguration configuration)
    {
        var perSecond = configuration.GetValue($"{Section}:PerSecond", 200);
        var burst = configuration.GetValue($"{Section}:Burst", perSecond * 2);
        if (perSecond > 0) services.AddSingleton(new HospitalRateLimit(perSecond, burst));
        return services;
    }
}
