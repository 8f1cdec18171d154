namespace MedSettle.Transactions.Requests;

/// <summary>5203 结算信息查询: the settlement (setl_id) and its person (psn_no); its visit (mdtrt_id) when sent, checked.</summary>
public sealed record SettlementQuery(string PsnNo, string SetlId, string? MdtrtId) : IPersonRequest
{
    public static SettlementQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        return new SettlementQuery(data.Text("psn_no"), data.Text("setl_id"), data.OptionalText("mdtrt_id"));
    }
}
