using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 5301 人员慢特病备案查询 and 5205 人员慢特病用药记录查询. Jilin's HIS sends 5301 after every 1101 and reads
/// <c>output.feedetail</c> (reference notes §5a); 5205's list is read from the same node. The platform keeps no
/// chronic-disease filings and no chronic-disease medication records (门诊慢特病 is the home region's business; the platform
/// settles emergencies), so both lists are always empty. The psn_no must be one this hospital may ask about, as for 1101 by
/// psn_no: a person it has looked up by 1101, or with a filing or a visit here; any other psn_no is refused alike, whether
/// or not such a person exists.
/// </summary>
public static class ChronicDiseaseFilings
{
    public static async Task<object?> QueryAsync(TransactionContext ctx, ChronicDiseaseFilingQuery query)
    {
        await EnsureAskableAsync(ctx, query.PsnNo);
        return new { feedetail = Array.Empty<object>() };
    }

    /// <summary>5205: the person's chronic-disease medication records in the period, none.</summary>
    public static async Task<object?> MedicationRecordsAsync(TransactionContext ctx, MedicationRecordQuery query)
    {
        await EnsureAskableAsync(ctx, query.PsnNo);
        return new { feedetail = Array.Empty<object>() };
    }

    private static async Task EnsureAskableAsync(TransactionContext ctx, string psnNo)
    {
        if (!await PersonInfo.IsInFrontOfAsync(ctx, psnNo, orLookedUp: true))
            throw new Refusal($"未查询到人员编号 {psnNo} 在本机构的人员信息获取（1101）、备案或就诊：请先以身份证号码（mdtrt_cert_type 02 与 mdtrt_cert_no）办理 1101 人员信息获取");
    }
}
