using System.Globalization;

namespace MedSettle.Foundation;

/// <summary>How dates, times and codes are written, in storage and on the wire.</summary>
public static class Formats
{
    public const string Date = "yyyy-MM-dd";
    public const string Time = "yyyy-MM-dd HH:mm:ss";

    public static string ToText(this DateOnly date) => date.ToString(Date, CultureInfo.InvariantCulture);
    public static string ToText(this DateTime time) => time.ToString(Time, CultureInfo.InvariantCulture);
    public static DateOnly ParseDate(string text) => DateOnly.ParseExact(text[..10], Date, CultureInfo.InvariantCulture);
    public static DateTime ParseTime(string text) => DateTime.ParseExact(text, Time, CultureInfo.InvariantCulture);

    /// <summary>A ratio as people read it: 0.5 → 50%, 0.525 → 52.5% (never rounded to whole percents).</summary>
    public static string Percent(decimal ratio) => (ratio * 100m).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>A ratio stored as text ("0.5000") as a percentage; text that is no number is shown as it is.</summary>
    public static string Percent(string ratio) =>
        decimal.TryParse(ratio, NumberStyles.Number, CultureInfo.InvariantCulture, out var r) ? Percent(r) : ratio;

    public static string InsutypeName(string insutype) => insutype switch
    {
        "310" => "职工基本医疗保险",
        "390" => "城乡居民基本医疗保险",
        _ => $"险种{insutype}",
    };

    public static string InsuranceStatusName(string status) => status switch
    {
        "1" => "正常参保",
        "2" => "暂停参保",
        "4" => "终止参保",
        _ => $"状态{status}",
    };
}

/// <summary>The platform's clock: China Standard Time (UTC+8), from an injectable time source.</summary>
public sealed class PlatformClock(TimeProvider time)
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public DateTime Now => time.GetUtcNow().ToOffset(ChinaOffset).DateTime;

    public DateTimeOffset UtcNow => time.GetUtcNow();

    public DateOnly Today => DateOnly.FromDateTime(Now);
}
