using System.Globalization;
using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>Today's settlements at this hospital, and the day's reconciliation (3201) per scheme, type and home region.</summary>
[TotalsUploadLimit]
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

    public sealed class Region
    {
        public string Admdvs { get; set; } = "";
        public string Name { get; set; } = "";
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

    public sealed record Group(string Insutype, string ClrType, string SetlOptins, long Count, decimal Medfee, decimal Fund, decimal Acct)
    {
        public string Key => $"{Insutype}/{ClrType}/{SetlOptins}";
    }

    /// <summary>The outcome of one typed reconciliation, in the clerk's words; <see cref="Label"/> names the group.</summary>
    public sealed record Result(string Key, string Label, bool Balanced, string Description, string? Detail = null);

    /// <summary>One total the hospital and the platform disagree on.</summary>
    public sealed record Difference(string What, string Hospital, string Platform, string Gap)
    {
        public override string ToString() => $"{What}：医院 {Hospital}，平台 {Platform}，相差 {Gap}";
    }

    public enum Outcome { Balanced, Differs, PlatformOnly, FileOnly, Refused }

    /// <summary>One group of an imported file's reconciliation (or a group of the platform's the file lacks).</summary>
    public sealed record GroupOutcome(string Insutype, string ClrType, string SetlOptins, long? Line, Outcome Outcome, IReadOnlyList<Difference> Differences,
        Group? Platform, string? Refusal = null);

    [BindProperty(SupportsGet = true)] public string? Day { get; set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<Group> Groups { get; private set; } = [];
    public IReadOnlyList<VisitLine> Visits { get; private set; } = [];
    public Result? Reconciled { get; private set; }
    public string? DayError { get; private set; }

    /// <summary>The pooling regions' names by code.</summary>
    public IReadOnlyDictionary<string, string> Regions { get; private set; } = new Dictionary<string, string>();

    /// <summary>The region's name (长春市), or its code when the platform has no name for it.</summary>
    public string RegionName(string admdvs) => Regions.GetValueOrDefault(admdvs, admdvs);

    /// <summary>A group as the clerk reads it: 职工基本医疗保险 · 门诊 · 长春市.</summary>
    public string GroupLabel(string insutype, string clrType, string setlOptins) =>
        $"{Formats.InsutypeName(insutype)} · {HisTotalsFile.ClrTypeName(clrType)} · {RegionName(setlOptins)}";

    /// <summary>The imported file's reconciliation, group by group: the file's rows in order, then the platform's groups it lacks.</summary>
    public IReadOnlyList<GroupOutcome>? FileOutcomes { get; private set; }

    /// <summary>Why the file was refused (each problem by line and column), or that it was too large.</summary>
    public IReadOnlyList<string> FileProblems { get; private set; } = [];

    public string? FileName { get; private set; }

    public async Task OnGetAsync(long? tooLarge)
    {
        if (await LoadAsync() && tooLarge is { } bytes) FileProblems = [HisTotalsFile.TooLarge(bytes)];
    }

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
        var label = GroupLabel(insutype, clrType, setlOptins);
        Posted = new Typed(key, count, medfee, fund, acct);
        var fields = new (string Name, string? Value)[] { ("笔数", count), ("医疗费总额", medfee), ("基金支付", fund), ("个人账户", acct) };
        var missing = fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            Reconciled = new Result(key, label, false, $"请填写本院系统（HIS）的当日合计后再对账，未填写：{string.Join("、", missing)}");
            return Page();
        }
        var bad = fields.Where(f => f.Name == "笔数"
                ? !long.TryParse(f.Value!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                : !decimal.TryParse(f.Value!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            .Select(f => $"{f.Name}“{f.Value!.Trim()}”不是有效的{(f.Name == "笔数" ? "整数" : "金额（元）")}").ToList();
        if (bad.Count > 0)
        {
            Reconciled = new Result(key, label, false, string.Join("；", bad) + "，请核对后重新填写");
            return Page();
        }
        var typed = new HisTotals(0, insutype, clrType, setlOptins,
            long.Parse(count!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            decimal.Parse(medfee!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            decimal.Parse(fund!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            decimal.Parse(acct!.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
        var (differences, platform, refusal, detail) = await ReconcileAsync(typed);
        Reconciled = refusal is not null ? new Result(key, label, false, refusal, detail)
            : differences.Count == 0 ? new Result(key, label, true, $"对账平衡：{platform!.Count} 笔，医疗费总额、基金支付、个人账户与平台一致")
            : new Result(key, label, false, $"对账不平，{differences.Count} 项合计不一致：{string.Join("；", differences)}");
        return Page();
    }

    /// <summary>
    /// 对总账 from the file the hospital's system exported: the whole file is read and checked first (a bad one is
    /// refused by line and column, nothing reconciled), then every row goes through 3201 as the form's do, and the
    /// result names each group's outcome, the platform's groups the file lacks and the file's the platform has none of.
    /// </summary>
    public async Task<IActionResult> OnPostImportAsync(IFormFile? file)
    {
        if (!await LoadAsync()) return Page();
        FileName = file?.FileName;
        if (file is null || file.Length == 0)
        {
            FileProblems = ["请选择本院系统（HIS）导出的当日对总账文件（CSV）后再导入"];
            return Page();
        }
        if (file.Length > HisTotalsFile.MaxBytes)
        {
            FileProblems = [HisTotalsFile.TooLarge(file.Length)];
            return Page();
        }
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(bytes);
        var (rows, problems) = HisTotalsFile.Read(bytes, Day!, Regions);
        if (problems.Count > 0)
        {
            FileProblems = problems;
            return Page();
        }
        var outcomes = new List<GroupOutcome>();
        var platformGroups = Groups.ToDictionary(g => g.Key);
        foreach (var row in rows)
        {
            var (differences, _, refusal, _) = await ReconcileAsync(row);
            var ours = platformGroups.GetValueOrDefault(row.Key);
            outcomes.Add(new GroupOutcome(row.Insutype, row.ClrType, row.SetlOptins, row.Line,
                refusal is not null ? Outcome.Refused : ours is null ? Outcome.FileOnly : differences.Count == 0 ? Outcome.Balanced : Outcome.Differs,
                differences, ours, refusal));
        }
        var inFile = rows.Select(r => r.Key).ToHashSet();
        outcomes.AddRange(Groups.Where(g => !inFile.Contains(g.Key))
            .Select(g => new GroupOutcome(g.Insutype, g.ClrType, g.SetlOptins, null, Outcome.PlatformOnly, [], g)));
        FileOutcomes = outcomes;
        return Page();
    }

    /// <summary>
    /// One group through 3201, as a HIS would send it: the totals that differ (hospital, platform, gap), the platform's
    /// totals, or the refusal in the clerk's words (with the platform's own text).
    /// </summary>
    private async Task<(IReadOnlyList<Difference> Differences, Group? Platform, string? Refusal, string? Detail)> ReconcileAsync(HisTotals hospital)
    {
        var reply = await client.CallAsync(User.Hospital()!, User.DisplayName(), "3201", new
        {
            data = new { insutype = hospital.Insutype, clr_type = hospital.ClrType, setl_optins = hospital.SetlOptins, stmt_begndate = Day, stmt_enddate = Day,
                medfee_sumamt = hospital.Medfee, fund_pay_sumamt = hospital.Fund, acct_pay = hospital.Acct, fixmedins_setl_cnt = hospital.Count },
        });
        if (!reply.Ok) return ([], null, reply.Error ?? "", reply.Detail);
        var platform = reply.Output.GetProperty("platform");
        var ours = new Group(hospital.Insutype, hospital.ClrType, hospital.SetlOptins, platform.GetProperty("fixmedins_setl_cnt").GetInt64(),
            platform.GetProperty("medfee_sumamt").GetDecimal(), platform.GetProperty("fund_pay_sumamt").GetDecimal(), platform.GetProperty("acct_pay").GetDecimal());
        var differences = new List<Difference>();
        if (hospital.Count != ours.Count)
            differences.Add(new Difference("结算笔数", $"{hospital.Count}", $"{ours.Count}", $"{hospital.Count - ours.Count}"));
        void Compare(string what, decimal theirs, decimal mine)
        {
            if (theirs != mine) differences.Add(new Difference(what, $"{theirs:0.00}", $"{mine:0.00}", $"{theirs - mine:0.00}"));
        }
        Compare("医疗费总额", hospital.Medfee, ours.Medfee);
        Compare("基金支付", hospital.Fund, ours.Fund);
        Compare("个人账户", hospital.Acct, ours.Acct);
        return (differences, ours, null, null);
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
        Regions = (await database.ReadAsync(unit => unit.QueryAsync<Region>("SELECT admdvs, name FROM regions")))
            .ToDictionary(r => r.Admdvs, r => r.Name, StringComparer.Ordinal);
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
