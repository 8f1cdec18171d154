namespace MedSettle.Transactions.Requests;

/// <summary>3260 提取异地清分明细, from input.data or its fields directly in input: the month (its first day) and the first row wanted (startrow, 1 when not sent).</summary>
public sealed record ClearingPullRequest(DateOnly Month, int Startrow)
{
    public static ClearingPullRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var month = ClearingMonth.Read(data);
        var startrow = (int)(data.OptionalDecimal("startrow") ?? 1);
        if (startrow < 0) throw new Refusal("startrow 不能为负数");
        return new ClearingPullRequest(month, startrow);
    }
}
