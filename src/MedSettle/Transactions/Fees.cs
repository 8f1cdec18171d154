using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>Fee detail upload (2204/2301) graded against the catalogue, and its withdrawal (2205/2302).</summary>
public static class Fees
{
    /// <summary>What a line is stored and answered with: its grading, the catalogue row it was graded on, and its charge batch.</summary>
    private sealed record Graded(FeeLine Line, GradedLine Grading, CatalogueItem Item, string ChrgBchno);

    public static async Task<object?> UploadAsync(TransactionContext ctx, FeeUploadRequest request, VisitKind kind)
    {
        var (mdtrtId, lines) = (request.MdtrtId, request.Lines);
        var visit = await Visits.OwnVisitAsync(ctx, mdtrtId, request.PsnNo, kind);
        await Visits.EnsureNotFinallySettledAsync(ctx, visit);

        var live = (await ctx.Db.QueryAsync<FeeLineRow>(
            $"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")}", new { mdtrtId })).ToList();
        var liveSns = live.Select(l => l.FeedetlSn).ToHashSet();
        var already = lines.Where(l => liveSns.Contains(l.FeedetlSn)).Select(l => l.FeedetlSn).ToList();
        if (already.Count > 0) throw new Refusal($"费用明细流水号已上传过：{string.Join("、", already)}；如需修改请先撤销（{(kind == VisitKind.Outpatient ? "2205" : "2302")}）");

        // A line with only the hospital's own code is graded by its mapping (3301): one more read, only when there is such a
        // line. A refund line is graded as the line it offsets was, and needs none.
        var mapped = await ItemMappings.MappedCodesAsync(ctx, lines);
        string CodeOf(FeeLine line) => line.Code ?? mapped[line.FeedetlSn];
        var coded = lines.Where(l => l.Code is not null || l.InitFeedetlSn is null).ToList();
        var codes = coded.Select(CodeOf).Distinct().ToList();
        var catalogue = (await ctx.Db.QueryAsync<CatalogueRow>(
            "SELECT * FROM catalogue WHERE " + ctx.Db.IsOneOf("med_list_codg", "codes"), new { codes = codes.ToArray() })).ToDictionary(r => r.MedListCodg);
        var unknown = coded.Where(l => !catalogue.ContainsKey(CodeOf(l)))
            .Select(l => l.Code ?? $"{CodeOf(l)}（本院项目 {l.MedinsCode} 的对照）").Distinct().ToList();
        if (unknown.Count > 0)
            throw new Refusal($"以下医保目录编码不在目录中，本次明细全部未上传：{string.Join("、", unknown)}");

        foreach (var line in lines)
        {
            var expected = LineGrading.ExpectedAmount(line.Price, line.Count);
            if (line.Amount != expected)
                throw new Refusal($"明细 {line.FeedetlSn}：金额 {line.Amount:0.00} 不等于 单价 {line.Price} × 数量 {line.Count} = {expected:0.00}");
        }

        var refunds = lines.Any(l => l.InitFeedetlSn is not null) ? new Refunds(live, kind) : null;
        var graded = lines.Select(line => line.InitFeedetlSn is null
            ? Grade(line, ToItem(catalogue[CodeOf(line)]))
            : refunds!.Offset(line, mdtrtId)).ToList();

        var billNo = await ctx.Db.ScalarAsync<long>($"SELECT {Bills.OpenNumber("@mdtrtId")}", new { mdtrtId });
        var stored = graded.Select(g => Row(g, mdtrtId, ctx.Msgid, billNo, ctx.Now)).ToList();
        foreach (var row in stored)
            await ctx.Db.ExecuteAsync(
                """
                INSERT INTO fee_lines (mdtrt_id, upload_msgid, feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, med_list_name,
                                       pric, cnt, amount_fen, chrgitm_lv, med_chrgitm_type, selfpay_prop, pric_uplmt_amt,
                                       fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, bill_no, init_feedetl_sn, hosp_appr_flag, hosp_appr_reason)
                VALUES (@MdtrtId, @UploadMsgid, @FeedetlSn, @ChrgBchno, @FeeOcurTime, @MedListCodg, @MedinsListCodg, @MedListName,
                        @Pric, @Cnt, @AmountFen, @ChrgitmLv, @MedChrgitmType, @SelfpayProp, @PricUplmtAmt,
                        @FulamtOwnpayFen, @OverlmtFen, @PreselfpayFen, @InscpFen, @BillNo, @InitFeedetlSn, @HospApprFlag, @HospApprReason)
                """, row);

        // 事前: the rules the visit's lines break now, this upload's with the earlier ones, marked on the lines and answered
        // per line; an upload is never refused for them (docs/SUPERVISION.md, "Before and during settlement").
        // The visit's standing lines are those read above and this upload's: checked without reading them again.
        var check = await CheckVisitAsync(ctx, visit, [.. live, .. stored]);
        var results = graded.Select(g =>
        {
            var (line, grading, item, chrgBchno) = g;
            var broken = check.Of(line.FeedetlSn).ToList();
            return new
            {
                feedetl_sn = line.FeedetlSn,
                med_list_codg = item.Code,
                det_item_fee_sumamt = grading.Amount,
                cnt = line.Count,
                pric = line.Price,
                pric_uplmt_amt = item.PriceCeiling is { } c ? Money.Fen(c) : (decimal?)null,
                selfpay_prop = item.SelfPayRatio,
                fulamt_ownpay_amt = grading.FullOwnPay,
                overlmt_amt = grading.OverLimit,
                preselfpay_amt = grading.PreSelfPay,
                inscp_scp_amt = grading.InScope,
                chrgitm_lv = item.Level.Code(),
                med_chrgitm_type = item.ChargeItemType,
                bas_medn_flag = "0",
                hi_nego_drug_flag = "0",
                chld_medc_flag = "0",
                list_sp_item_flag = "0",
                lmt_used_flag = "0",
                drt_reim_flag = "0",
                memo = Memo(line.InitFeedetlSn, chrgBchno),
                rule_code = broken.FirstOrDefault()?.Code,
                rule_name = broken.FirstOrDefault()?.Name,
                msg = broken.FirstOrDefault()?.Message,
                violations = broken.Select(InlineSupervision.Answer).ToList(),
            };
        }).ToList();
        ctx.Subject = mdtrtId;
        return new { result = results };
    }

    /// <summary>A line's memo in 2204's answer (and 5204's): what a refund line offsets; empty for any other line.</summary>
    internal static string Memo(string? initFeedetlSn, string chrgBchno) =>
        initFeedetlSn is null ? "" : $"退费：冲减明细 {initFeedetlSn}（收费批次 {chrgBchno}）";

    /// <summary>
    /// The fee_lines row an uploaded line is stored as: the line as sent, with its grading and its catalogue item's code, name and
    /// class; the hospital's own code kept beside the catalogue code it was graded by (the mapping's, for a line sent without one).
    /// </summary>
    private static FeeLineRow Row(Graded graded, string mdtrtId, string msgid, long billNo, DateTime now)
    {
        var (line, grading, item, chrgBchno) = graded;
        return new FeeLineRow
        {
            MdtrtId = mdtrtId, UploadMsgid = msgid, FeedetlSn = line.FeedetlSn, ChrgBchno = chrgBchno, FeeOcurTime = (line.OccurredAt ?? now).ToText(),
            MedListCodg = item.Code, MedinsListCodg = line.MedinsCode, MedListName = item.Name,
            Pric = line.Price.ToString(CultureInfo.InvariantCulture), Cnt = line.Count.ToString(CultureInfo.InvariantCulture),
            AmountFen = Money.ToFen(line.Amount), ChrgitmLv = (int)item.Level, MedChrgitmType = item.ChargeItemType,
            SelfpayProp = item.SelfPayRatio.ToString(CultureInfo.InvariantCulture), PricUplmtAmt = item.PriceCeiling?.ToString(CultureInfo.InvariantCulture),
            FulamtOwnpayFen = Money.ToFen(grading.FullOwnPay), OverlmtFen = Money.ToFen(grading.OverLimit),
            PreselfpayFen = Money.ToFen(grading.PreSelfPay), InscpFen = Money.ToFen(grading.InScope), BillNo = billNo,
            InitFeedetlSn = line.InitFeedetlSn, HospApprFlag = line.ApprovalFlag, HospApprReason = line.ApprovalReason,
        };
    }

    /// <summary>
    /// Checks the visit's standing lines by the rules (as of now) and marks them; the person's sex and birthday are all the
    /// rules read of them. <paramref name="lines"/>: the standing lines when the caller has them, else they are read.
    /// </summary>
    private static async Task<InlineSupervision.Checked> CheckVisitAsync(TransactionContext ctx, VisitRow visit, IReadOnlyList<FeeLineRow>? lines = null)
    {
        var person = await ctx.Db.FirstOrDefaultAsync<PersonRow>(
            "SELECT gend, brdy FROM persons WHERE insuplc_admdvs = @InsuplcAdmdvs AND psn_no = @PsnNo AND insutype = @Insutype", visit) ?? new PersonRow();
        var check = await InlineSupervision.CheckAsync(ctx.Db, visit, person, DateOnly.FromDateTime(ctx.Now), lines);
        await InlineSupervision.MarkAsync(ctx.Db, check);
        return check;
    }

    private static Graded Grade(FeeLine line, CatalogueItem item) =>
        new(line, LineGrading.Grade(item, line.Price, line.Count, line.Amount), item, line.ChrgBchno);

    /// <summary>
    /// Refund lines (负数量 with <c>init_feedetl_sn</c>): each offsets an open line of the same visit, never below zero. It
    /// is graded on the line's own catalogue row as it was graded at upload (<see cref="LineGrading.Offset"/>), so the line
    /// and its refunds sum to the grading of what is left, and it joins the line's charge batch, to be settled with it.
    /// </summary>
    private sealed class Refunds(IReadOnlyList<FeeLineRow> live, VisitKind kind)
    {
        /// <summary>What each line stands at so far: as uploaded, less its refunds (stored, and earlier in this upload).</summary>
        private readonly Dictionary<string, (decimal Count, decimal Amount)> _standing = Standing(live);

        private static Dictionary<string, (decimal Count, decimal Amount)> Standing(IReadOnlyList<FeeLineRow> live)
        {
            var standing = new Dictionary<string, (decimal Count, decimal Amount)>();
            foreach (var line in live.Where(l => l.InitFeedetlSn is null))
                standing.TryAdd(line.FeedetlSn, (Parse(line.Cnt), Money.FromFen(line.AmountFen)));
            foreach (var refund in live.Where(l => l.InitFeedetlSn is not null))
                if (standing.TryGetValue(refund.InitFeedetlSn!, out var at))
                    standing[refund.InitFeedetlSn!] = (at.Count + Parse(refund.Cnt), at.Amount + Money.FromFen(refund.AmountFen));
            return standing;
        }

        public Graded Offset(FeeLine refund, string mdtrtId)
        {
            var sn = refund.FeedetlSn;
            var init = refund.InitFeedetlSn!;
            var original = live.FirstOrDefault(l => l.FeedetlSn == init)
                ?? throw new Refusal($"明细 {sn}：退费所指原明细 init_feedetl_sn {init} 不是就诊 {mdtrtId} 已上传（未撤销）的费用明细：退费只能冲减本次就诊已上传的明细，请核对原明细流水号与就诊ID");
            if (original.InitFeedetlSn is not null)
                throw new Refusal($"明细 {sn}：明细 {init} 本身是退费明细（冲减 {original.InitFeedetlSn}），退费明细须指向原收费明细 {original.InitFeedetlSn}");
            if (original.SetlId is not null)
                throw new Refusal($"明细 {sn}：原明细 {init} 已结算（结算 {original.SetlId}），不能再冲减：请先撤销该结算（{(kind == VisitKind.Outpatient ? "2208" : "2305")}），"
                                  + "再上传退费明细并重新结算");
            // a refund sent with the hospital's own code alone is matched on that code
            if (refund.Code is { } code ? code != original.MedListCodg : refund.MedinsCode != original.MedinsListCodg)
                throw new Refusal(refund.Code is null
                    ? $"明细 {sn}：医疗机构目录编码 {refund.MedinsCode} 与原明细 {init} 的 {original.MedinsListCodg} 不同，退费明细须与原明细为同一项目"
                    : $"明细 {sn}：医保目录编码 {refund.Code} 与原明细 {init} 的 {original.MedListCodg} 不同，退费明细须与原明细为同一项目");
            var price = Parse(original.Pric);
            if (refund.Price != price)
                throw new Refusal($"明细 {sn}：单价 {refund.Price} 与原明细 {init} 的单价 {price} 不同，退费须按原单价");
            var (count, amount) = _standing[init];
            if (count + refund.Count < 0 || amount + refund.Amount < 0)
                throw new Refusal($"明细 {sn}：退费数量 {-refund.Count}（金额 {-refund.Amount:0.00}）超过原明细 {init} 可退的数量 {count}（金额 {amount:0.00}）："
                                  + "退费不能使明细低于零，请核对退费数量");
            _standing[init] = (count + refund.Count, amount + refund.Amount);
            var item = ItemOf(original);
            return new Graded(refund, LineGrading.Offset(item, price, count, amount, refund.Count, refund.Amount), item, original.ChrgBchno);
        }

        private static CatalogueItem ItemOf(FeeLineRow line) => new(
            line.MedListCodg, line.MedListName, "", line.MedChrgitmType, (ChargeLevel)line.ChrgitmLv, Parse(line.SelfpayProp),
            line.PricUplmtAmt is { } ceiling ? Parse(ceiling) : null);

        private static decimal Parse(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
    }

    public static async Task<object?> WithdrawAsync(TransactionContext ctx, FeeWithdrawalRequest request, VisitKind kind)
    {
        var visit = await Visits.OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, kind);
        var (batch, sn, all) = (request.ChrgBchno, request.FeedetlSn, request.All);
        // a line goes with its refunds (which are in its charge batch): they offset nothing without it
        var filter = all ? "" : batch is not null ? " AND f.chrg_bchno = @batch" : " AND (f.feedetl_sn = @sn OR f.init_feedetl_sn = @sn)";
        var lines = (await ctx.Db.QueryAsync<FeeLineRow>(
            $"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")}" + filter,
            new { mdtrtId = visit.MdtrtId, batch, sn })).ToList();
        if (all) lines = lines.Where(l => l.SetlId is null).ToList();
        if (lines.Count == 0)
            throw new Refusal(all ? $"就诊 {visit.MdtrtId} 没有可撤销的未结算费用明细" : $"就诊 {visit.MdtrtId} 没有收费批次/明细 {batch ?? sn} 的费用明细");
        var settled = lines.Where(l => l.SetlId is not null).Select(l => $"{l.FeedetlSn}（结算 {l.SetlId}）").ToList();
        if (settled.Count > 0)
            throw new Refusal($"以下明细已结算，须先撤销结算才能撤销明细：{string.Join("、", settled)}");

        await WithdrawLinesAsync(ctx, visit.MdtrtId, lines);
        await CheckVisitAsync(ctx, visit);
        ctx.Subject = visit.MdtrtId;
        return new { result = lines.Select(l => new { feedetl_sn = l.FeedetlSn }).ToList() };
    }

    public static async Task WithdrawLinesAsync(TransactionContext ctx, string mdtrtId, IReadOnlyList<FeeLineRow> lines)
    {
        foreach (var line in lines)
            await ctx.Db.ExecuteAsync(
                "UPDATE fee_lines SET withdrawn_at = @now WHERE mdtrt_id = @mdtrtId AND upload_msgid = @uploadMsgid AND feedetl_sn = @feedetlSn",
                new { now = ctx.Now.ToText(), mdtrtId, uploadMsgid = line.UploadMsgid, feedetlSn = line.FeedetlSn });
    }

    public static CatalogueItem ToItem(CatalogueRow row) => new(
        row.MedListCodg, row.MedListName, row.ListType, row.MedChrgitmType, (ChargeLevel)row.ChrgitmLv,
        decimal.Parse(row.SelfpayProp, CultureInfo.InvariantCulture),
        row.PricUplmtAmt is { } ceiling ? decimal.Parse(ceiling, CultureInfo.InvariantCulture) : null);
}
