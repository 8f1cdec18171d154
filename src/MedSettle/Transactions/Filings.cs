using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 2551 异地急诊备案 (filed and verified at once) and 2552 its revocation; and, where the province allows it
/// (<see cref="TransactionSettings.ImplicitEmergencyFiling"/>), the filing an emergency admission or settlement makes itself when
/// none covers its visit (异地急诊视同备案), verified by the same code as 2551.
/// </summary>
public static class Filings
{
    public static async Task<object?> FileAsync(TransactionContext ctx, FilingRequest request)
    {
        var (begndate, enddate, diseCodg, diseName) = (request.Begndate, request.Enddate, request.DiseCodg, request.DiseName);
        var person = await People.LockAsync(ctx, request.PsnNo, request.Insutype);
        await VerifyAsync(ctx, person, begndate, enddate, diseCodg);

        var existing = Overlapping(await CandidatesAsync(ctx, person), begndate, enddate)
            .OrderBy(f => f.CreatedAt, StringComparer.Ordinal).ThenBy(f => f.TrtDclaDetlSn, StringComparer.Ordinal)
            .FirstOrDefault();
        if (existing is not null)
        {
            ctx.Warn($"该人员在本院已有覆盖此时段的有效备案 {existing.TrtDclaDetlSn}（{existing.Begndate} 至 {existing.Enddate}），已返回原备案");
            ctx.Subject = null;
            return Output(existing.TrtDclaDetlSn, existing.InsuplcAdmdvs, existing.Begndate, existing.Enddate, "1");
        }

        var sn = await InsertAsync(ctx, person, begndate, enddate, diseCodg, diseName, request.MainCondDscr, request.Tel, implicitly: false);
        ctx.Subject = sn;
        return Output(sn, person.InsuplcAdmdvs, begndate.ToText(), enddate.ToText(), "1");
    }

    internal const string MissingDiagnosisCode = "缺少诊断编码 dise_codg：异地急诊备案须填写ICD-10诊断（如 J18.9）";
    internal const string MissingDiagnosisName = "缺少诊断名称 dise_name";

    /// <summary>
    /// 2551's verification (核定) of a filing for <paramref name="person"/> (locked) at the requesting hospital, in 2551's order:
    /// insured and not paused, the hospital open for cross-region settlement and outside the person's home region, an ICD-10
    /// diagnosis, a window that begins no later than today and ends no earlier than it begins.
    /// </summary>
    private static async Task VerifyAsync(TransactionContext ctx, PersonRow person, DateOnly begndate, DateOnly enddate, string diseCodg)
    {
        People.EnsureActive(person);
        EnsureOpenForCrossRegion(ctx.Hospital);
        await EnsureCrossRegionAsync(ctx, person);
        if (!Filing.IsIcd10Code(diseCodg))
            throw new Refusal($"诊断编码“{diseCodg}”不是有效的ICD-10编码（应如 J18.9、I21.0、S06）");
        if (begndate > DateOnly.FromDateTime(ctx.Now))
            throw new Refusal($"备案开始日期 {begndate.ToText()} 晚于今天 {DateOnly.FromDateTime(ctx.Now).ToText()}，急诊备案不能预先办理");
        if (enddate < begndate)
            throw new Refusal($"备案结束日期 {enddate.ToText()} 早于开始日期 {begndate.ToText()}");
    }

    private static async Task<string> InsertAsync(TransactionContext ctx, PersonRow person, DateOnly begndate, DateOnly enddate,
        string diseCodg, string diseName, string? mainCondDscr, string? tel, bool implicitly)
    {
        var sn = ctx.NewId('B', ctx.Hospital.Admdvs);
        await ctx.Db.ExecuteAsync(
            """
            INSERT INTO filings (trt_dcla_detl_sn, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, begndate, enddate,
                                 dise_codg, dise_name, main_cond_dscr, tel_enc, created_at, msgid, filed_implicitly)
            VALUES (@sn, @insuplcAdmdvs, @psnNo, @insutype, @fixmedinsCode, @mdtrtareaAdmvs, @begndate, @enddate,
                    @diseCodg, @diseName, @mainCondDscr, @telEnc, @createdAt, @msgid, @implicitly)
            """,
            new
            {
                sn, insuplcAdmdvs = person.InsuplcAdmdvs, psnNo = person.PsnNo, insutype = person.Insutype, fixmedinsCode = ctx.FixmedinsCode,
                mdtrtareaAdmvs = ctx.Hospital.Admdvs, begndate = begndate.ToText(), enddate = enddate.ToText(), diseCodg, diseName,
                mainCondDscr, telEnc = FilingPhones.Seal(ctx.Db.Database, tel), createdAt = ctx.Now.ToText(), msgid = ctx.Msgid,
                implicitly = implicitly ? 1 : 0,
            });
        return sn;
    }

    /// <summary>
    /// 异地急诊视同备案: the filing an emergency that has none covering <paramref name="day"/> makes for itself, in the request's
    /// transaction and under its msgid, marked implicit. Verified by 2551's code and refused as 2551 would refuse it; it takes
    /// the visit's diagnosis and the 72-hour window from the visit's day (ending the day before a later filing of the person
    /// here, so that no two overlap). Where <paramref name="record"/> is false (a pre-settlement) it is verified and not made.
    /// The answer's warn_msg says so, with the filing's trt_dcla_detl_sn.
    /// </summary>
    /// <param name="diagnosisSource">Where the diagnosis comes from, added to a refusal for want of one.</param>
    public static async Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, DateOnly day, string? diseCodg, string? diseName,
        string diagnosisSource, bool record = true)
    {
        if (diseCodg is null) throw new Refusal($"{MissingDiagnosisCode}（{diagnosisSource}）");
        if (diseName is null) throw new Refusal($"{MissingDiagnosisName}（{diagnosisSource}）");
        var enddate = Filing.DefaultEndDate(day);
        await VerifyAsync(ctx, person, day, enddate, diseCodg);
        var later = Overlapping(await CandidatesAsync(ctx, person), day, enddate).Select(f => Formats.ParseDate(f.Begndate)).DefaultIfEmpty(day).Min();
        if (later > day) enddate = later.AddDays(-1);

        var filing = new FilingRow
        {
            InsuplcAdmdvs = person.InsuplcAdmdvs, PsnNo = person.PsnNo, Insutype = person.Insutype, FixmedinsCode = ctx.FixmedinsCode,
            Begndate = day.ToText(), Enddate = enddate.ToText(), DiseCodg = diseCodg, DiseName = diseName, CreatedAt = ctx.Now.ToText(),
            FiledImplicitly = 1,
        };
        if (!record)
        {
            ctx.Warn($"人员 {person.PsnNo} 在本院没有覆盖 {day.ToText()} 的异地急诊备案：结算时将按异地急诊视同备案自动办理备案（{filing.Begndate} 至 {filing.Enddate}），预结算未办理备案");
            return filing;
        }
        filing.TrtDclaDetlSn = await InsertAsync(ctx, person, day, enddate, diseCodg, diseName, mainCondDscr: null, tel: null, implicitly: true);
        ctx.Warn($"人员 {person.PsnNo} 在本院没有覆盖 {day.ToText()} 的异地急诊备案，已按异地急诊视同备案自动办理：备案流水号 trt_dcla_detl_sn {filing.TrtDclaDetlSn}（{filing.Begndate} 至 {filing.Enddate}）");
        return filing;
    }

    /// <summary>
    /// 2601 of a message that filed implicitly (a 2401 or a settlement) revokes that filing too, unless a settlement that
    /// stands uses it (then it stays, as a filing made by 2551 would).
    /// </summary>
    public static async Task RevokeImplicitOfAsync(TransactionContext ctx, string msgid)
    {
        await ctx.Db.ExecuteAsync(
            """
            UPDATE filings SET revoked_at = @now
            WHERE fixmedins_code = @fixmedinsCode AND msgid = @msgid AND filed_implicitly = 1 AND revoked_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.trt_dcla_detl_sn = filings.trt_dcla_detl_sn AND s.kind = 'settle' AND s.reversed_by IS NULL)
            """,
            new { now = ctx.Now.ToText(), fixmedinsCode = ctx.FixmedinsCode, msgid });
    }

    public static async Task<object?> RevokeAsync(TransactionContext ctx, FilingRevocationRequest request)
    {
        var sn = request.TrtDclaDetlSn;
        await RevokeAsync(ctx, sn, request.PsnNo);
        ctx.Subject = sn;
        return new { result = new { trt_dcla_detl_sn = sn, vali_flag = "0" } };
    }

    /// <summary>Revokes a filing of this hospital; refused while a settlement that stands uses it.</summary>
    public static async Task RevokeAsync(TransactionContext ctx, string sn, string psnNo)
    {
        var filing = await ctx.Db.FirstOrDefaultAsync<FilingRow>("SELECT * FROM filings WHERE trt_dcla_detl_sn = @sn", new { sn });
        if (filing is null || filing.FixmedinsCode != ctx.FixmedinsCode) throw Refusal.NotFound("备案", sn);
        if (filing.PsnNo != psnNo) throw new Refusal($"备案 {sn} 不属于人员 {psnNo}");
        await People.LockAsync(ctx, filing.PsnNo, filing.Insutype);
        // read again under the person's lock: a revocation that committed while this one waited for it is seen here
        var revokedAt = await ctx.Db.ScalarAsync<string?>("SELECT revoked_at FROM filings WHERE trt_dcla_detl_sn = @sn", new { sn });
        if (revokedAt is not null) throw new Refusal($"备案 {sn} 已于 {revokedAt} 撤销");

        var inUse = await ctx.Db.FirstOrDefaultAsync<string>(
            "SELECT setl_id FROM settlements WHERE trt_dcla_detl_sn = @sn AND kind = 'settle' AND reversed_by IS NULL", new { sn });
        if (inUse is not null)
            throw new Refusal($"备案 {sn} 已被结算 {inUse} 使用，须先撤销该结算才能撤销备案");
        await ctx.Db.ExecuteAsync("UPDATE filings SET revoked_at = @now WHERE trt_dcla_detl_sn = @sn", new { now = ctx.Now.ToText(), sn });
    }

    public static void EnsureOpenForCrossRegion(HospitalRow hospital)
    {
        if (hospital.CrossRegionEnabled != 1)
            throw new Refusal($"{hospital.FixmedinsName}（{hospital.FixmedinsCode}）未开通省内异地就医直接结算，不能办理异地急诊业务");
    }

    /// <summary>The hospital must lie outside the person's home region: care at home is not cross-region care.</summary>
    public static async Task EnsureCrossRegionAsync(TransactionContext ctx, PersonRow person)
    {
        if (ctx.Hospital.Admdvs != person.InsuplcAdmdvs) return;
        var region = await People.RegionNameAsync(ctx.Db, person.InsuplcAdmdvs);
        throw new Refusal($"{ctx.Hospital.FixmedinsName}与参保人同属{region}（{person.InsuplcAdmdvs}），属于本地就医，不是异地急诊，不在本平台结算");
    }

    /// <summary>Why a settlement without a filing that covers its visit (and without an implicit one) is refused.</summary>
    public static Refusal NotCovered(PersonRow person, DateOnly visitDate) =>
        new($"人员 {person.PsnNo} 在本院没有覆盖 {visitDate.ToText()} 的有效异地急诊备案，请先办理备案（2551）后再结算")
            { Code = RefusalCode.FilingRequired, Value = visitDate.ToText(), Resolves = "2551" };

    /// <summary>
    /// Of a person's unrevoked filings at one hospital, the first filed whose window holds <paramref name="day"/> (filed in
    /// the same second: the lower number). A settlement group finds the same one in SQL, in the order of filings_by_person.
    /// </summary>
    public static FilingRow? FindCovering(IEnumerable<FilingRow> candidates, DateOnly day) =>
        candidates
            .Where(f => f.RevokedAt is null && Filing.Covers(Formats.ParseDate(f.Begndate), Formats.ParseDate(f.Enddate), day))
            .OrderBy(f => f.CreatedAt, StringComparer.Ordinal)
            .ThenBy(f => f.TrtDclaDetlSn, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Of a person's filings at one hospital, those unrevoked whose window overlaps <paramref name="begin"/> to <paramref name="end"/>.</summary>
    private static IEnumerable<FilingRow> Overlapping(IEnumerable<FilingRow> candidates, DateOnly begin, DateOnly end) =>
        candidates.Where(f => f.RevokedAt is null && Filing.Overlaps(Formats.ParseDate(f.Begndate), Formats.ParseDate(f.Enddate), begin, end));

    public static async Task<FilingRow?> FindCoveringAsync(TransactionContext ctx, PersonRow person, DateOnly visitDate) =>
        FindCovering(await CandidatesAsync(ctx, person), visitDate);

    /// <summary>The person's unrevoked filings for this scheme at the requesting hospital.</summary>
    public static async Task<IReadOnlyList<FilingRow>> CandidatesAsync(TransactionContext ctx, PersonRow person) =>
        (await ctx.Db.QueryAsync<FilingRow>(
            "SELECT * FROM filings WHERE psn_no = @psnNo AND insutype = @insutype AND fixmedins_code = @fixmedinsCode AND revoked_at IS NULL",
            new { psnNo = person.PsnNo, insutype = person.Insutype, fixmedinsCode = ctx.FixmedinsCode })).AsList();

    private static object Output(string sn, string insuplcAdmdvs, string begndate, string enddate, string valiFlag)
    {
        var result = new { trt_dcla_detl_sn = sn, insuplc_admdvs = insuplcAdmdvs, begndate, enddate, vali_flag = valiFlag };
        return new { result, result.trt_dcla_detl_sn, result.insuplc_admdvs, result.begndate, result.enddate, result.vali_flag };
    }
}
