using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>1101 人员信息获取: by identity number (mdtrt_cert_type 02, found by its keyed hash) or psn_no. Answers the
/// full name and identity number, as the national interface does (the hospital's HIS records them), and is audited.</summary>
public static class PersonInfo
{
    public static async Task<object?> QueryAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("data", orSelf: true);
        var certType = data.OptionalText("mdtrt_cert_type");
        var certno = data.OptionalText("certno") ?? (certType is null or "02" ? data.OptionalText("mdtrt_cert_no") : null);
        var psnNo = data.OptionalText("psn_no");
        if (certno is null && psnNo is null)
            throw new Refusal("请提供身份证号码（mdtrt_cert_type 02 与 mdtrt_cert_no，或 certno）或人员编号 psn_no");

        var rows = (certno is not null
            ? (await ctx.Db.QueryAsync<PersonRow>("SELECT * FROM persons WHERE certno_hash = @hash ORDER BY insutype",
                new { hash = ctx.Db.Database.Keys.Lookup(certno) })).Where(p => string.Equals(p.Certno.Trim(), certno.Trim(), StringComparison.OrdinalIgnoreCase))
            : await ctx.Db.QueryAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo ORDER BY insutype", new { psnNo })).ToList();
        if (rows.Count == 0)
            throw new Refusal(certno is not null
                ? $"未查询到身份证号码 {IdentityNumber.Mask(certno)} 的参保人员，请核对证件号码"
                : $"未查询到人员编号 {psnNo} 的参保人员");

        var first = rows[0];
        ctx.PersonalDataRead = new PersonalDataRead(first.PsnNo, first.InsuplcAdmdvs, "人员信息获取（身份核验）");
        return new
        {
            baseinfo = new
            {
                psn_no = first.PsnNo,
                psn_cert_type = "01",
                certno = first.Certno,
                psn_name = first.PsnName,
                gend = first.Gend,
                brdy = first.Brdy,
                age = People.Age(first, DateOnly.FromDateTime(ctx.Now)),
            },
            insuinfo = rows.Select(r => new
            {
                insutype = r.Insutype,
                psn_insu_stas = r.PsnInsuStas,
                balc = Money.FromFen(r.AcctBalcFen),
                insuplc_admdvs = r.InsuplcAdmdvs,
                psn_type = r.Insutype == "310" ? "1101" : "1501",
            }).ToList(),
            idetinfo = Array.Empty<object>(),
        };
    }
}
