namespace MedSettle.Tests.Infrastructure;

/// <summary>A clock the test moves by hand. Times are China Standard Time (UTC+8), like the platform's.</summary>
public sealed class TestClock(DateTime chinaTime) : TimeProvider
{
    private DateTimeOffset _now = new(chinaTime, TimeSpan.FromHours(8));

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

    public void Set(DateTime chinaTime) => _now = new DateTimeOffset(chinaTime, TimeSpan.FromHours(8));

    public void Advance(TimeSpan by) => _now = _now.Add(by);
}
