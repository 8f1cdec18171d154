namespace MedSettle.Transactions.Requests;

/// <summary>2208/2305 结算撤销: the settlement, its visit and person, and the reason given (memo, at most <see cref="Settle.MaxReasonLength"/> characters).</summary>
public sealed record SettlementReversalRequest(string SetlId, string MdtrtId, string PsnNo, string? Reason) : IPersonRequest
{
    public static SettlementReversalRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var setlId = data.Text("setl_id");
        var mdtrtId = data.Text("mdtrt_id");
        var psnNo = data.Text("psn_no");
        var reason = data.OptionalText("memo");
        if (reason is { Length: > Settle.MaxReasonLength })
            throw new Refusal($"撤销原因 {data.Path}.memo 过长（{reason.Length} 个字符），最多 {Settle.MaxReasonLength} 个字符");
        return new SettlementReversalRequest(setlId, mdtrtId, psnNo, reason);
    }
}
