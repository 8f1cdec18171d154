namespace MedSettle.Transactions.Requests;

/// <summary>The month a clearing detail (3260, 3261) is of: trt_year and trt_month, as its first day.</summary>
public static class ClearingMonth
{
    public static DateOnly Read(Input data)
    {
        var year = (int)data.Decimal("trt_year");
        var month = (int)data.Decimal("trt_month");
        if (year is < 2000 or > 2100 || month is < 1 or > 12)
            throw new Refusal($"清分年月 {year}-{month} 不正确：trt_year 为四位年份，trt_month 为 01-12");
        return new DateOnly(year, month, 1);
    }
}
