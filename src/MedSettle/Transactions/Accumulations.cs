using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 5206 人员累计信息查询: what a person has used this year, the numbers a patient asks about at the window, from the year's
/// accumulators (<c>year_accumulators</c>, which every settlement adds to and every reversal takes back): the deductible met
/// and the basic fund's pay, and for each supplementary fund that applies to the person (DESIGN.md rules 11–13) its
/// cumulative base and pay. Only for a person the hospital is treating (a filing or a visit there); any other psn_no is
/// refused alike, whether or not such a person exists. The answer names no one.
/// </summary>
public static class Accumulations
{
    /// <summary>
    /// The cumulative type codes answered (累计类别代码, ≤ 10 characters), as HIS clients read them: Q0000 for the deductible,
    /// D + the fund's code for what a fund paid (D310101 职工统筹, D390101 居民统筹, D330101 大额, D390201 大病, D610101 医疗救助)
    /// and TS + the fund's code for a supplementary fund's cumulative base (TS390201 大病合规费用; TS330101 and TS610101 by
    /// the same pattern). 1901 lists them under the type cum_type_code.
    /// </summary>
    public static readonly IReadOnlyList<(string Code, string Name)> Types =
    [
        (Deductible, "起付线累计（本年度已支付的起付线）"),
        (EmployeeFund, "职工基本医疗保险统筹基金支付累计"),
        (ResidentFund, "城乡居民基本医疗保险统筹基金支付累计"),
        (HifobBase, "职工大额医疗费用补助基金合规费用累计"),
        (HifobPaid, "职工大额医疗费用补助基金支付累计"),
        (HifmiBase, "城乡居民大病保险合规费用累计"),
        (HifmiPaid, "城乡居民大病保险资金支付累计"),
        (MafBase, "医疗救助合规费用累计"),
        (MafPaid, "医疗救助基金支付累计"),
    ];

    private const string Deductible = "Q0000", EmployeeFund = "D310101", ResidentFund = "D390101";
    private const string HifobBase = "TS330101", HifobPaid = "D330101", HifmiBase = "TS390201", HifmiPaid = "D390201", MafBase = "TS610101", MafPaid = "D610101";

    public static async Task<object?> QueryAsync(TransactionContext ctx, AccumulationQuery query)
    {
        var psnNo = query.PsnNo;
        if (!await PersonInfo.IsInFrontOfAsync(ctx, psnNo))
            throw new Refusal($"未查询到人员编号 {psnNo} 在本机构的备案或就诊：人员累计信息只提供给为该人员备案或接诊的机构")
                { Code = RefusalCode.NotFound, Value = psnNo };
        var today = DateOnly.FromDateTime(ctx.Now);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var month = query.Month ?? thisMonth;
        if (month > thisMonth)
            throw new Refusal($"累计年月 cum_ym {month:yyyyMM} 晚于当前月份 {thisMonth:yyyyMM}") { Code = RefusalCode.InTheFuture, Value = month.ToString("yyyyMM", CultureInfo.InvariantCulture) };
        // The year's totals so far (the platform keeps a year's, not a month's): for a past year, all of it.
        var year = month.Year;
        var day = year == today.Year ? today : new DateOnly(year, 12, 31);
        var cumYm = month.ToString("yyyyMM", CultureInfo.InvariantCulture);

        var cuminfo = new List<object>();
        foreach (var person in await ctx.Db.QueryAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo ORDER BY insutype", new { psnNo }))
        {
            var totals = await ctx.Db.FirstOrDefaultAsync<AccumulatorRow>(
                "SELECT * FROM year_accumulators WHERE insuplc_admdvs = @InsuplcAdmdvs AND psn_no = @PsnNo AND insutype = @Insutype AND year = @year",
                new { person.InsuplcAdmdvs, person.PsnNo, person.Insutype, year }) ?? new AccumulatorRow();
            var (hifob, hifmi, maf) = Settle.RulesOf(person.Insutype, person.AssistanceType, await Supplements.VersionsAsync(ctx.Db, person.InsuplcAdmdvs), day);

            void Add(string code, long fen) => cuminfo.Add(new { insutype = person.Insutype, year = year.ToString(CultureInfo.InvariantCulture), cum_ym = cumYm,
                cum_type_code = code, cum = Money.FromFen(fen) });
            void AddFund(bool applies, string baseCode, long baseFen, string paidCode, long paidFen)
            {
                if (!applies && baseFen == 0 && paidFen == 0) return;
                Add(baseCode, baseFen);
                Add(paidCode, paidFen);
            }

            Add(Deductible, totals.DedcOutpatientFen + totals.DedcInpatientFen);
            Add(person.Insutype == "310" ? EmployeeFund : ResidentFund, totals.HifpPaidFen);
            AddFund(hifob is not null, HifobBase, totals.HifobBaseFen, HifobPaid, totals.HifobPaidFen);
            AddFund(hifmi is not null, HifmiBase, totals.HifmiBaseFen, HifmiPaid, totals.HifmiPaidFen);
            AddFund(maf is not null, MafBase, totals.MafBaseFen, MafPaid, totals.MafPaidFen);
        }
        return new { cuminfo };
    }
}
