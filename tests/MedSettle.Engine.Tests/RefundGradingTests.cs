using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MedSettle.Engine.Tests;

/// <summary>A refund line (负数量) offsets its line exactly: the line and its refunds grade as the line with what is left.</summary>
public class RefundGradingTests
{
    private static readonly CatalogueItem ClassB15 = new("X", "x", "101", "09", ChargeLevel.ClassB, 0.15m, null);

    [Fact]
    public void A_refund_takes_back_what_the_line_graded_to_beyond_what_is_left_not_its_own_rounding()
    {
        // 23.45 × 3 = 70.35, 15 % first: 10.5525 → 10.55; with 2 left: 46.90 → 7.035 → 7.04. Graded alone the refund would
        // take back round(3.5175) = 3.52 and leave 7.03.
        var line = LineGrading.Grade(ClassB15, 23.45m, 3, 70.35m);
        var refund = LineGrading.Offset(ClassB15, 23.45m, 3, 70.35m, -1, -23.45m);

        Assert.Equal(new GradedLine(-23.45m, 0.00m, 0.00m, -3.51m, -19.94m), refund);
        Assert.Equal(7.04m, line.PreSelfPay + refund.PreSelfPay);
        Assert.Equal(LineGrading.Grade(ClassB15, 23.45m, 2, 46.90m).InScope, line.InScope + refund.InScope);
    }

    private static Gen<decimal> Cents(int max) => Gen.Choose(0, max).Select(c => c / 100m);

    [Property(MaxTest = 500)]
    public Property A_line_and_its_refunds_sum_to_the_grading_of_what_is_left() =>
        Prop.ForAll((
            from level in Gen.Elements(ChargeLevel.ClassA, ChargeLevel.ClassB, ChargeLevel.ClassC)
            from ratio in Gen.Choose(0, 100).Select(r => r / 100m)
            from hasCeiling in Gen.Elements(false, true)
            from ceiling in Cents(50_000)
            from price in Cents(200_000)
            from count in Gen.Choose(1, 40)
            from refunds in Gen.ArrayOf(Gen.Choose(1, 10)).Where(r => r.Length <= 5)
            select (new CatalogueItem("X", "x", "201", "05", level, ratio, hasCeiling ? ceiling : null), price, (decimal)count, refunds)).ToArbitrary(),
            c =>
            {
                var (item, price, count, refunds) = c;
                var amount = LineGrading.ExpectedAmount(price, count);
                var sum = LineGrading.Grade(item, price, count, amount);
                foreach (var k in refunds.Select(r => (decimal)r).TakeWhile(r => r <= count))
                {
                    var refundAmount = LineGrading.ExpectedAmount(price, -k);
                    var offset = LineGrading.Offset(item, price, count, amount, -k, refundAmount);
                    (count, amount) = (count - k, amount + refundAmount);
                    sum = new GradedLine(sum.Amount + offset.Amount, sum.FullOwnPay + offset.FullOwnPay, sum.OverLimit + offset.OverLimit,
                        sum.PreSelfPay + offset.PreSelfPay, sum.InScope + offset.InScope);
                    if (offset.Amount != offset.FullOwnPay + offset.OverLimit + offset.PreSelfPay + offset.InScope) return false;
                }
                return sum == LineGrading.Grade(item, price, count, amount) && sum.Amount == amount;
            });
}
