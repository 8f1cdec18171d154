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

    public async Task<IActionResult> OnPostReconcileAsync(string insutype, string clrType, string setlOptins, decimal medfee, decimal fund, decimal acct, long count)
    {
        if (!await LoadAsync()) return Page();
        var reply = await client.CallAsync(User.Hospital()!, User.DisplayName(), "3201", new
        {
            data = new { insutype, clr_type = clrType, setl_optins = setlOptins, stmt_begndate = Day, stmt_enddate = Day,
                medfee_sumamt = medfee, fund_pay_sumamt = fund, acct_pay = acct, fixmedins_setl_cnt = count },
        });
        var key = $"{insutype}/{clrType}/{setlOptins}";
        Reconciled = reply.Ok
            ? new Result(key, reply.Output.GetProperty("stmtinfo").GetProperty("stmt_rslt").GetString() == "0",
                reply.Output.GetProperty("stmtinfo").GetProperty("stmt_rslt_dscr").GetString()!)
            : new Result(key, false, reply.Error ?? "", reply.Detail);
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
