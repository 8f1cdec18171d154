namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2205 门诊费用明细撤销 and 2302 住院费用明细撤销: a charge batch (chrg_bchno) or a line (feedetl_sn, with its refunds) of the
/// visit; neither, or "0000" in either, withdraws every unsettled line.
/// </summary>
public sealed record FeeWithdrawalRequest(string MdtrtId, string PsnNo, string? ChrgBchno, string? FeedetlSn) : IPersonRequest
{
    public static FeeWithdrawalRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var mdtrtId = data.Text("mdtrt_id");
        var psnNo = data.Text("psn_no");
        return new FeeWithdrawalRequest(mdtrtId, psnNo, data.OptionalText("chrg_bchno"), data.OptionalText("feedetl_sn"));
    }

    /// <summary>Whether every unsettled line of the visit is withdrawn.</summary>
    public bool All => (ChrgBchno is null && FeedetlSn is null) || ChrgBchno == "0000" || FeedetlSn == "0000";
}
