using System.Globalization;
using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>Today's settlements at this hospital, and the day's reconciliation (3201) per scheme, type and home region.</summary>
public sealed class TodayModel(WindowClient client, Database database, PlatformClock clock) : PageModel
{
    public sealed class Row
    {
        public string SetlId { get; set; } = "";
        public string Kind { get; set; } = "";
        public string? OrigSetlId { get; set; }
        public string SetlTime { get; set; } = "";
        public byte[]? PsnNameEnc { get; set; }
        public string MaskedName => PersonName.Mask(PersonalData.Open(PsnNameEnc));
        public string Insutype { get; set; } = "";
        public string ClrType { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }
        public long AcctPayFen { get; set; }
        public long PsnCashFen { get; set; }
    }

    /// <summary>A visit registered or begun on the day, with what it has come to.</summary>
    public sealed class VisitLine
    {
        public string MdtrtId { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Begntime { get; set; } = "";
        public string? Endtime { get; set; }
        public string? CancelledAt { get; set; }
        public byte[]? PsnNameEnc { get; set; }
        public string MaskedName => PersonName.Mask(PersonalData.Open(PsnNameEnc));
        public long FinalSettlements { get; set; }
        public long MidSettlements { get; set; }
        public bool Inpatient => Kind == "inpatient";

        /// <summary>The visit's state in the clerk's words: 已撤销, 已结算, 已出院, 已入院（已中途结算）, 已入院 or 已挂号.</summary>
        public string State => CancelledAt is not null ? (Inpatient ? "已撤销入院" : "已撤销挂号")
            : FinalSettlements > 0 ? "已结算"
            : !Inpatient ? "已挂号"
            : Endtime is not null ? "已出院"
            : MidSettlements > 0 ? "已入院（已中途结算）"
            : "已入院";

        public string StateClass => CancelledAt is not null ? "state-cancelled" : FinalSettlements > 0 ? "state-settled" : "state-open";
    }

    public sealed record Group(string Insutype, string ClrType, string SetlOptins, long Count, decimal Medfee, decimal Fund, decimal Acct);

    public sealed record Result(string Key, bool Balanced, string Description, string? Detail = null);

    [BindProperty(SupportsGet = true)] public string? Day { get; set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<Group> Groups { get; private set; } = [];
    public IReadOnlyList<VisitLine> Visits { get; private set; } = [];
    public Result? Reconciled { get; private set; }
    public string? DayError { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    /// <summary>The figures the clerk typed for one group (from the hospital's own system), shown again with the result.</summary>
    public sealed record Typed(string Key, string? Count, string? Medfee, string? Fund, string? Acct);

    public Typed? Posted { get; private set; }

    /// <summary>
    /// 对总账 (3201) with the hospital's own day totals: every figure must be typed (the form never offers the platform's
    /// own, which would always balance), and a difference names each total that differs, with both figures and the gap.
    /// </summary>
    public async Task<IActionResult> OnPostReconcileAsync(string insutype, string clrType, string setlOptins, string? medfee, string? fund, string? acct, string? count)
    {
        if (!await LoadAsync()) return Page();
        var key = $"{insutype}/{clrType}/{setlOptins}";
        Posted = new Typed(key, count, medfee, fund, acct);
        var fields = new (string Name, string? Value)[] { ("笔数", count), ("医疗费总额", medfee), ("基金支付", fund), ("个人账户", acct) };
        var missing = fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            Reconciled = new Result(key, false, $"请填写本院系统（HIS）的当日合计后再对账，未填写：{string.Join("、", missing)}");
            return Page();
        }
        var bad = fields.Where(f => f.Name == "笔数"
                ? !long.TryParse(f.Value!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                : !decimal.TryParse(f.Value!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            .Select(f => $"{f.Name}“{f.Value!.Trim()}”不是有效的{(f.Name == "笔数" ? "整数" : "金额（元）")}").ToList();
        if (bad.Count > 0)
        {
            Reconciled = new Result(key, false, string.Join("；", bad) + "，请核对后重新填写");
            return Page();
        }
        var typed = new
        {
            count = long.Parse(count!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            medfee = decimal.Parse(medfee!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            fund = decimal.Parse(fund!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            acct = decimal.Parse(acct!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
        };
        var reply = await client.CallAsync(User.Hospital()!, User.DisplayName(), "3201", new
        {
            data = new { insutype, clr_type = clrType, setl_optins = setlOptins, stmt_begndate = Day, stmt_enddate = Day,
                medfee_sumamt = typed.medfee, fund_pay_sumamt = typed.fund, acct_pay = typed.acct, fixmedins_setl_cnt = typed.count },
        });
        if (!reply.Ok)
        {
            Reconciled = new Result(key, false, reply.Error ?? "", reply.Detail);
            return Page();
        }
        var info = reply.Output.GetProperty("stmtinfo");
        if (info.GetProperty("stmt_rslt").GetString() == "0")
        {
            Reconciled = new Result(key, true, info.GetProperty("stmt_rslt_dscr").GetString()!);
            return Page();
        }
        var platform = reply.Output.GetProperty("platform");
        var differences = new List<string>();
        void Compare(string what, decimal hospital, decimal ours)
        {
            if (hospital != ours) differences.Add($"{what}：医院 {hospital:0.00}，平台 {ours:0.00}，相差 {hospital - ours:0.00}");
        }
        var platformCount = platform.GetProperty("fixmedins_setl_cnt").GetInt64();
        if (typed.count != platformCount) differences.Add($"结算笔数：医院 {typed.count}，平台 {platformCount}，相差 {typed.count - platformCount}");
        Compare("医疗费总额", typed.medfee, platform.GetProperty("medfee_sumamt").GetDecimal());
        Compare("基金支付", typed.fund, platform.GetProperty("fund_pay_sumamt").GetDecimal());
        Compare("个人账户", typed.acct, platform.GetProperty("acct_pay").GetDecimal());
        Reconciled = new Result(key, false, $"对账不平，{differences.Count} 项合计不一致：{string.Join("；", differences)}", info.GetProperty("stmt_rslt_dscr").GetString());
        return Page();
    }

    /// <summary>Loads the day's settlements; false (with <see cref="DayError"/>) when the day is not a date.</summary>
    private async Task<bool> LoadAsync()
    {
        Day = string.IsNullOrWhiteSpace(Day) ? clock.Today.ToText() : Day.Trim();
        if (!DateOnly.TryParseExact(Day, Formats.Date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            DayError = $"日期“{Day}”无法识别，请按“年-月-日”填写（如 {clock.Today.ToText()}）或在日期框中选择。";
            return false;
        }
        var hospital = User.Hospital();
        Rows = (await database.ReadAsync(unit => unit.QueryAsync<Row>(
            """
            SELECT s.setl_id, s.kind, s.orig_setl_id, s.setl_time, p.psn_name_enc, s.insutype, s.clr_type, s.insuplc_admdvs,
                   s.medfee_fen, s.fund_pay_fen, s.acct_pay_fen, s.psn_cash_fen
            FROM settlements s JOIN persons p ON p.insuplc_admdvs = s.insuplc_admdvs AND p.psn_no = s.psn_no AND p.insutype = s.insutype
            WHERE s.fixmedins_code = @hospital AND s.setl_time >= @from AND s.setl_time < @to
            ORDER BY s.setl_time DESC
            """, new { hospital, from = Day, to = day.AddDays(1).ToText() }))).ToList();
        Visits = (await database.ReadAsync(unit => unit.QueryAsync<VisitLine>(
            $"""
            SELECT v.mdtrt_id, v.kind, v.begntime, v.endtime, v.cancelled_at, p.psn_name_enc,
                   (SELECT COUNT(*) FROM settlements s WHERE {MedSettle.Transactions.Visits.FinalSettlementOf("v.mdtrt_id")}) AS final_settlements,
                   (SELECT COUNT(*) FROM settlements s WHERE {MedSettle.Transactions.Visits.StandingSettlementOf("v.mdtrt_id")} AND s.mid_setl_flag = '1') AS mid_settlements
            FROM visits v JOIN persons p ON p.insuplc_admdvs = v.insuplc_admdvs AND p.psn_no = v.psn_no AND p.insutype = v.insutype
            WHERE v.fixmedins_code = @hospital AND ((v.begntime >= @from AND v.begntime < @to) OR (v.created_at >= @from AND v.created_at < @to))
            ORDER BY v.begntime DESC, v.mdtrt_id DESC
            """, new { hospital, from = Day, to = day.AddDays(1).ToText() }))).ToList();
        Groups = Rows.GroupBy(r => (r.Insutype, r.ClrType, r.InsuplcAdmdvs)).OrderBy(g => g.Key)
            .Select(g => new Group(g.Key.Insutype, g.Key.ClrType, g.Key.InsuplcAdmdvs, g.Sum(r => r.Kind == "settle" ? 1 : -1),
                Money.FromFen(g.Sum(r => r.MedfeeFen)), Money.FromFen(g.Sum(r => r.FundPayFen)), Money.FromFen(g.Sum(r => r.AcctPayFen)))).ToList();
        return true;
    }
}
