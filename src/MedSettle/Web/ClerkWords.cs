using System.Text.RegularExpressions;

namespace MedSettle.Web;

/// <summary>
/// The platform's refusals are written for HIS developers (field paths, zero-based indexes, transaction numbers, flag
/// names). The window shows the common ones in the clerk's words: bill lines by their number on screen, transactions by
/// the button that does them, flags by the box to tick. The API's own text is unchanged and stays available for support.
/// </summary>
public static partial class ClerkWords
{
    private static readonly Dictionary<string, string> BillFields = new(StringComparer.Ordinal)
    {
        ["pric"] = "单价", ["cnt"] = "数量", ["det_item_fee_sumamt"] = "金额", ["med_list_codg"] = "项目编码", ["medins_list_codg"] = "项目编码",
        ["fee_ocur_time"] = "费用发生时间", ["feedetl_sn"] = "明细流水号", ["mdtrt_id"] = "就诊ID", ["psn_no"] = "人员编号",
    };

    private static readonly Dictionary<string, string> VisitFields = new(StringComparer.Ordinal)
    {
        ["begntime"] = "就诊时间", ["endtime"] = "出院时间", ["begndate"] = "急诊日期", ["dise_codg"] = "诊断编码", ["dise_name"] = "诊断名称",
        ["tel"] = "联系电话", ["dept_name"] = "科室", ["adm_dept_name"] = "科室", ["medfee_sumamt"] = "医疗费总额",
    };

    /// <summary>Where the clerk does what a transaction number names.</summary>
    private static readonly Dictionary<string, string> Actions = new(StringComparer.Ordinal)
    {
        ["2551"] = "在收费窗口点击“备案并核定”", ["2552"] = "在收费窗口的备案列表点击“撤销备案”",
        ["2201"] = "在收费窗口点击“办理挂号 / 入院”", ["2202"] = "在就诊页点击“取消挂号”", ["2203"] = "由本院系统上传就诊信息",
        ["2401"] = "在收费窗口点击“办理挂号 / 入院”", ["2402"] = "在就诊页点击“办理出院”", ["2404"] = "在就诊页点击“入院撤销”", ["2405"] = "在就诊页点击“出院撤销”",
        ["2204"] = "在就诊页点击“上传明细并预结算”", ["2301"] = "在就诊页点击“上传明细并预结算”",
        ["2205"] = "在就诊页修改费用明细后重新预结算", ["2302"] = "在就诊页修改费用明细后重新预结算",
        ["2206"] = "在就诊页点击“上传明细并预结算”", ["2303"] = "在就诊页点击“上传明细并预结算”",
        ["2207"] = "在预结算说明下点击“确认结算”", ["2304"] = "在预结算说明下点击“确认结算”",
        ["2208"] = "在结算单上点击“撤销结算”", ["2305"] = "在结算单上点击“撤销结算”",
    };

    /// <summary>The refusal in the clerk's words; the text unchanged when none of the common forms is found.</summary>
    public static string ForClerk(string apiText)
    {
        var text = BillValue().Replace(apiText, m => $"第 {Line(m)} 行的{BillField(m.Groups["field"].Value)}“{m.Groups["value"].Value}”不是有效的数值，请核对后重新填写");
        text = BillPath().Replace(text, m => $"第 {Line(m)} 行的{BillField(m.Groups["field"].Value)}");
        text = VisitPath().Replace(text, m => VisitFields.TryGetValue(m.Groups["field"].Value, out var name) ? name : m.Value);
        text = MidSettleFlag().Replace(text, "如需不出院先结算，请勾选“中途结算（未出院）”后重新预结算");
        text = NamedField().Replace(text, m => m.Groups["name"].Value);
        text = Transaction().Replace(text, m => Actions.TryGetValue(m.Groups["infno"].Value, out var where) ? $"（{where}）" : m.Value);
        return text;
    }

    private static int Line(Match m) => int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1;

    private static string BillField(string field) => BillFields.GetValueOrDefault(field, "费用明细");

    [GeneratedRegex("""字段 input\.feedetail\[(?<index>\d+)\]\.(?<field>\w+) 的值 "(?<value>[^"]*)" 不是有效的数值""")]
    private static partial Regex BillValue();

    [GeneratedRegex(@"(?:字段 )?input\.feedetail\[(?<index>\d+)\](?:\.(?<field>\w+))?")]
    private static partial Regex BillPath();

    [GeneratedRegex(@"(?:字段 )?input\.(?:data|mdtrtinfo|dscginfo)\.(?<field>\w+)")]
    private static partial Regex VisitPath();

    [GeneratedRegex(@"中途结算请传 mid_setl_flag = 1")]
    private static partial Regex MidSettleFlag();

    /// <summary>"医疗费总额 medfee_sumamt 12.00": the field's name after its Chinese one says nothing to the clerk.</summary>
    [GeneratedRegex(@"(?<name>医疗费总额) medfee_sumamt")]
    private static partial Regex NamedField();

    [GeneratedRegex(@"（(?<infno>\d{4})）")]
    private static partial Regex Transaction();
}
