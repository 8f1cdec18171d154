using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// Reconciliation with a hospital (对账): 3201 compares totals, 3202 compares row by row. Counts and sums are net of
/// reversals: a reversal is a row of its own with negative amounts and counts minus one.
/// </summary>
public static class Reconcile
{
    private sealed class Totals
    {
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }
        public long Acct { get; set; }
    }

    public static async Task<object?> TotalsAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("data", orSelf: true);
        var insutype = data.Text("insutype");
        var clrType = data.Text("clr_type");
        if (clrType is not ("11" or "21")) throw new Refusal($"清算类别 clr_type “{clrType}” 应为 11（门诊）或 21（住院）");
        var setlOptins = data.Text("setl_optins");
        var (begin, end) = Period(data);
        var hospital = new
        {
            medfee = data.Decimal("medfee_sumamt"),
            fund = data.Decimal("fund_pay_sumamt"),
            acct = data.Decimal("acct_pay"),
            count = data.Count("fixmedins_setl_cnt"),
        };

        var platform = await ctx.Db.FirstOrDefaultAsync<Totals>(
            """
            SELECT COALESCE(SUM(CASE WHEN kind = 'settle' THEN 1 ELSE -1 END), 0) AS n,
                   CAST(COALESCE(SUM(medfee_fen), 0) AS BIGINT) AS medfee, CAST(COALESCE(SUM(fund_pay_fen), 0) AS BIGINT) AS fund,
                   CAST(COALESCE(SUM(acct_pay_fen), 0) AS BIGINT) AS acct
            FROM settlements
            WHERE fixmedins_code = @fixmedinsCode AND insutype = @insutype AND clr_type = @clrType AND insuplc_admdvs = @setlOptins
              AND setl_time >= @from AND setl_time < @to
            """,
            new { fixmedinsCode = ctx.FixmedinsCode, insutype, clrType, setlOptins, from = begin.ToText(), to = end.AddDays(1).ToText() }) ?? new Totals();

        var differences = new List<string>();
        void Compare(string what, decimal theirs, decimal ours)
        {
            if (theirs != ours) differences.Add($"{what}：医院 {theirs:0.00}，平台 {ours:0.00}");
        }
        Compare("医疗费总额", hospital.medfee, Money.FromFen(platform.Medfee));
        Compare("基金支付总额", hospital.fund, Money.FromFen(platform.Fund));
        Compare("个人账户支出", hospital.acct, Money.FromFen(platform.Acct));
        if (hospital.count != platform.N) differences.Add($"结算笔数：医院 {hospital.count}，平台 {platform.N}");

        var scope = $"{begin.ToText()} 至 {end.ToText()}，险种 {insutype}，{(clrType == "11" ? "门诊" : "住院")}，清算机构 {setlOptins}";
        return new
        {
            stmtinfo = new
            {
                setl_optins = setlOptins,
                stmt_rslt = differences.Count == 0 ? "0" : "1",
                stmt_rslt_dscr = differences.Count == 0 ? $"对账平衡（{scope}，{platform.N} 笔）" : $"对账不平（{scope}）：{string.Join("；", differences)}",
            },
            platform = new
            {
                medfee_sumamt = Money.FromFen(platform.Medfee),
                fund_pay_sumamt = Money.FromFen(platform.Fund),
                acct_pay = Money.FromFen(platform.Acct),
                fixmedins_setl_cnt = platform.N,
            },
        };
    }

    private sealed record Detail(string SetlId, string MdtrtId, string PsnNo, decimal Medfee, decimal Fund, decimal Acct, string RefdSetlFlag);

    public static async Task<object?> DetailsAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("data", orSelf: true);
        var (begin, end) = Period(data);
        var setlOptins = data.OptionalText("setl_optins");
        var clrType = data.OptionalText("clr_type");
        var insutype = data.OptionalText("insutype");
        var details = Details(data);

        var filter = (setlOptins is null ? "" : " AND insuplc_admdvs = @setlOptins") + (clrType is null ? "" : " AND clr_type = @clrType")
                     + (insutype is null ? "" : " AND insutype = @insutype");
        var platform = (await ctx.Db.QueryAsync<SettlementRow>(
            $"SELECT * FROM settlements WHERE fixmedins_code = @fixmedinsCode AND setl_time >= @from AND setl_time < @to{filter} ORDER BY setl_time, setl_id",
            new { fixmedinsCode = ctx.FixmedinsCode, from = begin.ToText(), to = end.AddDays(1).ToText(), setlOptins, clrType, insutype }))
            .ToDictionary(s => s.SetlId);

        var mismatches = new List<object>();
        var matched = 0;
        foreach (var d in details)
        {
            if (!platform.TryGetValue(d.SetlId, out var s))
            {
                mismatches.Add(Row(d.SetlId, d.MdtrtId, d.PsnNo, d.RefdSetlFlag, "hospital_only", "医院有、平台无：本期平台没有这笔结算"));
                continue;
            }
            var differences = new List<string>();
            void Compare(string what, decimal theirs, long oursFen)
            {
                if (theirs != Money.FromFen(oursFen)) differences.Add($"{what} 医院 {theirs:0.00} 平台 {Money.FromFen(oursFen):0.00}");
            }
            Compare("医疗费总额", d.Medfee, s.MedfeeFen);
            Compare("基金支付", d.Fund, s.FundPayFen);
            Compare("个人账户", d.Acct, s.AcctPayFen);
            var refd = s.Kind == "reversal" ? "1" : "0";
            if (d.RefdSetlFlag != refd) differences.Add($"退费标志 医院 {d.RefdSetlFlag} 平台 {refd}");
            if (differences.Count == 0) matched++;
            else mismatches.Add(Row(s.SetlId, s.MdtrtId, s.PsnNo, refd, "amount_differs", "金额不符：" + string.Join("，", differences)));
        }
        var theirs = details.Select(d => d.SetlId).ToHashSet();
        foreach (var s in platform.Values.Where(s => !theirs.Contains(s.SetlId)))
            mismatches.Add(Row(s.SetlId, s.MdtrtId, s.PsnNo, s.Kind == "reversal" ? "1" : "0", "platform_only", "平台有、医院无：医院明细中缺少这笔结算"));

        return new
        {
            stmt_rslt = mismatches.Count == 0 ? "0" : "1",
            stmt_rslt_dscr = mismatches.Count == 0
                ? $"明细对账平衡：{matched} 笔全部一致"
                : $"明细对账不平：一致 {matched} 笔，不一致 {mismatches.Count} 笔",
            platform_cnt = platform.Count,
            hospital_cnt = details.Count,
            matched_cnt = matched,
            result = mismatches,
        };
    }

    private static object Row(string setlId, string mdtrtId, string psnNo, string refdSetlFlag, string kind, string memo) =>
        new { setl_id = setlId, mdtrt_id = mdtrtId, psn_no = psnNo, refd_setl_flag = refdSetlFlag, stmt_rslt = "1", mismatch = kind, memo };

    private static List<Detail> Details(Input data)
    {
        if (data.Element.ValueKind != JsonValueKind.Object || !data.Element.TryGetProperty("details", out var node) || node.ValueKind != JsonValueKind.Array)
            throw new Refusal($"缺少输入节点 {data.Path}.details（医院的结算明细数组，可为空数组）");
        var details = new List<Detail>();
        var index = 0;
        foreach (var item in node.EnumerateArray())
        {
            var row = new Input(item, $"{data.Path}.details[{index++}]");
            details.Add(new Detail(row.Text("setl_id"), row.OptionalText("mdtrt_id") ?? "", row.OptionalText("psn_no") ?? "",
                row.Decimal("medfee_sumamt"), row.Decimal("fund_pay_sumamt"), row.OptionalDecimal("acct_pay") ?? 0m,
                row.OptionalText("refd_setl_flag") ?? "0"));
        }
        var repeated = details.GroupBy(d => d.SetlId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new Refusal($"明细中结算ID重复：{string.Join("、", repeated)}");
        return details;
    }

    private static (DateOnly Begin, DateOnly End) Period(Input data)
    {
        var begin = data.Date("stmt_begndate");
        var end = data.Date("stmt_enddate");
        if (end < begin) throw new Refusal($"对账结束日期 {end.ToText()} 早于开始日期 {begin.ToText()}");
        if (end.DayNumber - begin.DayNumber > 366) throw new Refusal("对账期间不能超过一年");
        return (begin, end);
    }
}
