namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2402 出院办理, from input.dscginfo (or input.mdtrtinfo, as some clients send it) or its fields directly in input, at
/// <see cref="Path"/>. dscg_way (离院方式) is not kept: it is read, as sent, only to say so in warn_msg.
/// </summary>
public sealed record DischargeRequest(string MdtrtId, string PsnNo, DateTime Endtime, string? DiseCodg, string Path = "input.dscginfo", string? DscgWay = null)
    : IPersonRequest
{
    public static DischargeRequest Read(Input input)
    {
        var info = input.Node("dscginfo", "mdtrtinfo", orSelf: true);
        var mdtrtId = info.Text("mdtrt_id");
        var psnNo = info.Text("psn_no");
        var endtime = info.Time("endtime");
        return new DischargeRequest(mdtrtId, psnNo, endtime, info.OptionalText("dise_codg", "dise_code"), info.Path, info.IgnoredText("dscg_way"));
    }
}
