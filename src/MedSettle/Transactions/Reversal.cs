using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// 2601 冲正交易: undoes what the state-changing message <c>omsgid</c> did. A message that never arrived is fenced,
/// so that its late arrival is refused.
/// </summary>
public static class Reversal
{
    public static async Task<object?> UndoAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        var omsgid = data.Text("omsgid");
        var oinfno = data.Text("oinfno");
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
            default:
                throw new Refusal($"交易 {original.Infno} 不支持冲正；可冲正的交易：2551、2201、2204、2207、2401、2402、2301、2304");
        }
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
