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

    private readonly KeyedTokenBuckets _buckets;

    public HospitalRateLimit(int permitsPerSecond, int burst)
    {
        PermitsPerSecond = permitsPerSecond;
        _buckets = permitsPerSecond >= 10
            ? new KeyedTokenBuckets(permitsPerSecond / 10, TimeSpan.FromMilliseconds(100), burst)
            : new KeyedTokenBuckets(permitsPerSecond, TimeSpan.FromSeconds(1), burst);
    }

    public int PermitsPerSecond { get; }

    public bool TryAcquire(string paasid, out TimeSpan retryAfter) => _buckets.TryAcquire(paasid, out retryAfter);

    public void Dispose() => _buckets.Dispose();

    public static IServiceCollection AddHospitalRateLimit(IServiceCollection services, IConfiguration configuration)
    {
        var perSecond = configuration.GetValue($"{Section}:PerSecond", 200);
        var burst = configuration.GetValue($"{Section}:Burst", perSecond * 2);
        if (perSecond > 0) services.AddSingleton(new HospitalRateLimit(perSecond, burst));
        return services;
    }
}
