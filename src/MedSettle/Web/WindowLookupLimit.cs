using System.Threading.RateLimiting;

namespace MedSettle.Web;

/// <summary>
/// Person lookups at the window, per signed-in account, as a token bucket: <c>MedSettle:WindowLookups:PerMinute</c>
/// (default 30) refilled continuously, up to <c>MedSettle:WindowLookups:Burst</c> (default 20) at once. A clerk at the
/// counter never comes near it; a script paging through people does. The window's lookups run in process, outside the
/// hospital credential's own limit (<see cref="Transactions.HospitalRateLimit"/>).
/// </summary>
public sealed class WindowLookupLimit : IDisposable
{
    public const string Section = "MedSettle:WindowLookups";

    private readonly PartitionedRateLimiter<string> _limiter;

    public WindowLookupLimit(int perMinute, int burst)
    {
        PerMinute = perMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetTokenBucketLimiter(account, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / Math.Max(1, perMinute)),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public int PerMinute { get; }

    public bool TryAcquire(string account, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(account);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60.0 / Math.Max(1, PerMinute));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    public static IServiceCollection AddWindowLookupLimit(IServiceCollection services, IConfiguration configuration)
    {
        var perMinute = Math.Max(1, configuration.GetValue($"{Section}:PerMinute", 30));
        var burst = Math.Max(1, configuration.GetValue($"{Section}:Burst", 20));
        services.AddSingleton(new WindowLookupLimit(perMinute, burst));
        return services;
    }
}
