using System.Globalization;
using System.Text.RegularExpressions;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>
/// The platform's refusals are written for HIS developers (field paths, zero-based indexes, transaction numbers, flag
/// names). The window shows the common ones in the clerk's words, chosen by the refusal's code and field
/// (<see cref="Refusal.Code"/>, <see cref="Refusal.Field"/>): bill lines by their number on screen, transactions by the
/// button that does them, flags by the box to tick. The API's own text is unchanged and stays available for support.
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

    /// <summary>
    /// The refusal in the clerk's words, chosen by its code and the field it concerns: a bill line by its number on screen,
    /// a field by its name on the form, a transaction by where the clerk does it. The API's text (as
    /// <see cref="ForClerk(string)"/> gives it) when the code has no words of its own or the field no name on the window.
    /// </summary>
    public static string ForClerk(Refusal refusal) => Words(refusal) ?? ForClerk(refusal.Message);

    /// <summary>
    /// Text that comes without a code (a warning, a refusal of code General, an answer from the store to a msgid seen
    /// before): the API's own, each transaction it names in brackets, "（2551）", given as where the clerk does it.
    /// </summary>
    public static string ForClerk(string apiText) =>
        Transaction().Replace(apiText, m => Actions.TryGetValue(m.Groups["infno"].Value, out var where) ? $"（{where}）" : m.Value);

    private static string? Words(Refusal refusal) => refusal.Code switch
    {
        RefusalCode.FieldMissing when FieldName(refusal.Field) is { } name && refusal.Kind is not (FieldKind.Array or FieldKind.Object) =>
            $"{name}未填写，请填写后重新提交",
        RefusalCode.FieldInvalid when FieldName(refusal.Field) is { } name && Invalid(refusal.Kind, refusal.Value) is { } wrong => $"{name}{wrong}，请核对后重新填写",
        RefusalCode.FieldTooLong when FieldName(refusal.Field) is { } name => $"{name}过长，请删减后重新填写",
        RefusalCode.InTheFuture when FieldName(refusal.Field) is { } name => $"{name}“{refusal.Value}”晚于当前时间，请核对后重新填写",
        RefusalCode.NotDischarged when Where(refusal.Resolves) is { } where =>
            $"尚未办理出院：出院结算前须先办理出院（{where}）；如需不出院先结算，请勾选“中途结算（未出院）”后重新预结算",
        RefusalCode.FilingRequired when Where(refusal.Resolves) is { } where =>
            $"该参保人在本院没有覆盖 {refusal.Value} 的有效异地急诊备案，请先办理备案（{where}）后再结算",
        RefusalCode.TotalMismatch => $"医疗费总额 {refusal.Value} 与已上传的费用明细合计不一致：费用明细已有变化，请重新预结算，核对后再确认结算",
        _ => null,
    };

    /// <summary>What is wrong with a value that is not of its <paramref name="kind"/>; null for the input's structure (no clerk types it).</summary>
    private static string? Invalid(FieldKind? kind, string? value) => kind switch
    {
        FieldKind.Number => $"“{value}”不是有效的数值",
        FieldKind.Count => $"“{value}”应为不小于 0 的整数",
        FieldKind.Date => $"“{value}”不是有效的日期（如 2026-03-15）",
        FieldKind.Time => $"“{value}”不是有效的时间（如 2026-03-15 09:30）",
        FieldKind.Text => "不是可用的文本（不能含有不可见的控制字符）",
        _ => null,
    };

    /// <summary>The field as the window names it: a bill line's field by the line's number on screen, a visit's by its label; null for any other.</summary>
    private static string? FieldName(InputField? field) => field switch
    {
        { Node: "input.feedetail", Index: { } index, Name: { } name } when BillFields.TryGetValue(name, out var label) =>
            string.Create(CultureInfo.InvariantCulture, $"第 {index + 1} 行的{label}"),
        { Node: "input.data" or "input.mdtrtinfo" or "input.dscginfo", Index: null, Name: { } name } => VisitFields.GetValueOrDefault(name),
        _ => null,
    };

    private static string? Where(string? infno) => infno is not null && Actions.TryGetValue(infno, out var where) ? where : null;

    [GeneratedRegex(@"（(?<infno>\d{4})）")]
    private static partial Regex Transaction();
}
