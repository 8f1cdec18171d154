namespace MedSettle.Engine;

/// <summary>收费项目等级: 甲类 fully in scope, 乙类 with a self-paid share first, 丙类 paid in full by the patient.</summary>
public enum ChargeLevel { ClassA = 1, ClassB = 2, ClassC = 3 }

public static class ChargeLevels
{
    /// <summary>Accepts both spellings the national platform uses: 01/02/03 and 1/2/3.</summary>
    public static bool TryParse(string? text, out ChargeLevel level)
    {
        level = (text?.Trim()) switch
        {
            "01" or "1" => ChargeLevel.ClassA,
            "02" or "2" => ChargeLevel.ClassB,
            "03" or "3" => ChargeLevel.ClassC,
            _ => 0,
        };
        return level != 0;
    }

    public static string Code(this ChargeLevel level) => $"0{(int)level}";

    public static string ChineseName(this ChargeLevel level) => level switch
    {
        ChargeLevel.ClassA => "甲类",
        ChargeLevel.ClassB => "乙类",
        _ => "丙类",
    };
}

/// <summary>One row of the treating side's catalogue (就医地目录).</summary>
public sealed record CatalogueItem(
    string Code,
    string Name,
    string ListType,
    string ChargeItemType,
    ChargeLevel Level,
    decimal SelfPayRatio,
    decimal? PriceCeiling);

/// <summary>What one fee line comes to: the whole amount split into the four parts of DESIGN.md.</summary>
public readonly record struct GradedLine(decimal Amount, decimal FullOwnPay, decimal OverLimit, decimal PreSelfPay, decimal InScope);

public static class LineGrading
{
    /// <summary>The amount a fee line must carry: round(pric × cnt, 2).</summary>
    public static decimal ExpectedAmount(decimal price, decimal count) => Money.Round(price * count);

    /// <summary>Rules 1-4 of DESIGN.md for one fee item of amount <paramref name="amount"/>.</summary>
    public static GradedLine Grade(CatalogueItem item, decimal price, decimal count, decimal amount)
    {
        // 1. 丙类: paid in full by the patient, nothing else.
        if (item.Level == ChargeLevel.ClassC)
            return new GradedLine(Money.Fen(amount), Money.Fen(amount), 0.00m, 0.00m, 0.00m);

        // 2. Above the price ceiling: the excess over the ceiling, per unit, is the patient's.
        var overLimit = 0.00m;
        var baseAmount = amount;
        if (item.PriceCeiling is { } ceiling && price > ceiling)
        {
            overLimit = Money.Round((price - ceiling) * count);
            baseAmount = amount - overLimit;
        }

        // 3. 乙类: the catalogue's self-paid share first; 甲类: none.
        var preSelfPay = item.Level == ChargeLevel.ClassB ? Money.Round(baseAmount * item.SelfPayRatio) : 0.00m;
        // 4. The rest is in scope.
        var inScope = baseAmount - preSelfPay;
        return new GradedLine(Money.Fen(amount), 0.00m, Money.Fen(overLimit), Money.Fen(preSelfPay), Money.Fen(inScope));
    }

    /// <summary>
    /// A refund line (negative <paramref name="refundCount"/> and <paramref name="refundAmount"/>) on a line that stands at
    /// <paramref name="countBefore"/> and <paramref name="amountBefore"/> (as uploaded, less earlier refunds): what the line
    /// grades to after it, less what it graded to before. The line and all its refunds then sum to exactly the grading of
    /// the line as if it had been uploaded once with what is left, with no rounding of its own.
    /// </summary>
    public static GradedLine Offset(CatalogueItem item, decimal price, decimal countBefore, decimal amountBefore, decimal refundCount, decimal refundAmount)
    {
        var before = Grade(item, price, countBefore, amountBefore);
        var after = Grade(item, price, countBefore + refundCount, amountBefore + refundAmount);
        return new GradedLine(after.Amount - before.Amount, after.FullOwnPay - before.FullOwnPay, after.OverLimit - before.OverLimit,
            after.PreSelfPay - before.PreSelfPay, after.InScope - before.InScope);
    }
}
