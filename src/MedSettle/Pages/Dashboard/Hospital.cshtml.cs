using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>Drill-down to one hospital: its settlements in the period, 50 a page (an agency sees only its own insured).</summary>
public sealed class HospitalModel(Database database, PlatformClock clock) : PageModel
{
    public const int PageSize = 50;

    public sealed class Row
    {
        public string SetlId { get; set; } = "";
        public string SetlTime { get; set; } = "";
        public string? ReversedBy { get; set; }
        public byte[]? PsnNameEnc { get; set; }
        public byte[]? CertnoEnc { get; set; }
        public string MaskedName => PersonName.Mask(PersonalData.Open(PsnNameEnc));
        public string MaskedCertno => IdentityNumber.Mask(PersonalData.Open(CertnoEnc));
        public string Insutype { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string HomeName { get; set; } = "";
        public string MedType { get; set; } = "";
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }
        public long AcctPayFen { get; set; }
        public long PsnCashFen { get; set; }
    }

    public sealed class Summary
    {
        public long Total { get; set; }
        public long Standing { get; set; }
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }
        public long AcctPayFen { get; set; }
        public long PsnCashFen { get; set; }
    }

    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Home { get; set; }
    /// <summary>From ?page= (read by hand: "page" is also the route value naming the Razor page).</summary>
    public int PageNumber { get; private set; } = 1;

    public string? FromError { get; private set; }
    public string? ToError { get; private set; }
    public string? ForcedHome { get; private set; }
    public HospitalRow Hospital { get; private set; } = null!;
    public string AreaName { get; private set; } = "";
    public string? HomeName { get; private set; }
    public Summary Totals { get; private set; } = new();
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public int Pages => (int)Math.Max(1, (Totals.Total + PageSize - 1) / PageSize);

    public async Task<IActionResult> OnGetAsync(string code)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        ForcedHome = DashboardScope.ForcedHome(User);
        var today = clock.Today;
        var from = DashboardScope.ParseDate(From, new DateOnly(today.Year, today.Month, 1), "开始日期", out var fromError);
        var to = DashboardScope.ParseDate(To, today, "结束日期", out var toError);
        FromError = fromError;
        ToError = toError ?? (to < from ? "结束日期不能早于开始日期" : null);
        // a value that could not be read stays in its field, next to its message, for the user to correct
        From = FromError is null ? from.ToText() : From;
        To = ToError is null ? to.ToText() : To;
        Home = ForcedHome ?? (string.IsNullOrWhiteSpace(Home) ? null : Home.Trim());
        PageNumber = int.TryParse(Request.Query["page"], out var page) && page > 0 ? page : 1;

        var hospital = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<HospitalRow>("SELECT * FROM hospitals WHERE fixmedins_code = @code", new { code }));
        if (hospital is null) return NotFound();
        Hospital = hospital;
        var regions = (await DashboardScope.RegionsAsync(database)).ToDictionary(r => r.Admdvs, r => r.Name);
        AreaName = regions.GetValueOrDefault(hospital.Admdvs, hospital.Admdvs);
        HomeName = Home is null ? null : regions.GetValueOrDefault(Home, Home);
        if (FromError is not null || ToError is not null) return Page();

        var where = "s.fixmedins_code = @code AND s.kind = 'settle' AND s.setl_time >= @from AND s.setl_time < @to"
                    + (Home is null ? "" : " AND s.insuplc_admdvs = @home");
        var p = new { code, from = From, to = to.AddDays(1).ToText(), home = Home, limit = PageSize, offset = 0 };
        Totals = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<Summary>(
            $"""
            SELECT COUNT(*) AS total,
                   SUM(CASE WHEN s.reversed_by IS NULL THEN 1 ELSE 0 END) AS standing,
                   CAST(COALESCE(SUM(CASE WHEN s.reversed_by IS NULL THEN s.medfee_fen END), 0) AS BIGINT) AS medfee_fen,
                   CAST(COALESCE(SUM(CASE WHEN s.reversed_by IS NULL THEN s.fund_pay_fen END), 0) AS BIGINT) AS fund_pay_fen,
                   CAST(COALESCE(SUM(CASE WHEN s.reversed_by IS NULL THEN s.acct_pay_fen END), 0) AS BIGINT) AS acct_pay_fen,
                   CAST(COALESCE(SUM(CASE WHEN s.reversed_by IS NULL THEN s.psn_cash_fen END), 0) AS BIGINT) AS psn_cash_fen
            FROM settlements s WHERE {where}
            """, p)) ?? new Summary();
        if (PageNumber > Pages) PageNumber = Pages;
        Rows = (await database.ReadAsync(unit => unit.QueryAsync<Row>(
            $"""
            SELECT s.setl_id, s.setl_time, s.reversed_by, p.psn_name_enc, p.certno_enc, s.insutype, s.insuplc_admdvs, COALESCE(r.name, s.insuplc_admdvs) AS home_name,
                   s.med_type, s.medfee_fen, s.fund_pay_fen, s.acct_pay_fen, s.psn_cash_fen
            FROM settlements s
            LEFT JOIN persons p ON p.insuplc_admdvs = s.insuplc_admdvs AND p.psn_no = s.psn_no AND p.insutype = s.insutype
            LEFT JOIN regions r ON r.admdvs = s.insuplc_admdvs
            WHERE {where}
            ORDER BY s.setl_time DESC, s.setl_id DESC
            LIMIT @limit OFFSET @offset
            """, p with { offset = (PageNumber - 1) * PageSize }))).ToList();
        return Page();
    }

    public static decimal M(long fen) => Money.FromFen(fen);

    public string PageLink(int page) =>
        $"/dashboard/hospital/{Uri.EscapeDataString(Hospital.FixmedinsCode)}" + DashboardScope.Query(("from", From), ("to", To), ("home", ForcedHome is null ? Home : null), ("page", page == 1 ? null : page.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public string BackLink =>
        "/dashboard" + DashboardScope.Query(("from", From), ("to", To), ("home", ForcedHome is null ? Home : null), ("hospital", Hospital.FixmedinsCode));
}
