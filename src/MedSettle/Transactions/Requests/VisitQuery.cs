namespace MedSettle.Transactions.Requests;

/// <summary>5201 就诊信息查询: the person (psn_no), and, each optional, the period the visits began in, the medical type and one visit.</summary>
public sealed record VisitQuery(string PsnNo, QueryPeriod Period, string? MedType, string? MdtrtId) : IPersonRequest
{
    public static VisitQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        var period = QueryPeriod.Read(data);
        var medType = data.OptionalText("med_type");
        if (medType is not null && !(medType.Length <= 6 && medType.All(char.IsAsciiDigit)))
            throw new Refusal($"字段 {data.Path}.med_type 的值 \"{medType}\" 不是医疗类别代码（本平台的就诊为 13 急诊、24 急诊转住院）")
                { Code = RefusalCode.FieldInvalid, Field = data.Field("med_type"), Kind = FieldKind.Text, Value = medType };
        return new VisitQuery(psnNo, period, medType, data.OptionalText("mdtrt_id"));
    }
}
