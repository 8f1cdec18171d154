using MedSettle.Transactions;

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

    private readonly KeyedTokenBuckets _buckets;

    public WindowLookupLimit(int perMinute, int burst)
    {
        PerMinute = perMinute;
        _buckets = new KeyedTokenBuckets(1, TimeSpan.FromSeconds(60.0 / Math.Max(1, perMinute)), burst);
    }

    public int PerMinute { get; }

    public bool TryAcquire(string account, out TimeSpan retryAfter) => _buckets.TryAcquire(account, out retryAfter);

    public void Dispose() => _buckets.Dispose();

    public static IServiceCollection AddWindowLookupLimit(IServiceCollection services, IConfiguration configuration)
    {
        var perMinute = Math.Max(1, configuration.GetValue($"{Section}:PerMinute", 30));
        var burst = Math.Max(1, configuration.GetValue($"{Section}:Burst", 20));
        services.AddSingleton(new WindowLookupLimit(perMinute, burst));
        return services;
    }
}
