using System.Globalization;
using System.Text;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// What a hospital asks about its own visits and settlements: 5201 就诊信息查询, 5203 结算信息查询 and 5204 费用明细查询.
/// A hospital sees only its own: 5201 lists the person's visits at the calling hospital (none elsewhere, and no word of
/// them); a visit or settlement of another hospital named in 5203 or 5204 is refused exactly as one that does not exist.
/// 5201 and 5204 show no name or identity number; 5203 answers the settlement as 2207/2304 answered it (setlinfo carries
/// the name and the masked identity number), and is audited like them.
/// </summary>
public static class VisitQueries
{
    /// <summary>5201: the person's visits at this hospital (registrations and admissions not cancelled), oldest first.</summary>
    public static async Task<object?> VisitsAsync(TransactionContext ctx, VisitQuery query)
    {
        var sql = new StringBuilder("""
            SELECT mdtrt_id, insuplc_admdvs, psn_no, insutype, kind, med_type, begntime, endtime, ipt_otp_no, dise_codg, dise_name, dept_name, dr_name,
                   trt_dcla_detl_sn
            FROM visits WHERE psn_no = @psnNo AND fixmedins_code = @fixmedinsCode AND cancelled_at IS NULL
            """);
        if (query.Period.From is not null) sql.Append(" AND begntime >= @from");
        if (query.Period.To is not null) sql.Append(" AND begntime <= @to");
        if (query.MedType is not null) sql.Append(" AND med_type = @medType");
        if (query.MdtrtId is not null) sql.Append(" AND mdtrt_id = @mdtrtId");
        sql.Append(" ORDER BY begntime, mdtrt_id");
        var visits = await ctx.Db.QueryAsync<VisitRow>(sql.ToString(), new
        {
            psnNo = query.PsnNo, fixmedinsCode = ctx.FixmedinsCode, from = query.Period.From?.ToText(), to = query.Period.To?.ToText(),
            medType = query.MedType, mdtrtId = query.MdtrtId,
        });
        var hospital = ctx.Hospital;
        return new
        {
            mdtrtinfo = visits.Select(v =>
            {
                var inpatient = v.Kind == "inpatient";
                return new
                {
                    mdtrt_id = v.MdtrtId,
                    psn_no = v.PsnNo,
                    insutype = v.Insutype,
                    psn_type = v.Insutype == "310" ? "1101" : "1501",
                    insuplc_admdvs = v.InsuplcAdmdvs,
                    insu_optins = v.InsuplcAdmdvs,
                    fixmedins_code = hospital.FixmedinsCode,
                    fixmedins_name = hospital.FixmedinsName,
                    begntime = v.Begntime,
                    endtime = v.Endtime,
                    med_type = v.MedType,
                    ipt_otp_no = v.IptOtpNo,
                    adm_dept_name = v.DeptName,
                    chfpdr_name = v.DrName,
                    dise_codg = v.DiseCodg,
                    dise_name = v.DiseName,
                    // 在院状态 of an admission (1 在院, 0 出院) and its days in hospital once discharged; neither for an outpatient visit
                    inhosp_stas = inpatient ? v.Endtime is null ? "1" : "0" : null,
                    ipt_days = inpatient && v.Endtime is not null
                        ? Math.Max(1, Formats.ParseDate(v.Endtime).DayNumber - Formats.ParseDate(v.Begntime).DayNumber)
                        : (int?)null,
                    trt_dcla_detl_sn = v.TrtDclaDetlSn,
                    vali_flag = "1",
                };
            }).ToList(),
        };
    }

    /// <summary>5203: the settlement (or reversal) as 2207/2304 (2208/2305) answered it: setlinfo and setldetail.</summary>
    public static async Task<object?> SettlementAsync(TransactionContext ctx, SettlementQuery query)
    {
        var settlement = await OwnSettlementAsync(ctx, query.SetlId, query.PsnNo, query.MdtrtId);
        var person = await ctx.Db.FirstOrDefaultAsync<PersonRow>(
            "SELECT * FROM persons WHERE insuplc_admdvs = @InsuplcAdmdvs AND psn_no = @PsnNo AND insutype = @Insutype", settlement)
            ?? throw Refusal.NotFound("结算", query.SetlId);
        ctx.PersonalDataRead = new PersonalDataRead(person.PsnNo, person.InsuplcAdmdvs, PersonalDataReads.Transactions[ctx.Infno]);
        return Settle.Output(person, settlement);
    }

    /// <summary>
    /// 5204: a settlement's lines (of a reversal, the lines it gave back), or, by the visit alone, every line of the visit
    /// not withdrawn, each with the settlement that took it (null while open), graded as 2204 answered them.
    /// </summary>
    public static async Task<object?> FeeDetailsAsync(TransactionContext ctx, FeeDetailQuery query)
    {
        IReadOnlyList<FeeLineRow> lines;
        string mdtrtId;
        if (query.SetlId is { } setlId)
        {
            var settlement = await OwnSettlementAsync(ctx, setlId, query.PsnNo, query.MdtrtId);
            mdtrtId = settlement.MdtrtId;
            var taken = settlement is { Kind: "settle", ReversedBy: null, BillNo: { } billNo }
                ? await ctx.Db.QueryAsync<FeeLineRow>($"SELECT f.* FROM fee_lines f WHERE {Bills.LinesOfBill("@mdtrtId", "@billNo")} {LineOrder}", new { mdtrtId, billNo })
                // a reversed settlement's lines went back to the visit's open bill; its reversal noted which they were
                : await ctx.Db.QueryAsync<FeeLineRow>($"{Bills.LinesOfReversed} {LineOrder}",
                    new { setlId = settlement.Kind == "reversal" ? settlement.OrigSetlId : settlement.SetlId });
            lines = taken.ToList();
            foreach (var line in lines) line.SetlId = setlId;
        }
        else
        {
            mdtrtId = query.MdtrtId!;
            var visit = await ctx.Db.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId });
            if (visit is null || visit.FixmedinsCode != ctx.FixmedinsCode) throw Refusal.NotFound("就诊", mdtrtId);
            if (visit.PsnNo != query.PsnNo) throw new Refusal($"就诊 {mdtrtId} 不属于人员 {query.PsnNo}");
            lines = (await ctx.Db.QueryAsync<FeeLineRow>($"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")} {LineOrder}", new { mdtrtId })).ToList();
        }
        var medType = await ctx.Db.FirstOrDefaultAsync<string>("SELECT med_type FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId });
        return new
        {
            feedetail = lines.Select(l => new
            {
                feedetl_sn = l.FeedetlSn,
                mdtrt_id = l.MdtrtId,
                setl_id = l.SetlId,
                psn_no = query.PsnNo,
                med_type = medType,
                chrg_bchno = l.ChrgBchno,
                fee_ocur_time = l.FeeOcurTime,
                med_list_codg = l.MedListCodg,
                medins_list_codg = l.MedinsListCodg,
                hilist_code = l.MedListCodg,
                hilist_name = l.MedListName,
                det_item_fee_sumamt = Money.FromFen(l.AmountFen),
                cnt = Number(l.Cnt),
                pric = Number(l.Pric),
                pric_uplmt_amt = l.PricUplmtAmt is { } ceiling ? Money.Fen(Number(ceiling)) : (decimal?)null,
                selfpay_prop = Number(l.SelfpayProp),
                fulamt_ownpay_amt = Money.FromFen(l.FulamtOwnpayFen),
                overlmt_amt = Money.FromFen(l.OverlmtFen),
                preselfpay_amt = Money.FromFen(l.PreselfpayFen),
                inscp_scp_amt = Money.FromFen(l.InscpFen),
                chrgitm_lv = ((ChargeLevel)l.ChrgitmLv).Code(),
                med_chrgitm_type = l.MedChrgitmType,
                bas_medn_flag = "0",
                hi_nego_drug_flag = "0",
                chld_medc_flag = "0",
                list_sp_item_flag = "0",
                lmt_used_flag = "0",
                drt_reim_flag = "0",
                hosp_appr_flag = l.HospApprFlag,
                init_feedetl_sn = l.InitFeedetlSn,
                memo = Fees.Memo(l.InitFeedetlSn, l.ChrgBchno),
            }).ToList(),
        };
    }

    /// <summary>The order lines are answered in: as they were incurred, then as uploaded.</summary>
    private const string LineOrder = "ORDER BY f.fee_ocur_time, f.upload_msgid, f.feedetl_sn";

    private static decimal Number(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>
    /// Settlement <paramref name="setlId"/> of this hospital, of <paramref name="psnNo"/> (and of visit <paramref name="mdtrtId"/>
    /// when sent). Another hospital's is refused exactly as one that does not exist.
    /// </summary>
    private static async Task<SettlementRow> OwnSettlementAsync(TransactionContext ctx, string setlId, string psnNo, string? mdtrtId)
    {
        var settlement = await ctx.Db.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @setlId", new { setlId });
        if (settlement is null || settlement.FixmedinsCode != ctx.FixmedinsCode) throw Refusal.NotFound("结算", setlId);
        if (mdtrtId is not null && settlement.MdtrtId != mdtrtId) throw new Refusal($"结算 {setlId} 不属于就诊 {mdtrtId}");
        if (settlement.PsnNo != psnNo) throw new Refusal($"结算 {setlId} 不属于人员 {psnNo}");
        return settlement;
    }
}
