namespace MedSettle.Transactions.Requests;

/// <summary>2601 冲正交易: the message to undo (omsgid), its transaction code (oinfno) and its person.</summary>
public sealed record UndoRequest(string PsnNo, string Omsgid, string Oinfno) : IPersonRequest
{
    public static UndoRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        var omsgid = data.Text("omsgid");
        return new UndoRequest(psnNo, omsgid, data.Text("oinfno"));
    }
}
