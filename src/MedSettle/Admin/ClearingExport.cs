using System.Globalization;
using System.Text;
using MiniExcelLibs;

namespace MedSettle.Admin;

/// <summary>The clearing statement as files for the agencies: CSV (lines) and XLSX (all sheets, the supervision deductions included), with Chinese headings.</summary>
public static class ClearingExport
{
    private static IEnumerable<IDictionary<string, object?>> LineRows(ClearingStatement s) => s.Lines.Select(l => (IDictionary<string, object?>)new Dictionary<string, object?>
    {
        ["清算月份"] = s.Month,
        ["付款方（参保地）编码"] = l.PayerAdmdvs,
        ["付款方（参保地）"] = l.PayerName,
        ["收款方（就医地）编码"] = l.PayeeAdmdvs,
        ["收款方（就医地）"] = l.PayeeName,
        ["定点医疗机构编码"] = l.FixmedinsCode,
        ["定点医疗机构名称"] = l.FixmedinsName,
        ["结算人次"] = l.Count,
        ["医疗费总额"] = l.MedfeeSumamt,
        ["基金支付总额"] = l.FundPaySumamt,
        ["统筹基金支付"] = ByFund(s, l.HifpPay),
        ["大额补助支付"] = ByFund(s, l.HifobPay),
        ["大病保险支付"] = ByFund(s, l.HifmiPay),
        ["医疗救助支付"] = ByFund(s, l.MafPay),
        ["个人账户支出"] = l.AcctPay,
        ["应付金额"] = l.AmountOwed,
        ["有异议笔数"] = l.DisputedCount,
    });

    /// <summary>An amount by fund, left empty where the statement has no split by fund (stored before it had one, and not derivable).</summary>
    private static decimal? ByFund(ClearingStatement s, decimal amount) => s.FundSplit == MonthlyClearing.SplitUnavailable ? null : amount;

    private static IEnumerable<IDictionary<string, object?>> PositionRows(ClearingStatement s) => s.Positions.Select(p => (IDictionary<string, object?>)new Dictionary<string, object?>
    {
        ["统筹区编码"] = p.Admdvs,
        ["统筹区"] = p.Name,
        ["应收（作为就医地）"] = p.Receivable,
        ["应付（作为参保地）"] = p.Payable,
        ["应付中统筹基金"] = ByFund(s, p.HifpPay),
        ["应付中大额补助"] = ByFund(s, p.HifobPay),
        ["应付中大病保险"] = ByFund(s, p.HifmiPay),
        ["应付中医疗救助"] = ByFund(s, p.MafPay),
        ["应付中个人账户"] = p.AcctPay,
        ["轧差净额"] = p.Net,
    });

    private static IEnumerable<IDictionary<string, object?>> TransferRows(ClearingStatement s) => s.Transfers.Select(t => (IDictionary<string, object?>)new Dictionary<string, object?>
    {
        ["统筹区编码"] = t.Admdvs,
        ["统筹区"] = t.Name,
        ["方向"] = t.Direction == "pay" ? "上缴省级清算账户" : "由省级清算账户拨付",
        ["金额"] = t.Amount,
    });

    private static IEnumerable<IDictionary<string, object?>> DisputeRows(ClearingStatement s) => s.Disputes.Select(d => (IDictionary<string, object?>)new Dictionary<string, object?>
    {
        ["结算ID"] = d.SetlId,
        ["定点医疗机构编码"] = d.FixmedinsCode,
        ["参保地"] = d.PayerAdmdvs,
        ["就医地"] = d.PayeeAdmdvs,
        ["结算时间"] = d.SetlTime,
        ["医疗费总额"] = d.MedfeeSumamt,
        ["应付金额"] = d.AmountOwed,
        ["异议说明"] = d.Memo,
        ["提出时间"] = d.DisputedAt,
    });

    private static IEnumerable<IDictionary<string, object?>> DeductionRows(ClearingStatement s) => (s.Deductions ?? []).Select(d => (IDictionary<string, object?>)new Dictionary<string, object?>
    {
        ["清算月份"] = s.Month,
        ["参保地（收回）编码"] = d.PayerAdmdvs,
        ["参保地（收回）"] = d.PayerName,
        ["就医地编码"] = d.PayeeAdmdvs,
        ["就医地"] = d.PayeeName,
        ["定点医疗机构编码"] = d.FixmedinsCode,
        ["定点医疗机构名称"] = d.FixmedinsName,
        ["案件数"] = d.Cases,
        ["扣款金额"] = d.Deducted,
        ["撤销退回"] = d.Refunded,
        ["冲减应付金额"] = d.AmountOwed,
    });

    /// <summary>Writes clearing-yyyy-MM.csv and clearing-yyyy-MM.xlsx into <paramref name="directory"/>; returns their paths.</summary>
    public static (string Csv, string Xlsx) Write(ClearingStatement statement, string directory)
    {
        Directory.CreateDirectory(directory);
        var csv = Path.Combine(directory, $"clearing-{statement.Month}.csv");
        File.WriteAllText(csv, Csv(LineRows(statement).ToList()), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var xlsx = Path.Combine(directory, $"clearing-{statement.Month}.xlsx");
        var sheets = new Dictionary<string, object>
        {
            ["清算明细"] = LineRows(statement).ToList(),
            ["统筹区头寸"] = PositionRows(statement).ToList(),
            ["资金划拨"] = TransferRows(statement).ToList(),
            ["争议明细"] = DisputeRows(statement).ToList(),
            ["监管扣款"] = DeductionRows(statement).ToList(),
        };
        MiniExcel.SaveAs(xlsx, sheets, overwriteFile: true);
        return (csv, xlsx);
    }

    /// <summary>RFC 4180 text with a header row (a UTF-8 byte-order mark is added by the caller so spreadsheet programs read Chinese).</summary>
    public static string Csv(IReadOnlyList<IDictionary<string, object?>> rows)
    {
        if (rows.Count == 0) return "";
        var text = new StringBuilder();
        text.AppendJoin(',', rows[0].Keys.Select(Quote)).Append("\r\n");
        foreach (var row in rows)
            text.AppendJoin(',', row.Values.Select(v => Quote(v switch
            {
                decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v?.ToString() ?? "",
            }))).Append("\r\n");
        return text.ToString();
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
