namespace MedSettle.Transactions.Requests;

/// <summary>
/// 1201 医疗机构信息获取: each optional, the institution type (fixmedins_type), its code and a part of its name. The fields
/// sit in input.medinsinfo (as the national table and Chongqing's client have it), input.data, or directly in input.
/// </summary>
public sealed record InstitutionQuery(string? FixmedinsType, string? FixmedinsCode, string? FixmedinsName)
{
    public static InstitutionQuery Read(Input input)
    {
        var data = input.Element.ValueKind == System.Text.Json.JsonValueKind.Object && input.Element.TryGetProperty("medinsinfo", out _)
            ? input.OneNode("medinsinfo", orSelf: true)
            : input.OneNode("data", orSelf: true);
        var type = data.OptionalText("fixmedins_type");
        if (type is not null && !(type.Length <= 6 && type.All(char.IsAsciiDigit)))
            throw new Refusal($"字段 {data.Path}.fixmedins_type 的值 \"{type}\" 不是定点医药机构类型代码（1 定点医疗机构）")
                { Code = RefusalCode.FieldInvalid, Field = data.Field("fixmedins_type"), Kind = FieldKind.Text, Value = type };
        return new InstitutionQuery(type, data.OptionalText("fixmedins_code"), data.OptionalText("fixmedins_name"));
    }
}
