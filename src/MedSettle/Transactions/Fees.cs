using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>Fee detail upload (2204/2301) graded against the catalogue, and its withdrawal (2205/2302).</summary>
public static class Fees
{
    private sealed record Line(Input Source, string FeedetlSn, string ChrgBchno, string Code, string MedinsCode, decimal Price,
        decimal Count, decimal Amount, DateTime OccurredAt);

    public static async Task<object?> UploadAsync(TransactionContext ctx, VisitKind kind)
    {
        var lines = ctx.Input.Array("feedetail").Select(item => ReadLine(item, ctx.Now)).ToList();
        var first = ctx.Input.Array("feedetail")[0];
        var mdtrtId = first.Text("mdtrt_id");
        var psnNo = first.Text("psn_no");
        foreach (var item in ctx.Input.Array("feedetail"))
        {
            if (item.Text("mdtrt_id") != mdtrtId) throw new Refusal($"{item.Path}.mdtrt_id 与第一条明细不同：一次上传的明细须属于同一就诊");
            if (item.Text("psn_no") != psnNo) throw new Refusal($"{item.Path}.psn_no 与第一条明细不同：一次上传的明细须属于同一人员");
        }

        var visit = await Visits.OwnVisitAsync(ctx, mdtrtId, psnNo, kind);
        await Visits.EnsureNotFinallySettledAsync(ctx, visit);

        var repeated = lines.GroupBy(l => l.FeedetlSn).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new Refusal($"本次上传中费用明细流水号重复：{string.Join("、", repeated)}");
        var live = (await ctx.Db.QueryAsync<string>(
            $"SELECT f.feedetl_sn FROM fee_lines f WHERE {Bills.LinesOf("@mdtrtId")}", new { mdtrtId })).ToHashSet();
        var already = lines.Where(l => live.Contains(l.FeedetlSn)).Select(l => l.FeedetlSn).ToList();
        if (already.Count > 0) throw new Refusal($"费用明细流水号已上传过：{string.Join("、", already)}；如需修改请先撤销（{(kind == VisitKind.Outpatient ? "2205" : "2302")}）");

        var codes = lines.Select(l => l.Code).Distinct().ToList();
        var catalogue = (await ctx.Db.QueryAsync<CatalogueRow>(
            "SELECT * FROM catalogue WHERE " + ctx.Db.IsOneOf("med_list_codg", "codes"), new { codes = codes.ToArray() })).ToDictionary(r => r.MedListCodg);
        var unknown = codes.Where(c => !catalogue.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
            throw new Refusal($"以下医保目录编码不在目录中，本次明细全部未上传：{string.Join("、", unknown)}");

        foreach (var line in lines)
        {
            var expected = LineGrading.ExpectedAmount(line.Price, line.Count);
            if (line.Amount != expected)
                throw new Refusal($"明细 {line.FeedetlSn}：金额 {line.Amount:0.00} 不等于 单价 {line.Price} × 数量 {line.Count} = {expected:0.00}");
        }

        var billNo = await ctx.Db.ScalarAsync<long>($"SELECT {Bills.OpenNumber("@mdtrtId")}", new { mdtrtId });
        var results = new List<object>(lines.Count);
        foreach (var line in lines)
        {
            var row = catalogue[line.Code];
            var item = ToItem(row);
            var graded = LineGrading.Grade(item, line.Price, line.Count, line.Amount);
            await ctx.Db.ExecuteAsync(
                """
                INSERT INTO fee_lines (mdtrt_id, upload_msgid, feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, med_list_name,
                                       pric, cnt, amount_fen, chrgitm_lv, med_chrgitm_type, selfpay_prop, pric_uplmt_amt,
                                       fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, bill_no)
                VALUES (@mdtrtId, @msgid, @feedetlSn, @chrgBchno, @feeOcurTime, @code, @medinsCode, @name,
                        @pric, @cnt, @amountFen, @level, @chargeType, @selfpayProp, @ceiling,
                        @fulamtFen, @overlmtFen, @preselfFen, @inscpFen, @billNo)
                """,
                new
                {
                    mdtrtId, msgid = ctx.Msgid, feedetlSn = line.FeedetlSn, chrgBchno = line.ChrgBchno, feeOcurTime = line.OccurredAt.ToText(),
                    code = line.Code, medinsCode = line.MedinsCode, name = row.MedListName,
                    pric = line.Price.ToString(CultureInfo.InvariantCulture), cnt = line.Count.ToString(CultureInfo.InvariantCulture),
                    amountFen = Money.ToFen(line.Amount), level = row.ChrgitmLv, chargeType = row.MedChrgitmType, selfpayProp = row.SelfpayProp,
                    ceiling = row.PricUplmtAmt,
                    fulamtFen = Money.ToFen(graded.FullOwnPay), overlmtFen = Money.ToFen(graded.OverLimit),
                    preselfFen = Money.ToFen(graded.PreSelfPay), inscpFen = Money.ToFen(graded.InScope), billNo,
                });
            results.Add(new
            {
                feedetl_sn = line.FeedetlSn,
                det_item_fee_sumamt = graded.Amount,
                cnt = line.Count,
                pric = line.Price,
                pric_uplmt_amt = item.PriceCeiling is { } c ? Money.Fen(c) : (decimal?)null,
                selfpay_prop = item.SelfPayRatio,
                fulamt_ownpay_amt = graded.FullOwnPay,
                overlmt_amt = graded.OverLimit,
                preselfpay_amt = graded.PreSelfPay,
                inscp_scp_amt = graded.InScope,
                chrgitm_lv = item.Level.Code(),
                med_chrgitm_type = item.ChargeItemType,
                bas_medn_flag = "0",
                hi_nego_drug_flag = "0",
                chld_medc_flag = "0",
                list_sp_item_flag = "0",
                lmt_used_flag = "0",
                drt_reim_flag = "0",
                memo = "",
            });
        }
        ctx.Subject = mdtrtId;
        return new { result = results };
    }

    public static async Task<object?> WithdrawAsync(TransactionContext ctx, VisitKind kind)
    {
        var data = ctx.Input.Node("data", orSelf: true);
        var visit = await Visits.OwnVisitAsync(ctx, data.Text("mdtrt_id"), data.Text("psn_no"), kind);
        var batch = data.OptionalText("chrg_bchno");
        var sn = data.OptionalText("feedetl_sn");
        var all = (batch is null && sn is null) || batch == "0000" || sn == "0000";
        var filter = all ? "" : batch is not null ? " AND f.chrg_bchno = @batch" : " AND f.feedetl_sn = @sn";
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

    private static Line ReadLine(Input item, DateTime now)
    {
        var count = item.Decimal("cnt");
        var price = item.Decimal("pric");
        var amount = item.Decimal("det_item_fee_sumamt");
        var sn = item.Text("feedetl_sn");
        if (count <= 0) throw new Refusal($"明细 {sn}：数量 {count} 必须大于0（退费请撤销明细后重新上传）");
        if (price < 0) throw new Refusal($"明细 {sn}：单价 {price} 不能为负数");
        if (!Money.HasAtMostTwoPlaces(amount)) throw new Refusal($"明细 {sn}：金额 {amount} 最多两位小数");
        var code = item.Text("med_list_codg");
        return new Line(item, sn, item.OptionalText("chrg_bchno") ?? "0", code, item.OptionalText("medins_list_codg") ?? code,
            price, count, amount, item.OptionalTime("fee_ocur_time") ?? now);
    }

    public static CatalogueItem ToItem(CatalogueRow row) => new(
        row.MedListCodg, row.MedListName, row.ListType, row.MedChrgitmType, (ChargeLevel)row.ChrgitmLv,
        decimal.Parse(row.SelfpayProp, CultureInfo.InvariantCulture),
        row.PricUplmtAmt is { } ceiling ? decimal.Parse(ceiling, CultureInfo.InvariantCulture) : null);
}
