using MedSettle.Engine;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 1312 医保目录信息查询, 1318 医保目录限价查询, 1319 医保目录先自付比例查询, from input.data (an object, a one-element list, or
/// its fields directly in input), each optional: the day (query_date: the versions in force that day; not sent: every
/// version), the code (hilist_code), a part of the name (hilist_name) or of its pinyin initials (pinyin), list_type,
/// med_chrgitm_type, chrgitm_lv (01/02/03 or 1/2/3), lmt_used_flag (1: rows with a limit of use), vali_flag (1 valid,
/// 0 not: every row is valid), updt_time (versions made at or after it), and the page. The national fields the platform
/// keeps nothing for (insu_admdvs: the catalogue is the province's; the 限价 and 自付比例 types…) are ignored, said in
/// warn_msg when sent non-empty (<see cref="Ignored"/>).
/// </summary>
public sealed record CatalogueQuery(DateOnly? QueryDate, string? HilistCode, string? HilistName, string? Pinyin, string? ListType, string? MedChrgitmType,
    ChargeLevel? ChrgitmLv, string? LmtUsedFlag, string? ValiFlag, DateTime? UpdatedSince, Paging Page, IReadOnlyList<string> Ignored)
{
    private static readonly string[] IgnoredFields =
    [
        "insu_admdvs", "poolarea_no", "begndate", "enddate", "wubi", "med_use_flag", "matn_used_flag", "hilist_use_type", "lmt_cpnd_type",
        "hilist_lmtpric_type", "overlmt_dspo_way", "selfpay_prop_psn_type", "selfpay_prop_type", "rid", "tabname",
    ];

    public static CatalogueQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        ChargeLevel? level = null;
        if (data.OptionalText("chrgitm_lv") is { } lv)
            level = ChargeLevels.TryParse(lv, out var parsed) ? parsed
                : throw new Refusal($"字段 {data.Path}.chrgitm_lv 的值 \"{lv}\" 不是收费项目等级（01 甲类、02 乙类、03 丙类）")
                    { Code = RefusalCode.FieldInvalid, Field = data.Field("chrgitm_lv"), Kind = FieldKind.Text, Value = lv };
        return new CatalogueQuery(data.OptionalDate("query_date"), data.OptionalText("hilist_code"), data.OptionalText("hilist_name"),
            data.OptionalText("pinyin")?.ToUpperInvariant(), data.OptionalText("list_type"), data.OptionalText("med_chrgitm_type"), level,
            Flag(data, "lmt_used_flag"), Flag(data, "vali_flag"), data.OptionalTime("updt_time"), Paging.Read(data),
            [.. IgnoredFields.Select(f => (Field: f, Value: data.IgnoredText(f))).Where(f => f.Value is not null).Select(f => $"{data.Path}.{f.Field} = {f.Value}")]);
    }

    private static string? Flag(Input data, string name)
    {
        var flag = data.OptionalText(name);
        if (flag is not null and not ("0" or "1"))
            throw new Refusal($"字段 {data.Path}.{name} 的值 \"{flag}\" 应为 1 或 0")
                { Code = RefusalCode.FieldInvalid, Field = data.Field(name), Kind = FieldKind.Text, Value = flag };
        return flag;
    }
}
