namespace MedSettle.Transactions.Requests;

/// <summary>The period a reconciliation (3201, 3202) covers: stmt_begndate to stmt_enddate, both days included, at most a year.</summary>
public sealed record StatementPeriod(DateOnly Begin, DateOnly End)
{
    public static StatementPeriod Read(Input data)
    {
        var begin = data.Date("stmt_begndate");
        var end = data.Date("stmt_enddate");
        if (end < begin) throw new Refusal($"对账结束日期 {end.ToText()} 早于开始日期 {begin.ToText()}");
        if (end.DayNumber - begin.DayNumber > 366) throw new Refusal("对账期间不能超过一年");
        return new StatementPeriod(begin, end);
    }
}
