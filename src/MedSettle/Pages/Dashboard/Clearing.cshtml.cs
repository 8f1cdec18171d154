using System.Globalization;
using MedSettle.Admin;
using MedSettle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// Monthly clearing between regions (月度清算): the province computes and confirms; agencies view and download. An agency
/// sees the lines and disputes its region takes part in (as payer or payee) and every region's position and transfer.
/// </summary>
public sealed class ClearingModel(Database database, PlatformClock clock) : PageModel
{
    public const int LinesPerPage = 100;

    [BindProperty(SupportsGet = true)] public string? Month { get; set; }

    /// <summary>Province only: limit the lines and disputes shown to one region (payer or payee). Forced to the agency's region.</summary>
    [BindProperty(SupportsGet = true)] public string? Region { get; set; }

    public string? MonthError { get; private set; }
    public string? RegionError { get; private set; }
    public string? ConfirmError { get; private set; }
    public string? Message { get; private set; }
    public bool CanManage { get; private set; }
    public string? ForcedRegion { get; private set; }
    public bool MonthEnded { get; private set; }
    public IReadOnlyList<RegionOption> Regions { get; private set; } = [];
    public IReadOnlyList<PositionOut> Positions { get; private set; } = [];
    public IReadOnlyList<TransferOut> Transfers { get; private set; } = [];
    public ClearingStatement? Statement { get; private set; }
    public IReadOnlyList<ClearingLineOut> Lines { get; private set; } = [];

    /// <summary>The month's supervision deductions (智能监管扣款) in the region chosen.</summary>
    public IReadOnlyList<DeductionLineOut> Deductions { get; private set; } = [];
    public IReadOnlyList<DisputeOut> Disputes { get; private set; } = [];
    public int LinePage { get; private set; } = 1;
    public int LinePages => Math.Max(1, (Lines.Count + LinesPerPage - 1) / LinesPerPage);
    /// <summary>
    /// The totals the page heads with: the province's, or, for one region (an agency's own, or the province's filter), the
    /// sum of the lines that region takes part in, as payer or payee.
    /// </summary>
    public ClearingTotals? ShownTotals => Statement is null ? null
        : Region is null ? Statement.Totals
        : ClearingTotals.Of(Lines);

    public IEnumerable<ClearingLineOut> LinesOnPage => Lines.Skip((LinePage - 1) * LinesPerPage).Take(LinesPerPage);

    /// <summary>The month's clearing beside the dashboard's figures for it: the province's, or the focused region's insured.</summary>
    public ClearingVersusDashboard? VersusDashboard { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await PrepareAsync()) return Page();
        await LoadAsync(() => MonthlyClearing.GetAsync(database, Month!, clock.Now));
        return Page();
    }

    public async Task<IActionResult> OnPostComputeAsync()
    {
        if (!DashboardScope.IsProvince(User)) return StatusCode(StatusCodes.Status403Forbidden);
        if (!await PrepareAsync()) return Page();
        await LoadAsync(() => MonthlyClearing.ComputeAsync(database, Month!, clock.Now));
        if (Statement is not null)
            Message = Statement.Status switch
            {
                MonthlyClearing.Confirmed => $"{Month} 的清算已确认，清算单已冻结，显示的是确认时的结果。",
                MonthlyClearing.Computed => $"{Month} 的清算已计算并保存（{Statement.ComputedAt}），核对无误后可确认清算。",
                _ => $"{Month} 尚未结束，以下为截至 {Statement.ComputedAt} 的预览，不保存。",
            };
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (!DashboardScope.IsProvince(User)) return StatusCode(StatusCodes.Status403Forbidden);
        if (!await PrepareAsync()) return Page();
        try
        {
            var statement = await MonthlyClearing.ConfirmAsync(database, Month!, clock.Now);
            await LoadAsync(() => Task.FromResult(statement));
            Message = $"{Month} 的清算已确认（{statement.ConfirmedAt}），清算单已冻结。";
        }
        catch (ClearingRefused refused)
        {
            ConfirmError = refused.Message;
            await LoadAsync(() => MonthlyClearing.GetAsync(database, Month!, clock.Now));
        }
        return Page();
    }

    public Task<IActionResult> OnGetCsvAsync() => DownloadAsync(xlsx: false);

    public Task<IActionResult> OnGetXlsxAsync() => DownloadAsync(xlsx: true);

    private async Task<IActionResult> DownloadAsync(bool xlsx)
    {
        if (!await PrepareAsync()) return Page();
        await LoadAsync(() => MonthlyClearing.GetAsync(database, Month!, clock.Now));
        if (Statement is null) return Page();
        var export = Statement with { Lines = Lines, Disputes = Disputes, Deductions = Deductions };
        var directory = Path.Combine(Path.GetTempPath(), "medsettle-clearing-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (csv, xlsxPath) = ClearingExport.Write(export, directory);
            var bytes = await System.IO.File.ReadAllBytesAsync(xlsx ? xlsxPath : csv);
            var suffix = ForcedRegion ?? Region;
            var name = $"clearing-{Statement.Month}{(suffix is null ? "" : "-" + suffix)}.{(xlsx ? "xlsx" : "csv")}";
            return File(bytes, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8", name);
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Reads and checks the month and the region; false when the page can only show the errors.</summary>
    private async Task<bool> PrepareAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) { MonthError = "账号未绑定统筹区，请联系管理员"; return false; }
        CanManage = DashboardScope.IsProvince(User);
        ForcedRegion = DashboardScope.ForcedHome(User);
        Regions = await DashboardScope.RegionsAsync(database);
        var today = clock.Today;
        Month = string.IsNullOrWhiteSpace(Month) ? new DateOnly(today.Year, today.Month, 1).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture) : Month.Trim();
        Region = ForcedRegion ?? (string.IsNullOrWhiteSpace(Region) ? null : Region.Trim());
        if (Region is not null && Regions.All(r => r.Admdvs != Region)) RegionError = $"没有编码为 {Region} 的统筹区";
        try
        {
            var first = MonthlyClearing.ParseMonth(Month);
            if (first > new DateOnly(today.Year, today.Month, 1)) MonthError = $"{Month} 还没有开始，请选择本月或以前的月份";
            MonthEnded = MonthlyClearing.HasEnded(first, clock.Now);
        }
        catch (ClearingRefused refused)
        {
            MonthError = refused.Message;
        }
        return MonthError is null && RegionError is null;
    }

    private async Task LoadAsync(Func<Task<ClearingStatement>> load)
    {
        try
        {
            Statement = await load();
        }
        catch (ClearingRefused refused)
        {
            MonthError = refused.Message;
            return;
        }
        // An agency sees its own region's position and transfers, as its admin token does; the province sees them all.
        Positions = ForcedRegion is null ? Statement.Positions : Statement.Positions.Where(p => p.Admdvs == ForcedRegion).ToList();
        Transfers = ForcedRegion is null ? Statement.Transfers : Statement.Transfers.Where(t => t.Admdvs == ForcedRegion).ToList();
        Lines = Region is null ? Statement.Lines : Statement.Lines.Where(l => l.PayerAdmdvs == Region || l.PayeeAdmdvs == Region).ToList();
        Disputes = Region is null ? Statement.Disputes : Statement.Disputes.Where(d => d.PayerAdmdvs == Region || d.PayeeAdmdvs == Region).ToList();
        Deductions = (Region is null ? Statement.Deductions : Statement.Deductions?.Where(d => d.PayerAdmdvs == Region || d.PayeeAdmdvs == Region).ToList()) ?? [];
        LinePage = Math.Clamp(int.TryParse(Request.Query["page"], out var page) ? page : 1, 1, LinePages);
        VersusDashboard = await ClearingVersusDashboard.CompareAsync(database, Statement, Region, HttpContext.RequestAborted);
    }

    /// <summary>Why the clearing and the dashboard differ for the month, in one sentence: the reversals that cross a month's end.</summary>
    public string? DashboardDifferenceText
    {
        get
        {
            if (VersusDashboard is not { } v) return null;
            var (earlier, later, difference) = (v.EarlierReversedThisMonth, v.ThisMonthReversedLater, v.Difference);
            if (difference.IsZero && earlier.IsZero && later.IsZero) return "本月清算与看板一致：没有跨月撤销的结算。";
            var reasons = new List<string>();
            if (earlier.Count > 0)
                reasons.Add($"本月撤销了 {earlier.Count} 笔以前月份的结算（合计 {earlier.MedfeeSumamt:N2} 元，其中基金支付 {earlier.FundPaySumamt:N2} 元），"
                            + "清算在撤销的本月冲减，看板按结算时间不计入本月");
            if (later.Count > 0)
                reasons.Add($"另有 {later.Count} 笔本月结算在以后月份被撤销（合计 {later.MedfeeSumamt:N2} 元，其中基金支付 {later.FundPaySumamt:N2} 元），"
                            + "看板已不计，清算仍计入本月、在撤销的月份冲减");
            if (!v.Unexplained.IsZero)
                reasons.Add($"其余 {Math.Abs(v.Unexplained.MedfeeSumamt):N2} 元不能由跨月撤销解释：清算单计算之后数据有变，请重新计算本月清算后核对");
            var direction = difference.MedfeeSumamt < 0 ? "少" : "多";
            return $"与看板相差 {Math.Abs(difference.MedfeeSumamt):N2} 元（清算比看板{direction}）：{string.Join("；", reasons)}。";
        }
    }

    /// <summary>The dashboard for the whole month shown, with the region the comparison is for (an agency's is forced there anyway).</summary>
    public string DashboardLink
    {
        get
        {
            var first = MonthlyClearing.ParseMonth(Statement!.Month);
            return "/dashboard" + DashboardScope.Query(("from", first.ToText()), ("to", first.AddMonths(1).AddDays(-1).ToText()),
                ("home", ForcedRegion is null ? Region : null));
        }
    }

    /// <summary>The funds each line's, each total's and each region's fund pay is split into, in this order on the page.</summary>
    public static readonly string[] FundHeadings = ["统筹基金", "大额补助", "大病保险", "医疗救助"];

    /// <summary>An amount by fund as shown: a dash where the statement has no split by fund.</summary>
    public string ByFund(decimal amount) =>
        Statement?.FundSplit == MonthlyClearing.SplitUnavailable ? "—" : amount.ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>Where the amounts by fund of a statement stored before it had them come from, or null for one computed with them.</summary>
    public string? FundSplitNote => Statement?.FundSplit switch
    {
        MonthlyClearing.SplitDerived => "本清算单保存于按基金分列之前，各基金金额由本月结算逐条推算（与清算单每条明细的人次和金额一致），清算单本身未改动。",
        MonthlyClearing.SplitUnavailable => "本清算单保存于按基金分列之前，且本月结算已与清算单不一致，各基金金额无法推算（显示为 —）；清算单本身未改动。",
        _ => null,
    };

    public string StatusName => Statement?.Status switch
    {
        MonthlyClearing.Confirmed => "已确认（已冻结）",
        MonthlyClearing.Computed => "已计算，待确认",
        _ => MonthEnded ? "未计算（以下为即时预览）" : "本月未结束（以下为即时预览）",
    };

    public string StatusClass => Statement?.Status switch
    {
        MonthlyClearing.Confirmed => "ok",
        MonthlyClearing.Computed => "notice",
        _ => "tag",
    };

    public string RegionName(string admdvs) => Regions.FirstOrDefault(r => r.Admdvs == admdvs)?.Name ?? admdvs;

    public string Link(string? handler = null, int? page = null) =>
        "/dashboard/clearing" + DashboardScope.Query(("month", Month), ("region", ForcedRegion is null ? Region : null), ("handler", handler),
            ("page", page is null or 1 ? null : page.Value.ToString(CultureInfo.InvariantCulture)));
}
