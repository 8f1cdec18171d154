namespace MedSettle.Transactions.Requests;

/// <summary>
/// The period a query (5201, 5205) asks about: begntime to endtime, each optional, each a time (yyyy-MM-dd HH:mm:ss) or a
/// date; endtime sent as a date takes in that whole day.
/// </summary>
public sealed record QueryPeriod(DateTime? From, DateTime? To)
{
    public static QueryPeriod Read(Input data)
    {
        var from = data.OptionalTime("begntime");
        var to = data.OptionalTime("endtime");
        if (to is { } end && data.OptionalText("endtime") is { Length: 10 }) to = end.AddDays(1).AddSeconds(-1);
        if (from is { } b && to is { } e && e < b)
            throw new Refusal($"{data.Path}.endtime {e.ToText()} 早于 {data.Path}.begntime {b.ToText()}：结束时间不能早于开始时间")
                { Code = RefusalCode.FieldInvalid, Field = data.Field("endtime"), Kind = FieldKind.Time, Value = data.OptionalText("endtime") };
        return new QueryPeriod(from, to);
    }
}
