namespace MedSettle.Transactions.Requests;

/// <summary>2552 异地急诊备案撤销: the filing (trt_dcla_detl_sn) and its person.</summary>
public sealed record FilingRevocationRequest(string TrtDclaDetlSn, string PsnNo) : IPersonRequest
{
    public static FilingRevocationRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var sn = data.Text("trt_dcla_detl_sn");
        return new FilingRevocationRequest(sn, data.Text("psn_no"));
    }
}
