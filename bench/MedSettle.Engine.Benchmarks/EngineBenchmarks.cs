using BenchmarkDotNet.Attributes;

namespace MedSettle.Engine.Benchmarks;

/// <summary>
/// The settlement engine's per-settlement work, with every input built once in <see cref="Setup"/>:
/// a realistic ten-line emergency bill (甲/乙/丙 items, one line over its price ceiling, drugs in fractional counts)
/// graded line by line into <see cref="BillTotals"/>, then settled against the home region's policy.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private readonly record struct FeeLine(CatalogueItem Item, decimal Price, decimal Count, decimal Amount);

    private FeeLine[] _bill = [];
    private FeeLine _overCeilingLine;
    private BillTotals _totals;
    private Policy _policy = null!;
    private Accumulated _used;
    private PersonalAccount _account;
    private Policy _residentPolicy = null!;
    private Accumulated _nearCap;
    private PersonalAccount _resident;
    private SupplementaryCover _tiers = SupplementaryCover.None;

    [GlobalSetup]
    public void Setup()
    {
        // Rows of the provincial catalogue (samples/jilin-mini/catalogue.csv).
        var consultation = new CatalogueItem("110200001", "急诊诊察费", "201", "02", ChargeLevel.ClassA, 0m, null);
        var bloodCount = new CatalogueItem("250101001", "血常规", "201", "04", ChargeLevel.ClassA, 0m, null);
        var infusion = new CatalogueItem("120400001", "静脉输液", "201", "05", ChargeLevel.ClassA, 0m, null);
        var ctScan = new CatalogueItem("210102001", "CT平扫", "201", "03", ChargeLevel.ClassB, 0.10m, null);
        var monitoring = new CatalogueItem("311201001", "急诊监护", "201", "05", ChargeLevel.ClassB, 0.10m, 60.00m);
        var ceftriaxone = new CatalogueItem("XJ01DDA036B001010178838", "注射用头孢曲松钠", "101", "09", ChargeLevel.ClassB, 0.10m, null);
        var saline = new CatalogueItem("XB05BBA030B001010104416", "氯化钠注射液", "101", "09", ChargeLevel.ClassA, 0m, null);
        var danshen = new CatalogueItem("ZA12BAD0011010103983", "复方丹参滴丸", "101", "11", ChargeLevel.ClassB, 0.05m, null);
        var infusionSet = new CatalogueItem("C14010101001", "一次性使用输液器", "301", "08", ChargeLevel.ClassB, 0.20m, 5.00m);
        var nutrition = new CatalogueItem("XS0000000001", "自费营养制剂", "101", "09", ChargeLevel.ClassC, 0m, null);

        _bill =
        [
            Line(consultation, 50.00m, 1m),   // 甲
            Line(bloodCount, 25.00m, 1m),     // 甲
            Line(infusion, 18.00m, 3m),       // 甲
            Line(ctScan, 240.00m, 1m),        // 乙 10 %
            Line(monitoring, 72.00m, 2m),     // 乙 10 %, price 72.00 over the 60.00 ceiling
            Line(ceftriaxone, 23.45m, 1.5m),  // 乙 10 %, fractional count: 35.175 -> 35.18
            Line(saline, 4.28m, 2.5m),        // 甲, fractional count
            Line(danshen, 31.70m, 0.5m),      // 乙 5 %, fractional count
            Line(infusionSet, 4.80m, 3m),     // 乙 20 %, under its 5.00 ceiling
            Line(nutrition, 88.00m, 1m),      // 丙
        ];
        _overCeilingLine = _bill[4];

        // 张伟's case (DESIGN.md): Changchun employee (310), emergency at a level-3 hospital, first visit of the year,
        // personal account used.
        _policy = new Policy("220100", "310", CareCategory.EmergencyOutpatient, 3, new DateOnly(2026, 1, 1),
            200m, DeductibleBasis.PerYear, 0.65m, 150000m);
        _used = new Accumulated(0m, 0m);
        _account = new PersonalAccount(IsEmployee: true, UseRequested: true, Balance: 1520.50m);

        // The same bill for a resident whom all three tiers reach (基本医保, 大病保险, 医疗救助: DESIGN.md rules 11–15): a
        // 低保 resident (390) whose basic cap is nearly spent, so 大病 takes most of the in-scope amount the basic fund
        // leaves, crossing from its first band into its second; 医疗救助 pays on what is left, above its own threshold.
        // (大额 is the employees' counterpart of 大病: a person has one or the other.)
        var from = new DateOnly(2026, 1, 1);
        _residentPolicy = new Policy("220100", "390", CareCategory.EmergencyOutpatient, 3, from,
            300m, DeductibleBasis.PerYear, 0.55m, 100_000m);
        _nearCap = new Accumulated(99_900m, 300m);
        _resident = new PersonalAccount(IsEmployee: false, UseRequested: false, Balance: 0m);
        _tiers = new SupplementaryCover(
            Hifmi: new SupplementaryRule("220100", SupplementaryFund.Hifmi, "390", null, from, 15_000m,
                [new Band(50_000m, 0.6m), new Band(100_000m, 0.7m), new Band(null, 0.8m)], 300_000m), HifmiYear: new FundYear(49_900m, 20_940m),
            Maf: new SupplementaryRule("220100", SupplementaryFund.Maf, null, "2", from, 1_000m, [new Band(null, 0.7m)], 30_000m), MafYear: new FundYear(5_000m, 2_800m));

        _totals = GradeBill();
        Verify();
    }

    private static FeeLine Line(CatalogueItem item, decimal price, decimal count) =>
        new(item, price, count, LineGrading.ExpectedAmount(price, count));

    private BillTotals GradeBill()
    {
        var totals = BillTotals.Zero;
        foreach (ref readonly var line in _bill.AsSpan())
            totals = totals.Add(LineGrading.Grade(line.Item, line.Price, line.Count, line.Amount));
        return totals;
    }

    /// <summary>The benchmark must compute the real thing: hand-checked against DESIGN.md rules 1-10.</summary>
    private void Verify()
    {
        var expected = new BillTotals(677.13m, 88.00m, 24.00m, 43.19m, 521.94m);
        if (_totals != expected)
            throw new InvalidOperationException($"bill totals {_totals}, expected {expected}");
        var result = Settlement.Compute(_totals, _policy, _used, _account);
        if (result is not { ActPayDedc: 200.00m, HifpPay: 209.26m, PsnPartAmt: 467.87m, AcctPay: 467.87m, PsnCashPay: 0.00m, Balc: 1052.63m })
            throw new InvalidOperationException($"settlement {result}");
        // 大病: base 521.94 − 100.00 = 421.94 from 49,900.00: 100.00 × 0.6 + 321.94 × 0.7 = 285.358 → 285.36;
        // 医疗救助: base 421.94 − 285.36 = 136.58 above its threshold, × 0.7 = 95.606 → 95.61.
        var tiers = Settlement.Compute(_totals, _residentPolicy, _nearCap, _resident, _tiers);
        if (tiers is not { HifpPay: 100.00m, HifobPay: 0.00m, HifmiPay: 285.36m, MafPay: 95.61m, FundPaySumamt: 480.97m, PsnCashPay: 196.16m })
            throw new InvalidOperationException($"the bill does not reach every tier: {tiers}");
    }

    /// <summary>Everything one settlement computes: rules 1-4 for ten fee lines, the visit totals, rules 5-10.</summary>
    [Benchmark]
    public SettlementResult SettleTenLineBill()
    {
        var totals = BillTotals.Zero;
        foreach (ref readonly var line in _bill.AsSpan())
            totals = totals.Add(LineGrading.Grade(line.Item, line.Price, line.Count, line.Amount));
        return Settlement.Compute(totals, _policy, _used, _account);
    }

    /// <summary>The same bill for a resident whom the basic fund, 大病保险 and 医疗救助 all pay for (rules 1–15).</summary>
    [Benchmark]
    public SettlementResult SettleTenLineBillThroughAllTiers()
    {
        var totals = BillTotals.Zero;
        foreach (ref readonly var line in _bill.AsSpan())
            totals = totals.Add(LineGrading.Grade(line.Item, line.Price, line.Count, line.Amount));
        return Settlement.Compute(totals, _residentPolicy, _nearCap, _resident, _tiers);
    }

    /// <summary>Rules 1-4 for one fee line (the 乙类 line over its price ceiling: the longest path).</summary>
    [Benchmark]
    public GradedLine GradeOneLine()
    {
        ref readonly var line = ref _overCeilingLine;
        return LineGrading.Grade(line.Item, line.Price, line.Count, line.Amount);
    }

    /// <summary>Rules 5-10 only, from already graded visit totals.</summary>
    [Benchmark]
    public SettlementResult ComputeFromTotals() => Settlement.Compute(_totals, _policy, _used, _account);
}
