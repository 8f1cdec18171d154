namespace MedSettle.Transactions.Requests;

/// <summary>5205 人员慢特病用药记录查询: the person (psn_no) and the period (begntime, endtime), read as 5201's.</summary>
public sealed record MedicationRecordQuery(string PsnNo, QueryPeriod Period) : IPersonRequest
{
    public static MedicationRecordQuery Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        return new MedicationRecordQuery(data.Text("psn_no"), QueryPeriod.Read(data));
    }
}
