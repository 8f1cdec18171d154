using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// Pre-settlement (2206/2303), settlement (2207/2304) and its reversal (2208/2305). The numbers come from the pure
/// engine; this file gathers its inputs under the person's lock and records what it decided.
/// </summary>
public static class Settle
{
    private sealed record Prepared(VisitRow Visit, PersonRow Person, HospitalRow Hospital, FilingRow Filing, Policy Policy,
        string MedType, string MidSetlFlag, string AcctUsedFlag, int Year, long BillNo, string? Batch, SettlementResult Result,
        IReadOnlyList<Violation> Violations, IReadOnlyList<Finding> Findings, string? SupervisionWarning);

    /// <summary>
    /// The supplementary funds in force for <paramref name="person"/> on <paramref name="day"/> (DESIGN.md rules 11–13):
    /// 大额 for employees, 大病 for residents, 医疗救助 by the person's assistance class, each with its year so far.
    /// </summary>
    public static SupplementaryCover CoverOf(PersonRow person, IReadOnlyList<SupplementaryRule> rules, DateOnly day, AccumulatorRow year)
    {
        if (rules.Count == 0) return SupplementaryCover.None;
        var (hifob, hifmi, maf) = RulesOf(person.Insutype, person.AssistanceType, rules, day);
        return new SupplementaryCover(
            hifob, new FundYear(Money.FromFen(year.HifobBaseFen), Money.FromFen(year.HifobPaidFen)),
            hifmi, new FundYear(Money.FromFen(year.HifmiBaseFen), Money.FromFen(year.HifmiPaidFen)),
            maf, new FundYear(Money.FromFen(year.MafBaseFen), Money.FromFen(year.MafPaidFen)));
    }

    /// <summary>
    /// Which supplementary rules apply, on <paramref name="day"/>, to a person of scheme <paramref name="insutype"/> and
    /// assistance class <paramref name="assistanceType"/> (blank: none): 大额 for 310, 大病 for 390, 医疗救助 by class.
    /// </summary>
    public static (SupplementaryRule? Hifob, SupplementaryRule? Hifmi, SupplementaryRule? Maf) RulesOf(string insutype, string? assistanceType,
        IReadOnlyList<SupplementaryRule> rules, DateOnly day)
    {
        var assistance = string.IsNullOrEmpty(assistanceType) ? null : assistanceType;
        SupplementaryRule? Pick(SupplementaryFund fund, Func<SupplementaryRule, bool> applies) =>
            Engine.Settlement.InForce(rules.Where(r => r.Fund == fund && applies(r)), day);
        return (Pick(SupplementaryFund.Hifob, r => insutype == "310" && r.Insutype == "310"),
            Pick(SupplementaryFund.Hifmi, r => insutype == "390" && r.Insutype == "390"),
            Pick(SupplementaryFund.Maf, r => assistance is not null && r.AssistanceType == assistance));
    }

    public static async Task<object?> PreSettleAsync(TransactionContext ctx, SettlementRequest request)
    {
        var prepared = await PrepareAsync(ctx, request, preview: true, SettlementReads.Direct);
        return Output(prepared.Person, ToRow(prepared, setlId: "", ctx), prepared.Violations);
    }

    public static async Task<object?> SettleAsync(TransactionContext ctx, SettlementRequest request)
    {
        var decided = await DecideAsync(ctx, request, SettlementReads.Direct);
        // The row takes the visit's open bill, read under the person's lock: no fee line is written (see Bills).
        await SettlementEffects.WriteAsync(ctx.Db, decided.Effects);
        if (decided.Findings.Count > 0)
            await SupervisionCases.FileAsync(ctx.Db, CaseSubject.Of(decided.Row), decided.Findings, SupervisionCases.AtSettlement, $"{ctx.FixmedinsCode} {ctx.Infno}", ctx.Now);
        return decided.Output;
    }

    /// <summary>
    /// A settlement decided and not yet recorded: what it changes, the answer to the hospital, and the supervision findings
    /// to file with it (none in a settlement group: a settlement with any runs alone).
    /// </summary>
    public sealed record Decided(SettlementEffects Effects, object Output, IReadOnlyList<Finding> Findings)
    {
        public SettlementRow Row => Effects.Row;
        public PersonRow Person => Effects.Person;
    }

    /// <summary>Everything 2207/2304 decides, read through <paramref name="reads"/>; the caller records it.</summary>
    public static async Task<Decided> DecideAsync(TransactionContext ctx, SettlementRequest request, ISettlementReads reads)
    {
        var prepared = await PrepareAsync(ctx, request, preview: false, reads);
        var setlId = ctx.NewId('S', prepared.Person.InsuplcAdmdvs);
        var row = ToRow(prepared, setlId, ctx);
        ctx.Subject = setlId;
        if (prepared.SupervisionWarning is { } flagged) ctx.Warn(flagged);
        return new Decided(new SettlementEffects(row, prepared.Person, prepared.Result.Effect, ctx.AuditWithEffects()),
            Output(prepared.Person, row, prepared.Findings.Count > 0 ? prepared.Findings.Select(f => f.Violation).ToList() : null), prepared.Findings);
    }

    public static async Task<object?> ReverseAsync(TransactionContext ctx, SettlementReversalRequest request, VisitKind kind)
    {
        var (setlId, mdtrtId, psnNo) = (request.SetlId, request.MdtrtId, request.PsnNo);
        var original = await ctx.Db.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @setlId", new { setlId });
        if (original is null || original.FixmedinsCode != ctx.FixmedinsCode) throw Refusal.NotFound("结算", setlId);
        if (original.MdtrtId != mdtrtId) throw new Refusal($"结算 {setlId} 不属于就诊 {mdtrtId}");
        if (original.PsnNo != psnNo) throw new Refusal($"结算 {setlId} 不属于人员 {psnNo}");
        var expectedClr = kind == VisitKind.Outpatient ? "11" : "21";
        if (original.ClrType != expectedClr)
            throw new Refusal(kind == VisitKind.Outpatient ? $"结算 {setlId} 是住院结算，请用 2305 撤销" : $"结算 {setlId} 是门诊结算，请用 2208 撤销");
        var (reversal, person) = await ReverseAsync(ctx, original, request.Reason);
        return Output(person, reversal);
    }

    /// <summary>The longest reason for a reversal (2208/2305 <c>memo</c>, the window's 撤销原因), in characters.</summary>
    public const int MaxReasonLength = 100;

    /// <summary>
    /// Reverses a settlement: a negative row of its own time, carrying the <paramref name="reason"/> given (if any), and every
    /// accumulator and balance put back.
    /// </summary>
    public static async Task<(SettlementRow Reversal, PersonRow Person)> ReverseAsync(TransactionContext ctx, SettlementRow original, string? reason = null)
    {
        var person = await People.LockAsync(ctx, original.PsnNo, original.Insutype);
        var current = await ctx.Db.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @setlId", new { setlId = original.SetlId });
        if (current!.Kind != "settle") throw new Refusal($"{original.SetlId} 是一笔撤销记录，不能再撤销");
        if (current.ReversedBy is not null) throw new Refusal($"结算 {original.SetlId} 已撤销（撤销结算ID {current.ReversedBy}），不能重复撤销");
        // Newest first: a later settlement of the visit was decided on what this one had met (a per-visit deductible), so
        // this one may not be taken back while that one stands.
        var later = await ctx.Db.FirstOrDefaultAsync<string>(
            $"SELECT s.setl_id FROM settlements s WHERE {Visits.StandingSettlementOf("@mdtrtId")} AND s.bill_no > @billNo ORDER BY s.bill_no DESC",
            new { mdtrtId = current.MdtrtId, billNo = current.BillNo });
        if (later is not null)
            throw new Refusal($"就诊 {current.MdtrtId} 在结算 {original.SetlId} 之后还有结算 {later} 未撤销：请先撤销 {later}，再撤销本笔（按结算先后倒序撤销）");

        var reversalId = ctx.NewId('R', current.InsuplcAdmdvs);
        var reversal = Negated(current, reversalId, ctx.Now.ToText(), ctx.Msgid) with { Reason = reason };
        reversal.BalcFen = person.AcctBalcFen + current.AcctPayFen;
        // the reversal's row is the settlement's negated, so its effects take back exactly what the settlement moved
        await SettlementEffects.WriteAsync(ctx.Db, SettlementEffects.Of(reversal, person, ctx.AuditWithEffects()));
        await ctx.Db.ExecuteAsync("UPDATE settlements SET reversed_by = @reversalId WHERE setl_id = @setlId", new { reversalId, setlId = current.SetlId });
        // its supervision case ends with it (a confirmed deduction refunded in this month): docs/SUPERVISION.md "Reversal after a deduction"
        await SupervisionReview.SettlementReversedAsync(ctx.Db, current.SetlId, reversalId, $"{ctx.FixmedinsCode} {ctx.Infno}", ctx.Now);
        // its lines go back into the visit's open bill (after every bill taken so far, this one included), noted as the
        // lines it had taken (its slip still lists them)
        await ctx.Db.ExecuteAsync(
            $"""
            INSERT INTO reversed_lines (setl_id, mdtrt_id, upload_msgid, feedetl_sn)
            SELECT @setlId, f.mdtrt_id, f.upload_msgid, f.feedetl_sn FROM fee_lines f WHERE {Bills.LinesOfBill("@mdtrtId", "@billNo")}
            """, new { setlId = current.SetlId, mdtrtId = current.MdtrtId, billNo = current.BillNo });
        await ctx.Db.ExecuteAsync($"UPDATE fee_lines SET bill_no = {Bills.OpenNumber("@mdtrtId")} WHERE mdtrt_id = @mdtrtId AND bill_no = @billNo",
            new { mdtrtId = current.MdtrtId, billNo = current.BillNo });
        ctx.Subject = reversalId;
        return (reversal, person);
    }

    /// <summary>Everything a settlement needs, under the person's lock; a preview (pre-settlement) may come before discharge.</summary>
    private static async Task<Prepared> PrepareAsync(TransactionContext ctx, SettlementRequest request, bool preview, ISettlementReads reads)
    {
        var kind = request.Kind;
        var (visit, person) = await reads.OwnVisitLockedAsync(ctx, request.MdtrtId, request.PsnNo, kind);
        var insutype = request.Insutype ?? visit.Insutype;
        if (insutype != visit.Insutype) throw new Refusal($"险种 {insutype} 与就诊登记的险种 {visit.Insutype} 不一致");

        var medType = request.MedType ?? visit.MedType;
        var expected = kind == VisitKind.Outpatient ? CareCategories.EmergencyMedType : CareCategories.EmergencyAdmissionMedType;
        if (medType != expected)
            throw Visits.MedTypeRefusal(medType, kind == VisitKind.Outpatient ? "门诊结算的医疗类别应为 13（急诊）" : "住院结算的医疗类别应为 24（急诊转住院）");
        var category = CareCategories.FromMedType(medType)!.Value;

        People.EnsureActive(person);
        var visitDate = Formats.ParseDate(visit.Begntime);
        var filing = Filings.FindCovering(await reads.FilingsAsync(ctx, person), visitDate)
                     ?? (ctx.Settings.ImplicitEmergencyFiling
                         ? preview ? await FileImplicitlyAsync(ctx, person, visit, record: false) : await reads.FileImplicitlyAsync(ctx, person, visit)
                         : throw Filings.NotCovered(person, visitDate));

        // The visit's standing settlements: a final one closes it; mid-stay ones have met part of a per-visit deductible.
        var standing = await reads.StandingAsync(ctx, visit.MdtrtId);
        if (standing.FirstOrDefault(Visits.ClosesVisit) is { } final) throw Visits.FinallySettled(visit.MdtrtId, final.SetlId);
        var midSetlFlag = request.MidStay ? "1" : "0";
        if (kind == VisitKind.Inpatient && midSetlFlag == "0" && visit.Endtime is null && !preview)
            throw new Refusal($"就诊 {visit.MdtrtId} 尚未办理出院，出院结算前须先办理出院（2402）；中途结算请传 mid_setl_flag = 1")
                { Code = RefusalCode.NotDischarged, Field = request.MidSetlFlagField, Value = visit.MdtrtId, Resolves = "2402" };

        var batch = request.Batch;
        var open = await reads.OpenBillAsync(ctx, visit.MdtrtId, batch);
        if (open.Lines == 0 && batch is not null) throw await NoOpenBatchAsync(ctx, visit.MdtrtId, batch);
        // A batch that holds every open line is the whole open bill, and is settled as such (closing the visit, as it
        // always did): most clients send the one batch they uploaded everything in.
        if (batch is not null && open.BillLines == open.Lines) batch = null;
        if (open.Lines == 0)
            throw new Refusal($"就诊 {visit.MdtrtId} 没有待结算的费用明细，请先上传费用明细（{(kind == VisitKind.Outpatient ? "2204" : "2301")}）");
        if (open.AmountFen == 0)
            throw new Refusal($"就诊 {visit.MdtrtId} {(batch is null ? "" : $"收费批次 {batch} ")}待结算的费用明细合计为 0.00，无需结算：请核对明细的单价与数量");

        // The lines were graded at upload (Fees): the bill is their amounts summed, to the fen.
        var bill = new BillTotals(Money.FromFen(open.AmountFen), Money.FromFen(open.FulamtOwnpayFen), Money.FromFen(open.OverlmtFen),
            Money.FromFen(open.PreselfpayFen), Money.FromFen(open.InscpFen));
        var declared = request.MedfeeSumamt;
        if (declared != bill.MedfeeSumamt)
            throw new Refusal(batch is null
                ? $"医疗费总额 medfee_sumamt {declared:0.00} 与已上传的费用明细合计 {bill.MedfeeSumamt:0.00} 不一致，请核对明细后重新结算"
                : $"医疗费总额 medfee_sumamt {declared:0.00} 与收费批次 {batch} 未结算的费用明细合计 {bill.MedfeeSumamt:0.00} 不一致，请核对该批次的明细后重新结算")
                { Code = RefusalCode.TotalMismatch, Field = request.MedfeeSumamtField, Value = declared.ToString("0.00", CultureInfo.InvariantCulture) };

        var hospital = ctx.Hospital;
        var policy = PolicySelection.InForce((await reads.PoliciesAsync(ctx, PolicyKeyOf(person, category, hospital))).Select(ToPolicy), visitDate)
            ?? throw new Refusal($"参保地 {await People.RegionNameAsync(ctx.Db, person.InsuplcAdmdvs)}（{person.InsuplcAdmdvs}）没有 {visitDate.ToText()} 适用的"
                                 + $"{Formats.InsutypeName(person.Insutype)}{(category == CareCategory.Inpatient ? "住院" : "急诊门诊")}（{hospital.HospLv}级医院）待遇政策，请联系参保地经办机构");

        var year = visitDate.Year;
        var accumulated = await reads.AccumulatedAsync(ctx, person, year) ?? new AccumulatorRow();
        var usedThisVisit = standing.Sum(s => s.ActPayDedcFen);

        var acctUsedFlag = request.UsesAccount ? "1" : "0";
        WarnIgnored(ctx, request, person);
        var cover = CoverOf(person, await reads.SupplementsAsync(ctx, person.InsuplcAdmdvs), visitDate, accumulated);
        var result = Engine.Settlement.Compute(
            bill,
            policy,
            new Accumulated(
                Money.FromFen(accumulated.HifpPaidFen),
                Money.FromFen(category == CareCategory.Inpatient ? accumulated.DedcInpatientFen : accumulated.DedcOutpatientFen),
                Money.FromFen(usedThisVisit)),
            new PersonalAccount(person.Insutype == "310", acctUsedFlag == "1", Money.FromFen(person.AcctBalcFen)),
            cover);

        // 事中 (docs/SUPERVISION.md): a preview lists every violation of the visit; a settlement whose lines are marked checks
        // them afresh, is refused by a block one the hospital did not approve, and files the rest for review.
        IReadOnlyList<Violation> violations = [];
        IReadOnlyList<Finding> findings = [];
        string? warning = null;
        if (preview || open.FlaggedLines > 0)
        {
            var check = await reads.SupervisionAsync(ctx, visit, person);
            violations = check.Violations;
            if (!preview)
                findings = InlineSupervision.Findings(check, check.Lines
                    .Where(l => l.SetlId is null && l.BillNo == open.BillNo && (batch is null || l.ChrgBchno == batch))
                    .Select(l => l.FeedetlSn).ToHashSet(StringComparer.Ordinal));
            warning = InlineSupervision.Flagged(findings, check.Rules);
        }
        return new Prepared(visit, person, hospital, filing, policy, medType, midSetlFlag, acctUsedFlag, year, open.BillNo, batch, result, violations, findings, warning);
    }

    /// <summary>
    /// Fields the client sent that this settlement reads and does not act on, said in warn_msg (the figures are what they
    /// would be without them): an account asked for in a scheme that has none, a mid-stay flag on an outpatient settlement,
    /// a charge batch on an admission's (settled by its bill, mid-stay or final, never by batch), a psn_setlway other than
    /// 01 (the platform settles by item only), and a self-pay breakdown (computed by the platform from the lines, never read).
    /// </summary>
    private static void WarnIgnored(TransactionContext ctx, SettlementRequest request, PersonRow person)
    {
        if (request.UsesAccount && person.Insutype != "310")
            ctx.Warn($"已忽略 {request.Path}.acct_used_flag = 1：{Formats.InsutypeName(person.Insutype)}（险种 {person.Insutype}）没有个人账户，个人账户支付 acct_pay 为 0.00");
        if (request.Kind == VisitKind.Outpatient && request.MidSetlFlag == "1")
            ctx.Warn($"已忽略 {request.Path}.mid_setl_flag = 1：中途结算只用于住院结算（2303/2304），门诊结算不分中途与出院");
        if (request.Kind == VisitKind.Inpatient && request.ChrgBchno is { } batch && batch != SettlementRequest.AllBatches)
            ctx.Warn($"已忽略 {request.Path}.chrg_bchno {batch}：住院结算按账单结算全部未结算的费用明细（中途或出院），不按收费批次");
        if (request.PsnSetlway is { } way && way != SettlementRequest.ByItem)
            ctx.Warn($"已忽略 {request.Path}.psn_setlway = {way}：本平台只按项目结算（01），按已上传的费用明细逐项计算，不按定额（02）或其他方式结算");
        if (request.SelfPayBreakdown is { Count: > 0 } breakdown)
            ctx.Warn($"已忽略 {string.Join("、", breakdown.Select(f => $"{request.Path}.{f.Field} = {f.Value}"))}：自付分项由平台按已上传的费用明细计算，"
                     + "不读取医院所传的金额；setlinfo 中的 fulamt_ownpay_amt、overlmt_selfpay、preselfpay_amt、inscp_scp_amt 是平台自己的计算结果");
    }

    /// <summary>Why charge batch <paramref name="batch"/> of the visit has nothing to settle: no such batch, or all of it settled.</summary>
    private static async Task<Refusal> NoOpenBatchAsync(TransactionContext ctx, string mdtrtId, string batch)
    {
        var lines = (await ctx.Db.QueryAsync<FeeLineRow>(
            $"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")} AND f.chrg_bchno = @batch", new { mdtrtId, batch })).ToList();
        if (lines.Count == 0)
            return new Refusal($"就诊 {mdtrtId} 没有收费批次号 chrg_bchno {batch} 的费用明细（或已全部撤销）：请核对批次号，或先上传该批次的费用明细（2204）；"
                               + "不传 chrg_bchno 则结算全部未结算明细");
        var settled = lines.Select(l => l.SetlId).OfType<string>().Distinct().ToList();
        return new Refusal($"就诊 {mdtrtId} 收费批次 {batch} 的费用明细已全部结算（结算 {string.Join("、", settled)}），没有待结算的明细：无需重复结算；"
                           + "如需重新结算请先撤销该结算（2208）");
    }

    /// <summary>异地急诊视同备案 for a visit to be settled that no filing covers, with the visit's diagnosis (see <see cref="Filings.FileImplicitlyAsync"/>).</summary>
    public static Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, VisitRow visit, bool record = true) =>
        Filings.FileImplicitlyAsync(ctx, person, Formats.ParseDate(visit.Begntime), visit.DiseCodg, visit.DiseName,
            visit.Kind == "inpatient"
                ? "视同备案取本次住院的诊断，该就诊尚无诊断：请办理备案（2551）后再结算"
                : "视同备案取本次就诊的诊断，该就诊尚无诊断：请先上传就诊信息（2203）或办理备案（2551）后再结算",
            record);

    public static PolicyKey PolicyKeyOf(PersonRow person, CareCategory category, HospitalRow hospital) =>
        new(person.InsuplcAdmdvs, person.Insutype, category.Code(), hospital.HospLv);

    public static async Task<Policy?> PolicyAsync(UnitOfWork db, string region, string insutype, CareCategory category, int hospLv, DateOnly day) =>
        PolicySelection.InForce((await SettlementReads.PolicyVersionsAsync(db, new PolicyKey(region, insutype, category.Code(), hospLv))).Select(ToPolicy), day);

    /// <summary>
    /// A stored policy row as the engine's <see cref="Policy"/>. A category or deductible basis this program does not know
    /// (written past the importer's checks) is refused, never read as some other rule.
    /// </summary>
    public static Policy ToPolicy(PolicyRow row)
    {
        if (!CareCategories.TryParse(row.Category, out var category) || !CareCategories.TryParseDeductibleBasis(row.DeductibleBasis, out var basis))
            throw new Refusal($"参保地 {row.InsuplcAdmdvs} 的{Formats.InsutypeName(row.Insutype)}待遇政策（{row.EffectiveFrom} 起执行，{row.HospLv}级医院）"
                              + $"类别“{row.Category}”或起付线方式“{row.DeductibleBasis}”无法识别，不能据此结算：请联系参保地经办机构核对政策数据。本次未结算");
        return new Policy(row.InsuplcAdmdvs, row.Insutype, category, (int)row.HospLv, Formats.ParseDate(row.EffectiveFrom),
            Money.FromFen(row.DeductibleFen), basis, decimal.Parse(row.Ratio, CultureInfo.InvariantCulture), Money.FromFen(row.AnnualCapFen));
    }

    private static SettlementRow ToRow(Prepared p, string setlId, TransactionContext ctx) =>
        WithResult(new SettlementRow
        {
            SetlId = setlId,
            Kind = "settle",
            MdtrtId = p.Visit.MdtrtId,
            InsuplcAdmdvs = p.Person.InsuplcAdmdvs,
            MdtrtareaAdmvs = p.Hospital.Admdvs,
            FixmedinsCode = p.Hospital.FixmedinsCode,
            PsnNo = p.Person.PsnNo,
            Insutype = p.Person.Insutype,
            MedType = p.MedType,
            ClrType = p.Visit.Kind == "inpatient" ? "21" : "11",
            MidSetlFlag = p.MidSetlFlag,
            AcctUsedFlag = p.AcctUsedFlag,
            Year = p.Year,
            SetlTime = ctx.Now.ToText(),
            TrtDclaDetlSn = p.Filing.TrtDclaDetlSn,
            PolicyEffectiveFrom = p.Policy.EffectiveFrom.ToText(),
            Begndate = Formats.ParseDate(p.Visit.Begntime).ToText(),
            Msgid = ctx.Msgid,
            BillNo = p.BillNo,
            ChrgBchno = p.Batch,
        }, p.Result);

    /// <summary>
    /// <paramref name="row"/> with what a settlement stores of the engine's result <paramref name="r"/>: the ratio, the bill's
    /// parts, the deductible, each fund's pay (and a supplementary fund's base and cap left, null where it does not apply),
    /// the account, the cash and the balance after, in fen. The bench's history generator fills its rows with it too.
    /// </summary>
    public static SettlementRow WithResult(SettlementRow row, SettlementResult r)
    {
        row.PoolPropSelfpay = r.PoolPropSelfpay.ToString(CultureInfo.InvariantCulture);
        row.MedfeeFen = Money.ToFen(r.Bill.MedfeeSumamt);
        row.FulamtOwnpayFen = Money.ToFen(r.Bill.FulamtOwnpayAmt);
        row.OverlmtFen = Money.ToFen(r.Bill.OverlmtSelfpay);
        row.PreselfpayFen = Money.ToFen(r.Bill.PreselfpayAmt);
        row.InscpFen = Money.ToFen(r.Bill.InscpScpAmt);
        row.ActPayDedcFen = Money.ToFen(r.ActPayDedc);
        row.DedcAddedFen = Money.ToFen(r.Effect.DeductibleUsed);
        row.CapLeftFen = Money.ToFen(r.CapLeft);
        row.HifpFen = Money.ToFen(r.HifpPay);
        row.FundPayFen = Money.ToFen(r.FundPaySumamt);
        row.PsnPartFen = Money.ToFen(r.PsnPartAmt);
        row.AcctPayFen = Money.ToFen(r.AcctPay);
        row.PsnCashFen = Money.ToFen(r.PsnCashPay);
        row.BalcFen = Money.ToFen(r.Balc);
        row.HifobFen = Fen(r.Hifob?.Pay);
        row.HifmiFen = Fen(r.Hifmi?.Pay);
        row.MafFen = Fen(r.Maf?.Pay);
        row.HifobBaseFen = FenOrNull(r.Hifob?.Base);
        row.HifmiBaseFen = FenOrNull(r.Hifmi?.Base);
        row.MafBaseFen = FenOrNull(r.Maf?.Base);
        row.HifobCapLeftFen = FenOrNull(r.Hifob?.CapLeft);
        row.HifmiCapLeftFen = FenOrNull(r.Hifmi?.CapLeft);
        row.MafCapLeftFen = FenOrNull(r.Maf?.CapLeft);
        return row;

        static long Fen(decimal? amount) => amount is { } a ? Money.ToFen(a) : 0;
        static long? FenOrNull(decimal? amount) => amount is { } a ? Money.ToFen(a) : null;
    }

    /// <summary>
    /// The reversal of a settlement: the same case with every amount negated, at its own time (<paramref name="setlTime"/>)
    /// and message. The bench's history generator writes its reversals with it too.
    /// </summary>
    public static SettlementRow Negated(SettlementRow s, string reversalId, string setlTime, string msgid) => s with
    {
        SetlId = reversalId,
        Kind = "reversal",
        OrigSetlId = s.SetlId,
        ReversedBy = null,
        BillNo = null,
        SetlTime = setlTime,
        MedfeeFen = -s.MedfeeFen,
        FulamtOwnpayFen = -s.FulamtOwnpayFen,
        OverlmtFen = -s.OverlmtFen,
        PreselfpayFen = -s.PreselfpayFen,
        InscpFen = -s.InscpFen,
        ActPayDedcFen = -s.ActPayDedcFen,
        DedcAddedFen = -s.DedcAddedFen,
        HifpFen = -s.HifpFen,
        FundPayFen = -s.FundPayFen,
        PsnPartFen = -s.PsnPartFen,
        AcctPayFen = -s.AcctPayFen,
        PsnCashFen = -s.PsnCashFen,
        Msgid = msgid,
        HifobFen = -s.HifobFen,
        HifmiFen = -s.HifmiFen,
        MafFen = -s.MafFen,
        HifobBaseFen = -s.HifobBaseFen,
        HifmiBaseFen = -s.HifmiBaseFen,
        MafBaseFen = -s.MafBaseFen,
    };

    /// <summary>
    /// The answer: setlinfo and setldetail, and, for a preview and for a settlement filed for supervision, the violations
    /// (<see cref="InlineSupervision.Answer"/>; a preview answers the list even when it is empty). 5203 answers a stored
    /// settlement or reversal with it (<see cref="VisitQueries"/>), exactly as its settlement answered.
    /// </summary>
    internal static object Output(PersonRow person, SettlementRow s, IReadOnlyList<Violation>? violations = null)
    {
        var age = People.Age(person, Formats.ParseDate(s.SetlTime));
        var fundPayType = s.Insutype == "310" ? ("310100", "职工基本医疗保险统筹基金") : ("390100", "城乡居民基本医疗保险基金");
        var setlinfo = new SetlInfo(
            s.MdtrtId, s.SetlId, s.PsnNo, person.PsnName, "01", IdentityNumber.Mask(person.Certno), person.Gend, person.Naty, person.Brdy, age, s.Insutype,
            s.Insutype == "310" ? "1101" : "1501", person.CvlservFlag, s.SetlTime, "02", s.MedType,
            Money.FromFen(s.MedfeeFen), Money.FromFen(s.FulamtOwnpayFen), Money.FromFen(s.OverlmtFen), Money.FromFen(s.PreselfpayFen),
            Money.FromFen(s.InscpFen), Money.FromFen(s.ActPayDedcFen), Money.FromFen(s.HifpFen),
            decimal.Parse(s.PoolPropSelfpay, CultureInfo.InvariantCulture),
            0.00m, 0.00m, Money.FromFen(s.HifmiFen), Money.FromFen(s.HifobFen), 0.00m, Money.FromFen(s.MafFen), 0.00m,
            Money.FromFen(s.FundPayFen), Money.FromFen(s.PsnPartFen), Money.FromFen(s.AcctPayFen), Money.FromFen(s.PsnCashFen), 0.00m,
            Money.FromFen(s.BalcFen), 0.00m, s.Msgid, s.InsuplcAdmdvs, "01", s.ClrType, s.MidSetlFlag, s.Kind == "reversal" ? "1" : "0",
            s.OrigSetlId);
        // Rule 15: the basic fund on what it reimbursed (in scope above the deductible), then each supplementary fund
        // that applies to the person, on the base it was computed on.
        var setldetail = new List<SetlDetail>(4)
        {
            new(fundPayType.Item1, Money.FromFen(s.InscpFen - s.ActPayDedcFen), Money.FromFen(s.CapLeftFen), Money.FromFen(s.HifpFen),
                fundPayType.Item2, ProcessInfo(s, setlinfo.PoolPropSelfpay)),
        };
        AddShare(SupplementaryFund.Hifob, s.HifobBaseFen, s.HifobCapLeftFen, s.HifobFen);
        AddShare(SupplementaryFund.Hifmi, s.HifmiBaseFen, s.HifmiCapLeftFen, s.HifmiFen);
        AddShare(SupplementaryFund.Maf, s.MafBaseFen, s.MafCapLeftFen, s.MafFen);
        return violations is null
            ? new { setlinfo, setldetail }
            : new { setlinfo, setldetail, violations = violations.Select(InlineSupervision.Answer).ToList() };

        void AddShare(SupplementaryFund fund, long? baseFen, long? capLeftFen, long payFen)
        {
            if (baseFen is not { } b) return;
            setldetail.Add(new SetlDetail(FundShare.PayTypeCode(fund), Money.FromFen(b), Money.FromFen(capLeftFen ?? 0), Money.FromFen(payFen),
                FundShare.PayTypeName(fund), null));
        }
    }

    private sealed record SetlDetail(string FundPayType, decimal InscpScpAmt, decimal CrtPaybLmtAmt, decimal FundPayamt, string FundPayTypeName,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? SetlProcInfo);

    /// <summary>How the fund's share was reached, for the clerk; a reversal says what it undoes rather than showing a negative deductible.</summary>
    private static string ProcessInfo(SettlementRow s, decimal poolPropSelfpay)
    {
        var rules = $"支付比例{poolPropSelfpay:0.####}，政策{s.PolicyEffectiveFrom}版";
        return s.Kind == "reversal"
            ? $"撤销结算{s.OrigSetlId}：退回起付线{-Money.FromFen(s.ActPayDedcFen):0.00}，{rules}"
            : $"起付线{Money.FromFen(s.ActPayDedcFen):0.00}，{rules}";
    }

    /// <summary>
    /// The answer's setlinfo (2206/2207/2208, 2303/2304/2305). naty and cvlserv_flag are the person's as persons.csv gives them,
    /// null where it does not say; hifdm_pay (伤残人员医疗保障基金) is 0.00, as cvlserv_pay, hifes_pay and oth_pay: the platform
    /// settles no such fund.
    /// </summary>
    private sealed record SetlInfo(
        string MdtrtId, string SetlId, string PsnNo, string PsnName, string PsnCertType, string Certno, string Gend, string? Naty, string Brdy, int Age,
        string Insutype, string PsnType, string? CvlservFlag, string SetlTime, string MdtrtCertType, string MedType,
        decimal MedfeeSumamt, decimal FulamtOwnpayAmt, decimal OverlmtSelfpay, decimal PreselfpayAmt, decimal InscpScpAmt,
        decimal ActPayDedc, decimal HifpPay, decimal PoolPropSelfpay,
        decimal CvlservPay, decimal HifesPay, decimal HifmiPay, decimal HifobPay, decimal HifdmPay, decimal MafPay, decimal OthPay,
        decimal FundPaySumamt, decimal PsnPartAmt, decimal AcctPay, decimal PsnCashPay, decimal HospPartAmt, decimal Balc,
        decimal AcctMulaidPay, string MedinsSetlId, string ClrOptins, string ClrWay, string ClrType, string MidSetlFlag,
        string RefdSetlFlag, string? OrigSetlId);
}
