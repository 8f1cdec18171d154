using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 5301 人员慢特病备案查询. Jilin's HIS sends it after every 1101 and reads <c>output.feedetail</c> (reference notes §5a). The
/// platform keeps no chronic-disease filings (慢特病备案 is the home region's business), so the list is always empty. The
/// psn_no must be one this hospital may ask about, as for 1101 by psn_no: a person it has looked up by 1101, or with a
/// filing or a visit here; any other psn_no is refused alike, whether or not such a person exists.
/// </summary>
public static class ChronicDiseaseFilings
{
    public static async Task<object?> QueryAsync(TransactionContext ctx, ChronicDiseaseFilingQuery query)
    {
        var psnNo = query.PsnNo;
        if (!await PersonInfo.IsInFrontOfAsync(ctx, psnNo, orLookedUp: true))
            throw new Refusal($"未查询到人员编号 {psnNo} 在本机构的人员信息获取（1101）、备案或就诊：请先以身份证号码（mdtrt_cert_type 02 与 mdtrt_cert_no）办理 1101 人员信息获取");
        return new { feedetail = Array.Empty<object>() };
    }
}
