namespace MedSettle.Transactions.Requests;

/// <summary>A visit and its person, and nothing else: 2202 门诊挂号撤销, 2404 入院撤销, 2405 出院撤销.</summary>
public sealed record VisitRequest(string MdtrtId, string PsnNo) : IPersonRequest
{
    public static VisitRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        return new VisitRequest(data.Text("mdtrt_id"), data.Text("psn_no"));
    }
}
