namespace MedSettle.Transactions.Requests;

/// <summary>
/// 1901 字典表查询: each optional, the dictionary (type; every dictionary when not sent), the parent value (parentValue, or
/// parent_value), the region (admdvs), the day (date) and the validity flag (vali_flag, or valiFlag / vali_Flag as clients
/// spell it: 1 valid, 0 not).
/// </summary>
public sealed record DictionaryQuery(string? Type, string? ParentValue, string? Admdvs, DateOnly? Date, string? ValiFlag)
{
    public static DictionaryQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        var flagField = new[] { "vali_flag", "valiFlag", "vali_Flag" }.FirstOrDefault(f => data.OptionalText(f) is not null) ?? "vali_flag";
        var flag = data.OptionalText(flagField);
        if (flag is not null and not ("0" or "1"))
            throw new Refusal($"字段 {data.Path}.{flagField} 的值 \"{flag}\" 不是有效标志（1 有效，0 无效）")
                { Code = RefusalCode.FieldInvalid, Field = data.Field(flagField), Kind = FieldKind.Text, Value = flag };
        return new DictionaryQuery(data.OptionalText("type"), data.OptionalText("parentValue", "parent_value"), data.OptionalText("admdvs"),
            data.OptionalDate("date"), flag);
    }
}
