using System.Globalization;
using System.Security.Claims;
using MedSettle.Storage;
using MedSettle.Web;

namespace MedSettle.Pages.Dashboard;

public sealed record RegionOption(string Admdvs, string Name);

public sealed record HospitalOption(string FixmedinsCode, string FixmedinsName, string Admdvs, long HospLv, bool CrossRegionEnabled);

/// <summary>
/// What the signed-in staff member may see: an agency sees only its own region's insured (its region is forced as
/// insuplc_admdvs into every query), the province sees everything. Plus the small look-ups and wording the dashboard
/// pages share.
/// </summary>
public static class DashboardScope
{
    /// <summary>The home region every query must be limited to: the agency's region, or null for the province.</summary>
    public static string? ForcedHome(ClaimsPrincipal user) => user.IsInRole(Roles.Province) ? null : user.Region();

    public static bool IsProvince(ClaimsPrincipal user) => user.IsInRole(Roles.Province);

    /// <summary>An agency account without a region must see nothing rather than everything.</summary>
    public static bool IsMisconfigured(ClaimsPrincipal user) => !user.IsInRole(Roles.Province) && string.IsNullOrEmpty(user.Region());

    public static async Task<IReadOnlyList<RegionOption>> RegionsAsync(Database database) =>
        (await database.ReadAsync(unit => unit.QueryAsync<RegionOption>("SELECT admdvs, name FROM regions ORDER BY admdvs"))).ToList();

    public static async Task<IReadOnlyList<HospitalOption>> HospitalsAsync(Database database) =>
        (await database.ReadAsync(unit => unit.QueryAsync<HospitalRow>(
            "SELECT fixmedins_code, fixmedins_name, admdvs, hosp_lv, cross_region_enabled FROM hospitals ORDER BY admdvs, hosp_lv DESC, fixmedins_code")))
        .Select(h => new HospitalOption(h.FixmedinsCode, h.FixmedinsName, h.Admdvs, h.HospLv, h.CrossRegionEnabled == 1)).ToList();

    /// <summary>Parses a yyyy-MM-dd date from a form; blank gives the fallback; a bad value gives a Chinese message for the field.</summary>
    public static DateOnly ParseDate(string? text, DateOnly fallback, string label, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (DateOnly.TryParseExact(text.Trim(), Formats.Date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        error = $"{label}“{text}”格式不对，应为 yyyy-MM-dd（如 {fallback.ToText()}）";
        return fallback;
    }

    public static string SchemeName(string insutype) => insutype switch
    {
        "310" => "职工",
        "390" => "居民",
        _ => insutype,
    };

    public static string MedTypeName(string medType) => medType switch
    {
        "13" => "13 急诊",
        "24" => "24 急诊转住院",
        _ => medType,
    };

    public static string MedTypeShort(string medType) => medType switch
    {
        "13" => "急诊",
        "24" => "急诊转住院",
        _ => medType,
    };

    public static string CategoryName(string category) => category switch
    {
        "emergency_outpatient" => "急诊门诊",
        "inpatient" => "住院",
        _ => category,
    };

    public static string BasisName(string basis) => basis switch
    {
        "per_visit" => "每次",
        "per_year" => "每年",
        _ => basis,
    };

    public static string LevelName(long level) => level switch
    {
        3 => "三级",
        2 => "二级",
        1 => "一级",
        _ => $"{level}级",
    };

    public static string Percent(decimal share, int decimals = 2) =>
        (share * 100m).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    /// <summary>A query string for links that keep the current filters (null and blank values are left out).</summary>
    public static string Query(params (string Key, string? Value)[] values)
    {
        var parts = values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Key}={Uri.EscapeDataString(v.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
