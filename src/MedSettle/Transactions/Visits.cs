using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>Registration of the emergency visit (2201/2202/2203) and the emergency admission (2401/2402/2404/2405).</summary>
public static class Visits
{
    public static async Task<object?> RegisterOutpatientAsync(TransactionContext ctx, VisitOpeningRequest request)
    {
        var visit = await OpenAsync(ctx, request);
        return new { data = new { mdtrt_id = visit, psn_no = request.PsnNo, ipt_otp_no = request.Number } };
    }

    public static async Task<object?> AdmitAsync(TransactionContext ctx, VisitOpeningRequest request)
    {
        var visit = await OpenAsync(ctx, request);
        return new { result = new { mdtrt_id = visit, psn_no = request.PsnNo, ipt_no = request.Number } };
    }

    private static async Task<string> OpenAsync(TransactionContext ctx, VisitOpeningRequest request)
    {
        var (kind, psnNo, insutype, begin, number) = (request.Kind, request.PsnNo, request.Insutype, request.Begntime, request.Number);
        // A visit is registered when the patient is there; a HIS clock may run ahead of the platform's as far as a signature's may.
        if (begin > ctx.Now.Add(HospitalSignature.Window))
            throw new Refusal($"{request.BegntimeField.Path} {begin.ToText()} 晚于当前时间 {ctx.Now.ToText()}：{(kind == VisitKind.Outpatient ? "挂号" : "入院")}只能在患者到院后办理，请核对开始时间")
                { Code = RefusalCode.InTheFuture, Field = request.BegntimeField, Kind = FieldKind.Time, Value = begin.ToText() };
        var person = await People.LockAsync(ctx, psnNo, insutype);
        People.EnsureActive(person);
        Filings.EnsureOpenForCrossRegion(ctx.Hospital);
        await Filings.EnsureCrossRegionAsync(ctx, person);
        var filing = await Filings.FindCoveringAsync(ctx, person, DateOnly.FromDateTime(begin));
        // An emergency admission is filed on admission where the province allows it (异地急诊视同备案); an outpatient visit only
        // when it is settled, the first time the platform needs its filing.
        if (filing is null && kind == VisitKind.Inpatient && ctx.Settings.ImplicitEmergencyFiling)
            filing = await Filings.FileImplicitlyAsync(ctx, person, DateOnly.FromDateTime(begin), request.DiseCodg,
                request.DiseName, "视同备案取入院办理的诊断：请在 mdtrtinfo 中填写 dise_codg 与 dise_name，或先办理备案（2551）");
        if (filing is null)
            ctx.Warn($"人员 {person.PsnNo} 在本院尚无覆盖 {DateOnly.FromDateTime(begin).ToText()} 的异地急诊备案：可先就诊，结算前须办理备案（2551）");

        var duplicate = await ctx.Db.FirstOrDefaultAsync<string>(
            "SELECT mdtrt_id FROM visits WHERE fixmedins_code = @fixmedinsCode AND ipt_otp_no = @number AND kind = @kind AND cancelled_at IS NULL",
            new { fixmedinsCode = ctx.FixmedinsCode, number, kind = KindCode(kind) });
        if (duplicate is not null)
            throw new Refusal(kind == VisitKind.Outpatient
                ? $"门诊号 {number} 已挂号（就诊ID {duplicate}），不能重复挂号"
                : $"住院号 {number} 已办理入院（就诊ID {duplicate}），不能重复入院");

        var mdtrtId = ctx.NewId(kind == VisitKind.Outpatient ? 'M' : 'Z', ctx.Hospital.Admdvs);
        await ctx.Db.ExecuteAsync(
            """
            INSERT INTO visits (mdtrt_id, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, kind, med_type, begntime,
                                ipt_otp_no, dise_codg, dise_name, dept_name, dr_name, trt_dcla_detl_sn, created_at, msgid)
            VALUES (@mdtrtId, @insuplcAdmdvs, @psnNo, @insutype, @fixmedinsCode, @mdtrtareaAdmvs, @kind, @medType, @begntime,
                    @number, @diseCodg, @diseName, @deptName, @drName, @filing, @createdAt, @msgid)
            """,
            new
            {
                mdtrtId, insuplcAdmdvs = person.InsuplcAdmdvs, psnNo, insutype, fixmedinsCode = ctx.FixmedinsCode, mdtrtareaAdmvs = ctx.Hospital.Admdvs,
                kind = KindCode(kind), medType = request.MedType, begntime = begin.ToText(), number,
                // without a diagnosis of its own (2201 has none; 2203 may bring one later) the visit takes its filing's
                diseCodg = request.DiseCodg ?? filing?.DiseCodg, diseName = request.DiseName ?? filing?.DiseName,
                deptName = request.DeptName, drName = request.DrName,
                filing = filing?.TrtDclaDetlSn, createdAt = ctx.Now.ToText(), msgid = ctx.Msgid,
            });
        ctx.Subject = mdtrtId;
        return mdtrtId;
    }

    public static async Task<object?> CancelOutpatientAsync(TransactionContext ctx, VisitRequest request)
    {
        var visit = await OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, VisitKind.Outpatient);
        await CancelAsync(ctx, visit);
        return new { };
    }

    public static async Task<object?> CancelAdmissionAsync(TransactionContext ctx, VisitRequest request)
    {
        var visit = await OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, VisitKind.Inpatient);
        if (visit.Endtime is not null) throw new Refusal($"就诊 {visit.MdtrtId} 已办理出院，请先撤销出院（2405）再撤销入院");
        await CancelAsync(ctx, visit);
        return new { };
    }

    /// <summary>Cancels a registration or admission with no settlement standing; its unsettled fee lines go with it.</summary>
    public static async Task CancelAsync(TransactionContext ctx, VisitRow visit)
    {
        var settled = await StandingSettlementAsync(ctx.Db, visit.MdtrtId);
        if (settled is not null)
            throw new Refusal($"就诊 {visit.MdtrtId} 已有结算 {settled}，须先撤销结算才能撤销{(visit.Kind == "inpatient" ? "入院" : "挂号")}");
        await ctx.Db.ExecuteAsync("UPDATE visits SET cancelled_at = @now WHERE mdtrt_id = @mdtrtId", new { now = ctx.Now.ToText(), mdtrtId = visit.MdtrtId });
        await ctx.Db.ExecuteAsync("UPDATE fee_lines SET withdrawn_at = @now WHERE mdtrt_id = @mdtrtId AND withdrawn_at IS NULL",
            new { now = ctx.Now.ToText(), mdtrtId = visit.MdtrtId });
        ctx.Subject = visit.MdtrtId;
    }

    public static async Task<object?> UploadOutpatientInfoAsync(TransactionContext ctx, OutpatientInfoRequest request)
    {
        var visit = await OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, VisitKind.Outpatient);
        await EnsureNotFinallySettledAsync(ctx, visit);
        await ctx.Db.ExecuteAsync(
            "UPDATE visits SET med_type = @medType, dise_codg = COALESCE(@diseCodg, dise_codg), dise_name = COALESCE(@diseName, dise_name) WHERE mdtrt_id = @mdtrtId",
            new { medType = request.MedType, diseCodg = request.DiseCodg, diseName = request.DiseName, mdtrtId = visit.MdtrtId });
        ctx.Subject = visit.MdtrtId;
        return new { };
    }

    public static async Task<object?> DischargeAsync(TransactionContext ctx, DischargeRequest request)
    {
        var visit = await OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, VisitKind.Inpatient);
        var endtime = request.Endtime;
        if (visit.Endtime is not null) throw new Refusal($"就诊 {visit.MdtrtId} 已于 {visit.Endtime} 办理出院");
        if (endtime < Formats.ParseTime(visit.Begntime))
            throw new Refusal($"出院时间 {endtime.ToText()} 早于入院时间 {visit.Begntime}");
        await ctx.Db.ExecuteAsync(
            "UPDATE visits SET endtime = @endtime, dise_codg = COALESCE(@diseCodg, dise_codg) WHERE mdtrt_id = @mdtrtId",
            new { endtime = endtime.ToText(), diseCodg = request.DiseCodg, mdtrtId = visit.MdtrtId });
        if (request.DscgWay is { } way)
            ctx.Warn($"已忽略 {request.Path}.dscg_way = {way}：本平台不保存离院方式，它不影响结算");
        ctx.Subject = visit.MdtrtId;
        return new { };
    }

    public static async Task<object?> CancelDischargeAsync(TransactionContext ctx, VisitRequest request)
    {
        var visit = await OwnVisitAsync(ctx, request.MdtrtId, request.PsnNo, VisitKind.Inpatient);
        await CancelDischargeAsync(ctx, visit);
        return new { };
    }

    public static async Task CancelDischargeAsync(TransactionContext ctx, VisitRow visit)
    {
        if (visit.Endtime is null) throw new Refusal($"就诊 {visit.MdtrtId} 尚未办理出院，无需撤销出院");
        if (await FinalSettlementAsync(ctx.Db, visit.MdtrtId) is { } final) throw new Refusal($"就诊 {visit.MdtrtId} 已出院结算（{final}），须先撤销结算（2305）才能撤销出院");
        await ctx.Db.ExecuteAsync("UPDATE visits SET endtime = NULL WHERE mdtrt_id = @mdtrtId", new { mdtrtId = visit.MdtrtId });
        ctx.Subject = visit.MdtrtId;
    }

    /// <summary>A visit of this hospital and this person, of the expected kind, not cancelled; the person is locked.</summary>
    public static async Task<VisitRow> OwnVisitAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind) =>
        (await OwnVisitLockedAsync(ctx, mdtrtId, psnNo, kind)).Visit;

    /// <summary>As <see cref="OwnVisitAsync"/>, with the person's row as locked.</summary>
    public static async Task<(VisitRow Visit, PersonRow Person)> OwnVisitLockedAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind)
    {
        var visit = await ctx.Db.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId });
        EnsureOwn(ctx, visit, mdtrtId, psnNo, kind);
        var person = await People.LockAsync(ctx, visit!.PsnNo, visit.Insutype);
        visit = await ctx.Db.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId }) ?? visit;
        EnsureNotCancelled(visit, kind);
        return (visit, person);
    }

    /// <summary>The visit exists, belongs to the requesting hospital and to <paramref name="psnNo"/>, and is of the expected kind.</summary>
    public static void EnsureOwn(TransactionContext ctx, VisitRow? visit, string mdtrtId, string psnNo, VisitKind kind)
    {
        if (visit is null || visit.FixmedinsCode != ctx.FixmedinsCode) throw Refusal.NotFound("就诊", mdtrtId);
        if (visit.PsnNo != psnNo) throw new Refusal($"就诊 {mdtrtId} 不属于人员 {psnNo}");
        if (visit.Kind != KindCode(kind))
            throw new Refusal(kind == VisitKind.Outpatient
                ? $"就诊 {mdtrtId} 是住院就诊，请使用住院交易（23xx/24xx）"
                : $"就诊 {mdtrtId} 是门诊就诊，请使用门诊交易（22xx）");
    }

    public static void EnsureNotCancelled(VisitRow visit, VisitKind kind)
    {
        if (visit.CancelledAt is not null)
            throw new Refusal($"就诊 {visit.MdtrtId} 已于 {visit.CancelledAt} 撤销{(kind == VisitKind.Inpatient ? "入院" : "挂号")}");
    }

    public static async Task EnsureNotFinallySettledAsync(TransactionContext ctx, VisitRow visit)
    {
        if (await FinalSettlementAsync(ctx.Db, visit.MdtrtId) is { } final) throw FinallySettled(visit.MdtrtId, final);
    }

    public static Refusal FinallySettled(string mdtrtId, string setlId) => new($"就诊 {mdtrtId} 已结算（{setlId}），如需变更请先撤销结算");

    /// <summary>SQL condition on settlements <c>s</c>: a settlement of visit <paramref name="mdtrtId"/> (an expression) that stands, not reversed.</summary>
    public static string StandingSettlementOf(string mdtrtId) => $"s.mdtrt_id = {mdtrtId} AND s.kind = 'settle' AND s.reversed_by IS NULL";

    /// <summary>
    /// SQL condition on settlements <c>s</c>: a standing settlement of visit <paramref name="mdtrtId"/> that closed it (not a
    /// mid-stay one, nor one of a single charge batch, after which the visit takes further lines and batches).
    /// </summary>
    public static string FinalSettlementOf(string mdtrtId) => $"{StandingSettlementOf(mdtrtId)} AND s.mid_setl_flag <> '1' AND s.chrg_bchno IS NULL";

    /// <summary>Whether a standing settlement closed its visit (<see cref="FinalSettlementOf"/>).</summary>
    public static bool ClosesVisit(SettlementRow s) => s.MidSetlFlag != "1" && s.ChrgBchno is null;

    /// <summary>The standing settlement that closed the visit (not a mid-stay one), if any.</summary>
    private static Task<string?> FinalSettlementAsync(UnitOfWork db, string mdtrtId) =>
        db.FirstOrDefaultAsync<string>($"SELECT s.setl_id FROM settlements s WHERE {FinalSettlementOf("@mdtrtId")}", new { mdtrtId });

    public static Task<string?> StandingSettlementAsync(UnitOfWork db, string mdtrtId) =>
        db.FirstOrDefaultAsync<string>($"SELECT s.setl_id FROM settlements s WHERE {StandingSettlementOf("@mdtrtId")}", new { mdtrtId });

    public static string KindCode(VisitKind kind) => kind == VisitKind.Outpatient ? "outpatient" : "inpatient";

    public static Refusal MedTypeRefusal(string medType, string expected) =>
        new($"医疗类别 {medType} 不在本平台受理范围：本平台只办理省内异地急诊直接结算（13 急诊、24 急诊转住院）；{expected}");
}
