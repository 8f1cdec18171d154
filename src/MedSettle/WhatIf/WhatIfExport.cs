using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MiniExcelLibs;

namespace MedSettle.WhatIf;

/// <summary>A what-if's results as files: JSON (the report as it is, snake_case) and XLSX (one sheet per table, Chinese headings).</summary>
public static class WhatIfExport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(WhatIfReport report) => JsonSerializer.Serialize(report, Json);

    public static void WriteJson(WhatIfReport report, string path) => File.WriteAllText(path, ToJson(report));

    public static void WriteXlsx(WhatIfReport report, string path)
    {
        var sheets = new Dictionary<string, object>
        {
            ["基金支出"] = report.Funds.Select(f => Row(
                ("参保地编码", f.Region), ("参保地", f.RegionName), ("险种", f.Insutype), ("基金", f.FundName), ("结算笔数", f.Count), ("医疗费总额", f.Medfee),
                ("测算前", f.Before), ("测算后", f.After), ("变化", f.Change))).ToList(),
            ["个人负担"] = report.Patients.Select(p => Row(
                ("参保地编码", p.Region), ("参保地", p.RegionName), ("险种", p.Insutype), ("结算笔数", p.Count), ("医疗费总额", p.Medfee),
                ("个人现金测算前", p.CashBefore), ("个人现金测算后", p.CashAfter), ("个人现金变化", p.CashChange),
                ("个人账户测算前", p.AccountBefore), ("个人账户测算后", p.AccountAfter), ("负担有变化的笔数", p.Changed))).ToList(),
            ["现金变化分位"] = report.CashChangeDeciles.Select((d, i) => Row(("分位", $"P{i * 10}"), ("个人现金变化", d))).ToList(),
            ["变化最大"] = report.Largest.Select(Case).ToList(),
            ["跨越封顶或分段"] = report.Crossings.Select(Case).ToList(),
            ["自检差异"] = report.Differences.Select(d => Row(("结算ID", d.SetlId), ("字段", d.Field), ("已存", d.Stored), ("重算", d.Replayed))).ToList(),
            ["说明"] = new List<IDictionary<string, object?>>
            {
                Row(("项目", "期间"), ("值", $"{report.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} 至 {report.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}")),
                Row(("项目", "参保地范围"), ("值", report.Regions is null ? "全省" : string.Join("、", report.Regions))),
                Row(("项目", "草案行数"), ("值", report.DraftRows)),
                Row(("项目", "重放笔数"), ("值", report.Replayed)),
                Row(("项目", "与已存一致"), ("值", report.Identical)),
                Row(("项目", "期间内有效结算"), ("值", report.Settlements)),
                Row(("项目", "跨越封顶或分段"), ("值", report.CrossingCount)),
            },
        };
        MiniExcel.SaveAs(path, sheets, overwriteFile: true);
    }

    private static IDictionary<string, object?> Case(WhatIfCase c) => Row(
        ("结算ID", c.SetlId), ("参保地编码", c.Region), ("险种", c.Insutype), ("定点医疗机构编码", c.FixmedinsCode), ("结算时间", c.SetlTime),
        ("医疗费总额", c.Medfee), ("基金支付测算前", c.FundBefore), ("基金支付测算后", c.FundAfter), ("基金变化", c.FundChange),
        ("个人现金测算前", c.CashBefore), ("个人现金测算后", c.CashAfter), ("跨越", c.Crossed));

    private static Dictionary<string, object?> Row(params (string Key, object? Value)[] cells) => cells.ToDictionary(c => c.Key, c => c.Value);
}
