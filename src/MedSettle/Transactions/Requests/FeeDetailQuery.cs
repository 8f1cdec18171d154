namespace MedSettle.Transactions.Requests;

/// <summary>
/// 5204 费用明细查询: the person (psn_no) and the visit (mdtrt_id), or one settlement of it (setl_id), or both: the lines
/// that settlement took, or, by the visit alone, all of the visit's lines.
/// </summary>
public sealed record FeeDetailQuery(string PsnNo, string? SetlId, string? MdtrtId) : IPersonRequest
{
    public static FeeDetailQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        var (setlId, mdtrtId) = (data.OptionalText("setl_id"), data.OptionalText("mdtrt_id"));
        if (setlId is null && mdtrtId is null)
            throw new Refusal($"缺少必填字段 {data.Path}.mdtrt_id：请传就诊ID mdtrt_id（查该次就诊的全部明细），或结算ID setl_id（查该笔结算的明细）")
                { Code = RefusalCode.FieldMissing, Field = data.Field("mdtrt_id"), Kind = FieldKind.Text };
        return new FeeDetailQuery(psnNo, setlId, mdtrtId);
    }
}
