using System.Globalization;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 1201 医疗机构信息获取: the province's designated hospitals as the platform knows them (hospitals.csv), filtered by code,
/// by a part of the name and by type. Every hospital is a 定点医疗机构 (fixmedins_type 1); a pharmacy type finds none.
/// hosp_lv is the platform's own level, 1 to 3 (1901 type hosp_lv), not the national nine grades; uscc (统一社会信用代码) is
/// not in the bundle and is answered as null. Reference data, the same for every hospital that asks.
/// </summary>
public static class Institutions
{
    public const string MedicalInstitution = "1";

    public static async Task<object?> QueryAsync(TransactionContext ctx, InstitutionQuery query)
    {
        if (query.FixmedinsType is { } type && type != MedicalInstitution) return new { medinsinfo = Array.Empty<object>() };
        var hospitals = await ctx.Db.QueryAsync<HospitalRow>(
            $"SELECT * FROM hospitals{(query.FixmedinsCode is null ? "" : " WHERE fixmedins_code = @code")} ORDER BY fixmedins_code",
            new { code = query.FixmedinsCode });
        return new
        {
            medinsinfo = hospitals
                .Where(h => query.FixmedinsName is not { } name || h.FixmedinsName.Contains(name, StringComparison.Ordinal))
                .Select(h => new
                {
                    fixmedins_code = h.FixmedinsCode,
                    fixmedins_name = h.FixmedinsName,
                    uscc = (string?)null,
                    fixmedins_type = MedicalInstitution,
                    hosp_lv = h.HospLv.ToString(CultureInfo.InvariantCulture),
                    admdvs = h.Admdvs,
                    cross_region_flag = h.CrossRegionEnabled == 1 ? "1" : "0",
                }).ToList(),
        };
    }
}
