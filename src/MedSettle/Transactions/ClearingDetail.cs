using System.Globalization;
using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// The treating side's monthly clearing detail: 3260 pulls a month's cross-region settlements at this hospital, 100 rows
/// a page, each with what the home region owes for it (optins_pay_sumamt) and who owes it: each fund (hifp_pay, hifob_pay,
/// hifmi_pay, maf_pay; together fund_pay_sumamt) and the personal account (acct_pay); 3261 confirms (cnfm_flag 1) or
/// disputes (cnfm_flag 0) them. Disputed rows appear in the clearing statement. The month's supervision deductions at the
/// hospital are rows too (spvs_dedu_flag 1): docs/SUPERVISION.md "The clearing line and the 3260 row".
/// </summary>
public static class ClearingDetail
{
    public const int PageSize = 100;

    private sealed class DetailRow
    {
        public string SetlId { get; set; } = "";
        public string MdtrtareaAdmvs { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public byte[]? CertnoEnc { get; set; }
        public string MdtrtId { get; set; } = "";
        public string SetlTime { get; set; } = "";
        public string Kind { get; set; } = "";
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }
        public long HifpFen { get; set; }
        public long HifobFen { get; set; }
        public long HifmiFen { get; set; }
        public long MafFen { get; set; }
        public long AcctPayFen { get; set; }
        public string? CnfmFlag { get; set; }
        public string? CaseId { get; set; }
    }

    /// <summary>
    /// The month's rows: its settlements and reversals at the hospital, and its supervision deductions (事后审核 扣款, a row
    /// with the settlement's setl_sn and the deduction's time, negative amounts) and their refunds (positive), one query so that
    /// paging and totalrow count both.
    /// </summary>
    private const string MonthRows = $"""
        SELECT s.setl_id, s.mdtrtarea_admvs, s.fixmedins_code, p.certno_enc, s.mdtrt_id, s.setl_time, s.kind, s.medfee_fen, s.fund_pay_fen,
               s.hifp_fen, s.hifob_fen, s.hifmi_fen, s.maf_fen, s.acct_pay_fen, c.cnfm_flag, CAST(NULL AS TEXT) AS case_id
        FROM settlements s
        LEFT JOIN persons p ON p.insuplc_admdvs = s.insuplc_admdvs AND p.psn_no = s.psn_no AND p.insutype = s.insutype
        LEFT JOIN clearing_confirmations c ON c.setl_id = s.setl_id
        WHERE s.fixmedins_code = @fixmedinsCode AND s.setl_time >= @from AND s.setl_time < @to
        UNION ALL
        SELECT d.setl_id, d.mdtrtarea_admvs, d.fixmedins_code, p.certno_enc, o.mdtrt_id, d.at AS setl_time, d.kind, CAST(0 AS BIGINT) AS medfee_fen,
               -d.amount_fen AS fund_pay_fen, -d.amount_fen AS hifp_fen, CAST(0 AS BIGINT) AS hifob_fen, CAST(0 AS BIGINT) AS hifmi_fen,
               CAST(0 AS BIGINT) AS maf_fen, CAST(0 AS BIGINT) AS acct_pay_fen, CAST(NULL AS TEXT) AS cnfm_flag, d.case_id
        FROM supervision_deductions d
        JOIN settlements o ON o.setl_id = d.setl_id
        LEFT JOIN persons p ON p.insuplc_admdvs = o.insuplc_admdvs AND p.psn_no = o.psn_no AND p.insutype = o.insutype
        WHERE d.fixmedins_code = @fixmedinsCode AND d.month = @month
        """;

    public static async Task<object?> PullAsync(TransactionContext ctx, ClearingPullRequest request)
    {
        var first = request.Month;
        var offset = Math.Max(0, request.Startrow - 1);
        var range = new
        {
            fixmedinsCode = ctx.FixmedinsCode, from = first.ToText(), to = first.AddMonths(1).ToText(),
            month = first.ToString("yyyy-MM", CultureInfo.InvariantCulture), offset, limit = PageSize,
        };

        var total = await ctx.Db.ScalarAsync<long>(
            $"""
            SELECT (SELECT COUNT(*) FROM settlements WHERE fixmedins_code = @fixmedinsCode AND setl_time >= @from AND setl_time < @to)
                 + (SELECT COUNT(*) FROM supervision_deductions WHERE fixmedins_code = @fixmedinsCode AND month = @month)
            """, range);
        var rows = (await ctx.Db.QueryAsync<DetailRow>(
            $"""
            SELECT * FROM ({MonthRows}) m
            ORDER BY setl_time, setl_id, kind
            LIMIT @limit OFFSET @offset
            """, range)).ToList();

        return new
        {
            totalrow = total,
            startrow = offset + 1,
            endrow = offset + rows.Count,
            data = rows.Select((r, i) => new
            {
                seqno = offset + i + 1,
                mdtrtarea = r.MdtrtareaAdmvs,
                medins_no = r.FixmedinsCode,
                certno = IdentityNumber.Mask(PersonalData.Open(r.CertnoEnc)),
                mdtrt_id = r.MdtrtId,
                mdtrt_setl_time = r.SetlTime,
                setl_sn = r.SetlId,
                fulamt_advpay_flag = "0",
                refd_setl_flag = r.Kind == "reversal" ? "1" : "0",
                // 1: a supervision deduction (negative) or its refund (positive) of settlement setl_sn, not a settlement; 3261 does not confirm it
                spvs_dedu_flag = r.CaseId is null ? "0" : "1",
                spvs_case_id = r.CaseId,
                spvs_dedu_type = r.CaseId is null ? null : r.Kind,
                medfee_sumamt = Money.FromFen(r.MedfeeFen),
                optins_pay_sumamt = Money.FromFen(r.FundPayFen + r.AcctPayFen),
                fund_pay_sumamt = Money.FromFen(r.FundPayFen),
                hifp_pay = Money.FromFen(r.HifpFen),
                hifob_pay = Money.FromFen(r.HifobFen),
                hifmi_pay = Money.FromFen(r.HifmiFen),
                maf_pay = Money.FromFen(r.MafFen),
                acct_pay = Money.FromFen(r.AcctPayFen),
                cnfm_flag = r.CnfmFlag,
            }).ToList(),
        };
    }

    public static async Task<object?> ConfirmAsync(TransactionContext ctx, ClearingConfirmRequest request)
    {
        var (first, answers) = (request.Month, request.Answers);
        var month = first.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var setlIds = answers.Select(a => a.SetlId).ToArray();

        var own = (await ctx.Db.QueryAsync<string>(
            $"SELECT setl_id FROM settlements WHERE fixmedins_code = @fixmedinsCode AND setl_time >= @from AND setl_time < @to AND {ctx.Db.IsOneOf("setl_id", "setlIds")}",
            new { fixmedinsCode = ctx.FixmedinsCode, from = first.ToText(), to = first.AddMonths(1).ToText(), setlIds })).ToHashSet();
        var foreign = setlIds.Where(id => !own.Contains(id)).ToList();
        if (foreign.Count > 0)
            throw new Refusal($"以下结算不是本机构 {month} 的异地结算，不能确认：{string.Join("、", foreign.Take(20))}{(foreign.Count > 20 ? $" 等 {foreign.Count} 笔" : "")}");

        foreach (var a in answers)
            await ctx.Db.ExecuteAsync(
                """
                INSERT INTO clearing_confirmations (setl_id, fixmedins_code, month, cnfm_flag, memo, confirmed_at, msgid)
                VALUES (@setlId, @fixmedinsCode, @month, @flag, @memo, @now, @msgid)
                ON CONFLICT (setl_id) DO UPDATE SET cnfm_flag = excluded.cnfm_flag, memo = excluded.memo,
                    confirmed_at = excluded.confirmed_at, msgid = excluded.msgid
                """,
                new { setlId = a.SetlId, fixmedinsCode = ctx.FixmedinsCode, month, flag = a.Flag, memo = a.Memo, now = ctx.Now.ToText(), msgid = ctx.Msgid });
        ctx.Subject = month;
        return new { result = new { trt_year = first.Year, trt_month = first.Month.ToString("D2", CultureInfo.InvariantCulture),
            confirmed = answers.Count(a => a.Flag == "1"), disputed = answers.Count(a => a.Flag == "0") } };
    }
}
