using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 2601 冲正交易: undoes what the state-changing message <c>omsgid</c> did. A message that never arrived is fenced,
/// so that its late arrival is refused.
/// </summary>
public static class Reversal
{
    public static async Task<object?> UndoAsync(TransactionContext ctx, UndoRequest request)
    {
        var (psnNo, omsgid, oinfno) = (request.PsnNo, request.Omsgid, request.Oinfno);
        if (omsgid == ctx.Msgid) throw new Refusal("omsgid 不能是冲正交易自身的 msgid");

        var original = await ctx.Db.FirstOrDefaultAsync<MessageRow>(
            "SELECT * FROM messages WHERE fixmedins_code = @fixmedinsCode AND msgid = @omsgid" + ctx.Db.ForUpdate,
            new { fixmedinsCode = ctx.FixmedinsCode, omsgid });
        if (original is null)
        {
            var fenced = await ctx.Db.ExecuteAsync(
                """
                INSERT INTO messages (fixmedins_code, msgid, infno, input_hash, state, received_at, undone_by)
                VALUES (@fixmedinsCode, @omsgid, @oinfno, '', 'fenced', @now, @msgid)
                ON CONFLICT (fixmedins_code, msgid) DO NOTHING
                """,
                new { fixmedinsCode = ctx.FixmedinsCode, omsgid, oinfno, now = ctx.Now.ToText(), msgid = ctx.Msgid });
            if (fenced == 0) throw new Refusal($"原报文 {omsgid} 正在办理中，请稍后再发起冲正");
            ctx.Subject = omsgid;
            ctx.Warn($"原报文 {omsgid} 未到达本平台，已登记冲正：该报文之后到达将被拒绝");
            return Output(omsgid, oinfno, "fenced");
        }

        if (original.State is "fenced" or "undone")
            throw new Refusal($"原报文 {omsgid} 已冲正（冲正报文 {original.UndoneBy}），不能重复冲正");
        if (original.Infno != oinfno)
            throw new Refusal($"原报文 {omsgid} 的交易编号是 {original.Infno}，不是 {oinfno}");

        await UndoEffectAsync(ctx, original, psnNo);
        await ctx.Db.ExecuteAsync(
            "UPDATE messages SET state = 'undone', undone_by = @msgid WHERE fixmedins_code = @fixmedinsCode AND msgid = @omsgid",
            new { msgid = ctx.Msgid, fixmedinsCode = ctx.FixmedinsCode, omsgid });
        ctx.Subject = omsgid;
        return Output(omsgid, oinfno, "undone");
    }

    private static async Task UndoEffectAsync(TransactionContext ctx, MessageRow original, string psnNo)
    {
        if (original.Subject is null) return; // the message changed nothing (e.g. it returned an existing filing)
        switch (original.Infno)
        {
            case "2207" or "2304":
            {
                var settlement = await ctx.Db.FirstOrDefaultAsync<SettlementRow>(
                    "SELECT * FROM settlements WHERE setl_id = @subject", new { subject = original.Subject });
                EnsurePerson(settlement!.PsnNo, psnNo, original);
                await Settle.ReverseAsync(ctx, settlement);
                await Filings.RevokeImplicitOfAsync(ctx, original.Msgid);
                break;
            }
            case "2208" or "2305":
                await ReinstateAsync(ctx, original, psnNo);
                break;
            case "2551":
                await Filings.RevokeAsync(ctx, original.Subject, psnNo);
                break;
            case "2201" or "2401":
            {
                var visit = await VisitAsync(ctx, original, psnNo);
                if (visit.Kind == "inpatient" && visit.Endtime is not null)
                    throw new Refusal($"就诊 {visit.MdtrtId} 已办理出院，请先冲正或撤销出院再冲正入院");
                await Visits.CancelAsync(ctx, visit);
                await Filings.RevokeImplicitOfAsync(ctx, original.Msgid);
                break;
            }
            case "2402":
                await Visits.CancelDischargeAsync(ctx, await VisitAsync(ctx, original, psnNo));
                break;
            case "2204" or "2301":
            {
                var visit = await VisitAsync(ctx, original, psnNo);
                var lines = (await ctx.Db.QueryAsync<FeeLineRow>(
                    // the message's lines, with any refund lines uploaded since against them (they offset nothing without them)
                    $"""
                    {Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")} AND (f.upload_msgid = @msgid OR f.init_feedetl_sn IN (
                        SELECT o.feedetl_sn FROM fee_lines o WHERE o.mdtrt_id = @mdtrtId AND o.upload_msgid = @msgid AND o.withdrawn_at IS NULL))
                    """,
                    new { mdtrtId = visit.MdtrtId, msgid = original.Msgid })).ToList();
                var settled = lines.Where(l => l.SetlId is not null).Select(l => l.SetlId).Distinct().ToList();
                if (settled.Count > 0)
                    throw new Refusal($"原报文 {original.Msgid} 上传的明细已结算（{string.Join("、", settled)}），须先撤销结算");
                if (lines.Count == 0) throw new Refusal($"原报文 {original.Msgid} 上传的明细已全部撤销，无需冲正");
                await Fees.WithdrawLinesAsync(ctx, visit.MdtrtId, lines);
                break;
            }
            case "3301" or "3302":
                throw new Refusal($"目录对照（{original.Infno}）不支持冲正：对照上传有误的，请用目录对照撤销（3302）撤销后重新上传（3301）；误撤销的，请重新上传（3301）");
            default:
                throw new Refusal($"交易 {original.Infno} 不支持冲正；可冲正的交易：2551、2201、2204、2207、2208、2401、2402、2301、2304、2305");
        }
    }

    /// <summary>
    /// 冲正 of a 2208/2305: the settlement it reversed stands again, as it was (same setl_id, same figures, its lines its
    /// own again), and the reversal is gone. Only while nothing since has relied on the reversal: the person has had no
    /// settlement or reversal after it, its lines are all still open, and its month's clearing is still to come.
    /// </summary>
    private static async Task ReinstateAsync(TransactionContext ctx, MessageRow original, string psnNo)
    {
        var reversal = await ctx.Db.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @subject", new { subject = original.Subject });
        if (reversal is null)
            throw new Refusal($"原报文 {original.Msgid} 的撤销记录 {original.Subject} 已不存在，不能冲正");
        EnsurePerson(reversal.PsnNo, psnNo, original);
        var person = await People.LockAsync(ctx, reversal.PsnNo, reversal.Insutype);
        var settlement = (await ctx.Db.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @OrigSetlId", reversal))!;
        string Forbidden(string why) => $"不能冲正撤销 {reversal.SetlId}（恢复结算 {settlement.SetlId}）：{why}";

        if (reversal.SetlTime[..7] != ctx.Now.ToText()[..7])
            throw new Refusal(Forbidden($"撤销发生在 {reversal.SetlTime[..7]}，该月已结束并计入清算；如需恢复请重新结算"));
        var since = await ctx.Db.FirstOrDefaultAsync<string>(
            """
            SELECT setl_id FROM settlements WHERE insuplc_admdvs = @InsuplcAdmdvs AND psn_no = @PsnNo AND insutype = @Insutype
                AND setl_time >= @SetlTime AND setl_id <> @SetlId AND setl_id <> @OrigSetlId ORDER BY setl_time DESC
            """, reversal);
        if (since is not null)
            throw new Refusal(Forbidden($"该人员在撤销之后又有结算或撤销 {since}，恢复原结算会改变其计算依据；如需恢复请先撤销 {since}，或重新结算"));
        var visit = (await ctx.Db.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @MdtrtId", settlement))!;
        if (visit.CancelledAt is not null) throw new Refusal(Forbidden($"就诊 {visit.MdtrtId} 已在撤销后取消"));
        if (visit.Kind == "inpatient" && settlement.MidSetlFlag != "1" && visit.Endtime is null)
            throw new Refusal(Forbidden($"就诊 {visit.MdtrtId} 已在撤销后取消出院，出院结算不能恢复；请重新办理出院后结算"));
        var lines = (await ctx.Db.QueryAsync<FeeLineRow>(Bills.LinesOfReversed, new { setlId = settlement.SetlId })).ToList();
        var open = await ctx.Db.FirstOrDefaultAsync<long>($"SELECT {Bills.OpenNumber("@mdtrtId")}", new { mdtrtId = visit.MdtrtId });
        if (lines.FirstOrDefault(l => l.WithdrawnAt is not null || l.BillNo != open) is { } changed)
            throw new Refusal(Forbidden($"其费用明细 {changed.FeedetlSn} 已在撤销后撤销或另行结算"));
        if (person.AcctBalcFen < settlement.AcctPayFen)
            throw new Refusal(Forbidden($"个人账户余额 {Money.FromFen(person.AcctBalcFen):0.00} 不足原结算的账户支付 {Money.FromFen(settlement.AcctPayFen):0.00}"));

        await SettlementEffects.UndoReversalAsync(ctx.Db, reversal, person);
        await ctx.Db.ExecuteAsync("UPDATE settlements SET reversed_by = NULL WHERE setl_id = @SetlId", new { settlement.SetlId });
        await SupervisionReview.SettlementReinstatedAsync(ctx.Db, settlement.SetlId, $"{ctx.FixmedinsCode} {ctx.Infno}", ctx.Now);
        await ctx.Db.ExecuteAsync(
            """
            UPDATE fee_lines SET bill_no = @BillNo WHERE mdtrt_id = @MdtrtId AND EXISTS (SELECT 1 FROM reversed_lines r
                WHERE r.setl_id = @SetlId AND r.mdtrt_id = fee_lines.mdtrt_id AND r.upload_msgid = fee_lines.upload_msgid AND r.feedetl_sn = fee_lines.feedetl_sn)
            """, new { settlement.BillNo, settlement.MdtrtId, settlement.SetlId });
        await ctx.Db.ExecuteAsync("DELETE FROM reversed_lines WHERE setl_id = @SetlId", new { settlement.SetlId });
        ctx.Warn($"撤销 {reversal.SetlId} 已冲正：结算 {settlement.SetlId} 恢复有效，金额与原结算相同");
    }

    private static async Task<VisitRow> VisitAsync(TransactionContext ctx, MessageRow original, string psnNo)
    {
        var visit = await ctx.Db.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @subject", new { subject = original.Subject });
        EnsurePerson(visit!.PsnNo, psnNo, original);
        return await Visits.OwnVisitAsync(ctx, visit.MdtrtId, psnNo, visit.Kind == "inpatient" ? VisitKind.Inpatient : VisitKind.Outpatient);
    }

    private static void EnsurePerson(string actual, string given, MessageRow original)
    {
        if (actual != given) throw new Refusal($"原报文 {original.Msgid} 办理的是人员 {actual}，不是 {given}");
    }

    private static object Output(string omsgid, string oinfno, string state) =>
        new { data = new { omsgid, oinfno, rslt = state == "fenced" ? "原交易未到达，已登记冲正" : "原交易已冲正" } };
}
