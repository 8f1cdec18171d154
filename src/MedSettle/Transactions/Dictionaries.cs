using MedSettle.Engine;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 1901 字典表查询: the code tables of the values the platform reads and answers, each entry as the national table has it
/// (type, label, value, parent_value, sort, vali_flag). Only the codes the platform uses are listed (med_type 13 and 24,
/// not the national table's every medical type), so that a HIS learns from them what it may send and what it will read.
/// Without a type, every dictionary (each row names its type), as clients that cache the whole table at once ask; a type
/// the platform does not use is an empty list, with warn_msg naming the types there are. The regions (admdvs) come from
/// the imported bundle; every other table is the platform's own and the same in every region and on every day, so
/// admdvs and date select nothing.
/// </summary>
public static class Dictionaries
{
    /// <summary>One entry: its value, its label, and the value it belongs under (fund_pay_type and psn_type under insutype).</summary>
    private sealed record Entry(string Value, string Label, string? Parent = null);

    private static readonly (string Type, Entry[] Entries)[] Tables =
    [
        ("insutype", [new("310", Formats.InsutypeName("310")), new("390", Formats.InsutypeName("390"))]),
        ("med_type", [new("13", "急诊"), new("24", "急诊转住院")]),
        ("fund_pay_type",
        [
            new("310100", "职工基本医疗保险统筹基金", "310"),
            new(FundShare.PayTypeCode(SupplementaryFund.Hifob), FundShare.PayTypeName(SupplementaryFund.Hifob), "310"),
            new("390100", "城乡居民基本医疗保险基金", "390"),
            new(FundShare.PayTypeCode(SupplementaryFund.Hifmi), FundShare.PayTypeName(SupplementaryFund.Hifmi), "390"),
            new(FundShare.PayTypeCode(SupplementaryFund.Maf), FundShare.PayTypeName(SupplementaryFund.Maf)),
        ]),
        ("psn_idet_type", [new("1", "特困人员"), new("2", "低保对象"), new("3", "返贫致贫/监测对象")]),
        ("psn_type", [new("1101", "职工在职", "310"), new("1501", "普通居民（成年）", "390")]),
        ("psn_cert_type", [new("01", "居民身份证")]),
        ("mdtrt_cert_type", [new("02", "居民身份证")]),
        ("gend", [new("1", "男"), new("2", "女"), new("0", "未知的性别"), new("9", "未说明的性别")]),
        ("psn_insu_stas", [new("1", Formats.InsuranceStatusName("1")), new("2", Formats.InsuranceStatusName("2")), new("4", Formats.InsuranceStatusName("4"))]),
        ("clr_type", [new("11", "门诊"), new("21", "住院")]),
        ("clr_way", [new("01", "按项目")]),
        ("psn_setlway", [new("01", "按项目结算")]),
        ("chrgitm_lv",
            [.. new[] { ChargeLevel.ClassA, ChargeLevel.ClassB, ChargeLevel.ClassC }.Select(l => new Entry(l.Code(), l.ChineseName()))]),
        ("list_type",
            [new("101", "西药中成药"), new("102", "中药饮片"), new("103", "自制剂"), new("104", "民族药"), new("201", "医疗服务项目"), new("301", "医用耗材")]),
        ("med_chrgitm_type",
        [
            new("01", "床位费"), new("02", "诊察费"), new("03", "检查费"), new("04", "化验费"), new("05", "治疗费"), new("06", "手术费"), new("07", "护理费"),
            new("08", "卫生材料费"), new("09", "西药费"), new("10", "中药饮片费"), new("11", "中成药费"), new("12", "一般诊疗费"), new("13", "挂号费"), new("14", "其他费"),
        ]),
        ("fixmedins_type", [new(Institutions.MedicalInstitution, "定点医疗机构")]),
        ("hosp_lv", [new("1", "一级"), new("2", "二级"), new("3", "三级")]),
        ("inhosp_stas", [new("0", "出院"), new("1", "在院")]),
        ("acct_used_flag", [new("0", "不使用个人账户"), new("1", "使用个人账户")]),
        ("mid_setl_flag", [new("0", "出院结算"), new("1", "中途结算")]),
        ("refd_setl_flag", [new("0", "结算"), new("1", "退费（撤销）结算")]),
        ("cnfm_flag", [new("0", "有异议"), new("1", "确认")]),
        ("stmt_rslt", [new("0", "平"), new("1", "不平")]),
        ("vali_flag", [new("0", "无效"), new("1", "有效")]),
        ("cum_type_code", [.. Accumulations.Types.Select(t => new Entry(t.Code, t.Name))]),
    ];

    private sealed class RegionRow
    {
        public string Admdvs { get; set; } = "";
        public string Name { get; set; } = "";
    }

    /// <summary>The regions' dictionary, read from the bundle's regions.csv.</summary>
    private const string Regions = "admdvs";

    /// <summary>The label of <paramref name="value"/> in dictionary <paramref name="type"/> (list_type 101: 西药中成药), or the value itself when it has none.</summary>
    public static string Label(string type, string value) =>
        Tables.FirstOrDefault(t => t.Type == type).Entries?.FirstOrDefault(e => e.Value == value)?.Label ?? value;

    /// <summary>Every dictionary type answered, in the order of the whole table.</summary>
    public static IEnumerable<string> TypeNames => Tables.Select(t => t.Type).Append(Regions);

    public static async Task<object?> QueryAsync(TransactionContext ctx, DictionaryQuery query)
    {
        var tables = Tables.Select(t => (t.Type, Entries: (IReadOnlyList<Entry>)t.Entries)).ToList();
        if (query.Type is null or Regions)
        {
            var regions = await ctx.Db.QueryAsync<RegionRow>("SELECT admdvs, name FROM regions ORDER BY admdvs");
            tables.Add((Regions, regions.Select(r => new Entry(r.Admdvs, r.Name)).ToList()));
        }
        if (query.Type is { } type)
        {
            tables = tables.Where(t => t.Type == type).ToList();
            if (tables.Count == 0) ctx.Warn($"本平台没有字典类型 {type}：本平台提供的字典类型为 {string.Join("、", TypeNames)}");
        }
        return new
        {
            list = tables
                .SelectMany(t => t.Entries.Select((e, i) => (t.Type, Entry: e, Sort: i + 1)))
                .Where(e => query.ParentValue is not { } parent || e.Entry.Parent == parent)
                .Where(_ => query.ValiFlag is null or "1") // every entry is valid
                .Select(e => new
                {
                    type = e.Type,
                    label = e.Entry.Label,
                    value = e.Entry.Value,
                    parent_value = e.Entry.Parent,
                    sort = e.Sort,
                    vali_flag = "1",
                    create_user = (string?)null,
                    create_date = (string?)null,
                    version = (string?)null,
                })
                .ToList(),
        };
    }
}
