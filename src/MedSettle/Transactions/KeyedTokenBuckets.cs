using System.Threading.RateLimiting;

namespace MedSettle.Transactions;

/// <summary>
/// A token bucket per key (a hospital credential, a clerk's account): <c>tokensPerPeriod</c> added every
/// <c>period</c>, up to <c>burst</c> at once, no queue. What <see cref="HospitalRateLimit"/> and the window's lookup limit
/// both count with.
/// </summary>
public sealed class KeyedTokenBuckets(int tokensPerPeriod, TimeSpan period, int burst) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, tokensPerPeriod),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes a token of <paramref name="key"/>'s bucket, or says when the next one comes.</summary>
    public bool TryAcquire(string key, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(key);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : period;
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
