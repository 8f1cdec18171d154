using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 1101 人员信息获取. The hospital must show that the person is in front of it: it looks the person up by the identity
/// number on their card (mdtrt_cert_type 02 + mdtrt_cert_no, or certno; found by its keyed hash), or by psn_no only for a
/// person with a filing or a visit at that very hospital. Any other psn_no is answered exactly as one that does not exist,
/// so that psn_no values cannot be walked to collect names and identity numbers. The identity number is answered in full
/// only when it is the number the caller sent, masked otherwise. Every answer is audited. What persons.csv does not say
/// (naty, psn_insu_date, paus_insu_date, cvlserv_flag, emp_name) is answered as null, never as a guessed code.
/// </summary>
public static class PersonInfo
{
    public static async Task<object?> QueryAsync(TransactionContext ctx, PersonInfoRequest request)
    {
        var (certno, psnNo) = (request.Certno, request.PsnNo);

        var rows = (certno is not null
            ? (await ctx.Db.QueryAsync<PersonRow>("SELECT * FROM persons WHERE certno_hash = @hash ORDER BY insutype",
                new { hash = ctx.Db.Database.Keys.Lookup(certno) })).Where(p => string.Equals(p.Certno.Trim(), certno.Trim(), StringComparison.OrdinalIgnoreCase))
            : await IsInFrontOfAsync(ctx, psnNo!)
                ? await ctx.Db.QueryAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo ORDER BY insutype", new { psnNo })
                : []).ToList();
        if (rows.Count == 0)
            throw new Refusal(certno is not null
                ? $"未查询到身份证号码 {IdentityNumber.Mask(certno)} 的参保人员，请核对证件号码"
                : NotFoundByPsnNo(psnNo!));

        var first = rows[0];
        ctx.PersonalDataRead = new PersonalDataRead(first.PsnNo, first.InsuplcAdmdvs, "人员信息获取（身份核验）");
        return new
        {
            baseinfo = new
            {
                psn_no = first.PsnNo,
                psn_cert_type = "01",
                certno = certno is not null ? first.Certno : IdentityNumber.Mask(first.Certno),
                psn_name = first.PsnName,
                gend = first.Gend,
                naty = first.Naty,
                brdy = first.Brdy,
                age = People.Age(first, DateOnly.FromDateTime(ctx.Now)),
            },
            insuinfo = rows.Select(r => new
            {
                insutype = r.Insutype,
                psn_insu_stas = r.PsnInsuStas,
                balc = Money.FromFen(r.AcctBalcFen),
                insuplc_admdvs = r.InsuplcAdmdvs,
                // the home region again, under the name some clients read it by (as in the settlement query's answer)
                insu_admdvs = r.InsuplcAdmdvs,
                psn_type = r.Insutype == "310" ? "1101" : "1501",
                psn_insu_date = r.PsnInsuDate,
                paus_insu_date = r.PausInsuDate,
                cvlserv_flag = r.CvlservFlag,
                emp_name = r.EmpName,
            }).ToList(),
            // the person's 医疗救助 class (DESIGN.md rule 13: 1 特困人员, 2 低保对象, 3 返贫致贫/监测对象), which the bundle gives undated
            idetinfo = rows.Select(r => r.AssistanceType).Where(a => !string.IsNullOrEmpty(a)).Distinct()
                .Select(a => new { psn_idet_type = a, psn_type_lv = (string?)null, begntime = (string?)null, endtime = (string?)null })
                .ToList(),
        };
    }

    /// <summary>The one answer for a psn_no this hospital may not look up, whether or not such a person exists.</summary>
    public static string NotFoundByPsnNo(string psnNo) =>
        $"未查询到人员编号 {psnNo} 在本机构的备案或就诊：首次接诊请以身份证号码（mdtrt_cert_type 02 与 mdtrt_cert_no）查询";

    /// <summary>
    /// Whether the person has a filing or a visit at the calling hospital (revoked or cancelled ones count: they were in front
    /// of it); with <paramref name="orLookedUp"/>, or the hospital has looked the person up by 1101 (its audit row).
    /// </summary>
    internal static async Task<bool> IsInFrontOfAsync(TransactionContext ctx, string psnNo, bool orLookedUp = false) =>
        await ctx.Db.FirstOrDefaultAsync<int?>(
            $"""
            SELECT 1 WHERE EXISTS (SELECT 1 FROM filings WHERE psn_no = @psnNo AND fixmedins_code = @fixmedinsCode)
                        OR EXISTS (SELECT 1 FROM visits WHERE psn_no = @psnNo AND fixmedins_code = @fixmedinsCode)
            {(orLookedUp ? "OR EXISTS (SELECT 1 FROM personal_data_reads WHERE psn_no = @psnNo AND fixmedins_code = @fixmedinsCode AND source = @lookup)" : "")}
            """, new { psnNo, fixmedinsCode = ctx.FixmedinsCode, lookup = LookupSource }) is not null;

    /// <summary>How the audit log names a 1101 answer (TransactionApi's "infno name").</summary>
    private const string LookupSource = "1101 人员信息获取";
}
