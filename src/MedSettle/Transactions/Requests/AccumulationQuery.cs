using System.Globalization;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 5206 人员累计信息查询: the person (psn_no) and the month asked about (cum_ym, yyyyMM; yyyy-MM is read too), as its first
/// day; null when not sent (the current month).
/// </summary>
public sealed record AccumulationQuery(string PsnNo, DateOnly? Month) : IPersonRequest
{
    private static readonly string[] MonthFormats = ["yyyyMM", "yyyy-MM"];

    public static AccumulationQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        if (data.OptionalText("cum_ym") is not { } text) return new AccumulationQuery(psnNo, null);
        if (!DateTime.TryParseExact(text, MonthFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) || month.Year < 2000)
            throw new Refusal($"字段 {data.Path}.cum_ym 的值 \"{text}\" 不是累计年月（格式 yyyyMM，如 202603）")
                { Code = RefusalCode.FieldInvalid, Field = data.Field("cum_ym"), Kind = FieldKind.Date, Value = text };
        return new AccumulationQuery(psnNo, DateOnly.FromDateTime(month));
    }
}
