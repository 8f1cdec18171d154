using System.Text.Json;
using MedSettle.Admin;
using MedSettle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>The running dashboard (运行看板): the four headline figures for a period, region or hospital, with charts and a table by hospital.</summary>
public sealed class IndexModel(Database database, PlatformClock clock) : PageModel
{
    /// <summary>The longest period one request may ask for (a year, so that the page stays fast).</summary>
    public const int MaxDays = 366;

    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Home { get; set; }
    [BindProperty(SupportsGet = true)] public string? Area { get; set; }
    [BindProperty(SupportsGet = true)] public string? Hospital { get; set; }

    public string? FromError { get; private set; }
    public string? ToError { get; private set; }
    public string? HomeError { get; private set; }
    public string? AreaError { get; private set; }
    public string? HospitalError { get; private set; }
    public bool HasErrors => FromError is not null || ToError is not null || HomeError is not null || AreaError is not null || HospitalError is not null;

    /// <summary>The agency's own region (forced into every query), or null for the province.</summary>
    public string? ForcedHome { get; private set; }
    public string Today { get; private set; } = "";
    public IReadOnlyList<RegionOption> Regions { get; private set; } = [];
    public IReadOnlyList<HospitalOption> Hospitals { get; private set; } = [];
    public IReadOnlyDictionary<string, string> RegionNames { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, HospitalOption> HospitalsByCode { get; private set; } = new Dictionary<string, HospitalOption>();
    public StatsReport? Report { get; private set; }
    public IReadOnlyList<StatsGroup> HospitalRows { get; private set; } = [];
    public string ChartJson { get; private set; } = "{}";

    /// <summary>The fund share split by fund (统筹基金, 大额补助, 大病保险, 医疗救助) over the same settlements as the figures.</summary>
    public FundSplit? Funds { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        ForcedHome = DashboardScope.ForcedHome(User);
        var today = clock.Today;
        Today = today.ToText();
        Regions = await DashboardScope.RegionsAsync(database);
        Hospitals = (await DashboardScope.HospitalsAsync(database)).Where(h => h.CrossRegionEnabled || h.FixmedinsCode == Hospital).ToList();
        RegionNames = Regions.ToDictionary(r => r.Admdvs, r => r.Name);
        HospitalsByCode = Hospitals.ToDictionary(h => h.FixmedinsCode);

        var from = DashboardScope.ParseDate(From, new DateOnly(today.Year, today.Month, 1), "开始日期", out var fromError);
        var to = DashboardScope.ParseDate(To, today, "结束日期", out var toError);
        FromError = fromError;
        ToError = toError;
        // a value that could not be read stays in its field, next to its message, for the user to correct
        From = FromError is null ? from.ToText() : From;
        To = ToError is null ? to.ToText() : To;
        if (FromError is null && ToError is null)
        {
            if (to < from) ToError = "结束日期不能早于开始日期";
            else if (to.DayNumber - from.DayNumber + 1 > MaxDays) ToError = $"查询区间最长 {MaxDays} 天，请缩短区间或分段查询";
        }

        Home = string.IsNullOrWhiteSpace(Home) ? null : Home.Trim();
        Area = string.IsNullOrWhiteSpace(Area) ? null : Area.Trim();
        Hospital = string.IsNullOrWhiteSpace(Hospital) ? null : Hospital.Trim();
        if (ForcedHome is not null) Home = ForcedHome;
        else if (Home is not null && !RegionNames.ContainsKey(Home)) HomeError = $"没有编码为 {Home} 的统筹区";
        if (Area is not null && !RegionNames.ContainsKey(Area)) AreaError = $"没有编码为 {Area} 的统筹区";
        if (Hospital is not null)
        {
            if (!HospitalsByCode.TryGetValue(Hospital, out var h)) HospitalError = $"没有编码为 {Hospital} 的异地定点医院";
            else if (Area is not null && AreaError is null && h.Admdvs != Area) HospitalError = $"{h.FixmedinsName} 不在所选就医地（{RegionNames.GetValueOrDefault(Area, Area)}），请重新选择医院或就医地";
        }
        if (HasErrors) return Page();

        var query = new StatsQuery(from, to, Home, Area, Hospital);
        var report = await Stats.ComputeAsync(database, query, HttpContext.RequestAborted);
        Report = report;
        var funds = FundSplit.Of(report);
        Funds = funds;
        HospitalRows = report.ByHospital.OrderByDescending(g => g.MedfeeSumamt).ThenByDescending(g => g.Filings).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();

        // every day of the period, with zeros where nothing happened, so the trend line does not skip quiet days
        var byDay = report.ByDay.ToDictionary(g => g.Key);
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(i => from.AddDays(i).ToText()).ToList();
        StatsGroup Day(string d) => byDay.GetValueOrDefault(d) ?? new StatsGroup(d, d, 0, 0, 0m, 0m);
        object Bars(IEnumerable<StatsGroup> groups) => groups.Select(g => new
        {
            key = g.Key, name = g.Name, filings = g.Filings, settlements = g.Settlements, medfee = g.MedfeeSumamt, fund = g.FundPaySumamt,
        }).ToList();
        ChartJson = JsonSerializer.Serialize(new
        {
            byHome = ForcedHome is null ? Bars(report.ByHomeRegion.OrderByDescending(g => g.MedfeeSumamt)) : null,
            byArea = Bars(report.ByTreatingRegion.OrderByDescending(g => g.MedfeeSumamt)),
            byDay = new
            {
                days,
                medfee = days.Select(d => Day(d).MedfeeSumamt).ToList(),
                fund = days.Select(d => Day(d).FundPaySumamt).ToList(),
                settlements = days.Select(d => Day(d).Settlements).ToList(),
                filings = days.Select(d => Day(d).Filings).ToList(),
            },
            share = new { hifp = funds.Hifp, hifob = funds.Hifob, hifmi = funds.Hifmi, maf = funds.Maf, personal = funds.Personal },
        });
        return Page();
    }

    public string HospitalLink(string code) =>
        $"/dashboard/hospital/{Uri.EscapeDataString(code)}" + DashboardScope.Query(("from", From), ("to", To), ("home", ForcedHome is null ? Home : null));
}
