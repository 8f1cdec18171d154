namespace MedSettle.Transactions.Requests;

/// <summary>5301 人员慢特病备案查询: the person (psn_no).</summary>
public sealed record ChronicDiseaseFilingQuery(string PsnNo) : IPersonRequest
{
    public static ChronicDiseaseFilingQuery Read(Input input) => new(input.Node("data", orSelf: true).Text("psn_no"));
}
