
namespace MedSettle.Engine.Tests;

/// <summary>DESIGN.md's worked examples, straight through the engine.</summary>
public class WorkedExampleTests
{
    private static readonly Dictionary<string, CatalogueItem> Catalogue = new CatalogueItem[]
    {
        new("110200001", "急诊诊察费", "201", "02", ChargeLevel.ClassA, 0m, null),
        new("120400001", "静脉输液", "201", "05", ChargeLevel.ClassA, 0m, null),
        new("250101001", "血常规", "201", "04", ChargeLevel.ClassA, 0m, null),
        new("210102001", "CT平扫", "201", "03", ChargeLevel.ClassB, 0.10m, null),
        new("311201001", "急诊监护", "201", "05", ChargeLevel.ClassB, 0.10m, 60.00m),
        new("110900001", "普通病房床位费", "201", "01", ChargeLevel.ClassA, 0m, 40.00m),
        new("XB05BBA030B001010104416", "氯化钠注射液", "101", "09", ChargeLevel.ClassA, 0m, null),
        new("XJ01DDA036B001010178838", "注射用头孢曲松钠", "101", "09", ChargeLevel.ClassB, 0.10m, null),
        new("ZA12BAD0011010103983", "复方丹参滴丸", "101", "11", ChargeLevel.ClassB, 0.05m, null),
        new("C14010101001", "一次性使用输液器", "301", "08", ChargeLevel.ClassB, 0.20m, 5.00m),
        new("XS0000000001", "自费营养制剂", "101", "09", ChargeLevel.ClassC, 0m, null),
    }.ToDictionary(i => i.Code);

    private static readonly Policy ChangchunEmployeeEmergencyLevel3 =
        new("220100", "310", CareCategory.EmergencyOutpatient, 3, new DateOnly(2026, 1, 1), 200m, DeductibleBasis.PerYear, 0.65m, 150000m);

    private static readonly Policy ChangchunResidentInpatientLevel3 =
        new("220100", "390", CareCategory.Inpatient, 3, new DateOnly(2026, 1, 1), 600m, DeductibleBasis.PerVisit, 0.65m, 120000m);

    private static BillTotals Bill(params (string Code, decimal Price, decimal Count)[] items)
    {
        var totals = BillTotals.Zero;
        foreach (var (code, price, count) in items)
            totals = totals.Add(LineGrading.Grade(Catalogue[code], price, count, LineGrading.ExpectedAmount(price, count)));
        return totals;
    }

    [Fact]
    public void Zhang_Weis_first_emergency_visit_of_2026()
    {
        var bill = Bill(("110200001", 50.00m, 1), ("210102001", 240.00m, 1), ("311201001", 72.00m, 2),
            ("XJ01DDA036B001010178838", 23.45m, 3), ("C14010101001", 6.50m, 2), ("XS0000000001", 88.00m, 1));

        var result = Settlement.Compute(bill, ChangchunEmployeeEmergencyLevel3, new Accumulated(0m, 0m), new PersonalAccount(true, true, 1520.50m));

        Assert.Equal(new BillTotals(605.35m, 88.00m, 27.00m, 45.04m, 445.31m), bill);
        Assert.Equal(200.00m, result.ActPayDedc);
        Assert.Equal(159.45m, result.HifpPay);
        Assert.Equal(159.45m, result.FundPaySumamt);
        Assert.Equal(445.90m, result.PsnPartAmt);
        Assert.Equal(445.90m, result.AcctPay);
        Assert.Equal(0.00m, result.PsnCashPay);
        Assert.Equal(1074.60m, result.Balc);
        Assert.Equal(0.6500m, result.PoolPropSelfpay);
        Assert.Equal(new AccumulatorEffect(159.45m, 200.00m, 445.90m), result.Effect);
    }

    [Fact]
    public void Zhang_Weis_second_visit_without_the_account()
    {
        var bill = Bill(("110200001", 50.00m, 1), ("250101001", 25.00m, 1));

        var result = Settlement.Compute(bill, ChangchunEmployeeEmergencyLevel3, new Accumulated(159.45m, 200.00m), new PersonalAccount(true, false, 1074.60m));

        Assert.Equal(0.00m, result.ActPayDedc);
        Assert.Equal(48.75m, result.HifpPay);
        Assert.Equal(26.25m, result.PsnCashPay);
        Assert.Equal(149840.55m, result.CapLeft);
        Assert.Equal(1074.60m, result.Balc);
    }

    [Fact]
    public void Wang_Fangs_emergency_admission()
    {
        var bill = Bill(("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
            ("120400001", 18.00m, 8), ("210102001", 240.00m, 2));

        var result = Settlement.Compute(bill, ChangchunResidentInpatientLevel3, new Accumulated(0m, 0m), new PersonalAccount(false, false, 0m));

        Assert.Equal(958.76m, bill.MedfeeSumamt);
        Assert.Equal(60.00m, bill.OverlmtSelfpay);
        Assert.Equal(51.17m, bill.PreselfpayAmt);
        Assert.Equal(847.59m, bill.InscpScpAmt);
        Assert.Equal(600.00m, result.ActPayDedc);
        Assert.Equal(160.93m, result.HifpPay);
        Assert.Equal(797.83m, result.PsnCashPay);
        Assert.Equal(0m, result.Effect.DeductibleUsed);
    }

    [Fact]
    public void The_fund_stops_at_the_cap_left()
    {
        var bill = Bill(("110200001", 50.00m, 100));

        var result = Settlement.Compute(bill, ChangchunEmployeeEmergencyLevel3, new Accumulated(149_990.00m, 200m), new PersonalAccount(true, false, 0m));

        Assert.Equal(10.00m, result.CapLeft);
        Assert.Equal(10.00m, result.HifpPay);
        Assert.Equal(4990.00m, result.PsnCashPay);
    }

    [Theory]
    [InlineData("01", ChargeLevel.ClassA)]
    [InlineData("1", ChargeLevel.ClassA)]
    [InlineData("02", ChargeLevel.ClassB)]
    [InlineData("2", ChargeLevel.ClassB)]
    [InlineData("03", ChargeLevel.ClassC)]
    [InlineData("3", ChargeLevel.ClassC)]
    public void Charge_levels_are_read_in_both_spellings(string text, ChargeLevel expected)
    {
        Assert.True(ChargeLevels.TryParse(text, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("J18.9", true)]
    [InlineData("I21.0", true)]
    [InlineData("S06", true)]
    [InlineData("J18.900x001", true)]
    [InlineData("j18.9", false)]
    [InlineData("J1", false)]
    [InlineData("肺炎", false)]
    public void Diagnoses_must_have_the_ICD10_shape(string code, bool valid) => Assert.Equal(valid, Filing.IsIcd10Code(code));

    [Theory]
    [InlineData("11010519491231002X", true)]
    [InlineData("110105194912310021", false)]
    [InlineData("11010519491231002", false)]
    public void Identity_numbers_carry_a_GB_11643_check_character(string number, bool valid) => Assert.Equal(valid, IdentityNumber.IsValid(number));

    [Fact]
    public void Identity_numbers_are_masked_to_region_and_last_four() =>
        Assert.Equal("220102********0110", IdentityNumber.Mask("220102197503120110"));

    [Fact]
    public void The_engine_depends_on_no_package_and_no_other_assembly_of_ours()
    {
        var references = typeof(Settlement).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.All(references, name => Assert.True(name == "System.Runtime" || name.StartsWith("System.", StringComparison.Ordinal),
            $"MedSettle.Engine references {name}"));
    }
}
