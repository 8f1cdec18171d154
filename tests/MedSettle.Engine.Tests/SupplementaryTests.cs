using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MedSettle.Engine.Tests;

/// <summary>One-stop settlement (DESIGN.md rules 11–15): the v2 worked examples and what must hold for any bill and year.</summary>
public class SupplementaryTests
{
    private static readonly DateOnly Jan1 = new(2026, 1, 1);

    // 220100's rows in samples/jilin-mini/supplements.json
    private static readonly SupplementaryRule Hifmi = new("220100", SupplementaryFund.Hifmi, "390", null, Jan1, 15000m,
        [new Band(50000m, 0.6m), new Band(100000m, 0.7m), new Band(null, 0.8m)], 300000m);
    private static readonly SupplementaryRule Hifob = new("220100", SupplementaryFund.Hifob, "310", null, Jan1, 0m, [new Band(null, 0.9m)], 400000m);
    private static readonly SupplementaryRule Dibao = new("220100", SupplementaryFund.Maf, null, "2", Jan1, 1000m, [new Band(null, 0.7m)], 30000m);

    private static readonly Policy ResidentInpatient =
        new("220100", "390", CareCategory.Inpatient, 3, Jan1, 600m, DeductibleBasis.PerVisit, 0.65m, 120000m);
    private static readonly Policy EmployeeInpatient =
        new("220100", "310", CareCategory.Inpatient, 3, Jan1, 800m, DeductibleBasis.PerVisit, 0.85m, 150000m);

    private static BillTotals InScope(decimal medfee, decimal inscp) => new(medfee, medfee - inscp, 0m, 0m, inscp);

    [Fact]
    public void Sun_Lis_second_admission_reaches_the_first_band_of_major_illness_insurance()
    {
        var first = Settlement.Compute(InScope(39180.00m, 37880.00m), ResidentInpatient, new Accumulated(0m, 0m),
            new PersonalAccount(false, false, 0m), new SupplementaryCover(Hifmi: Hifmi));
        Assert.Equal(24232.00m, first.HifpPay);
        Assert.Equal(new FundShare(SupplementaryFund.Hifmi, 13648.00m, 300000.00m, 0.00m), first.Hifmi);
        Assert.Equal(14948.00m, first.PsnCashPay);

        var second = Settlement.Compute(new BillTotals(54938.00m, 0m, 0m, 93.80m, 54844.20m), ResidentInpatient,
            new Accumulated(first.HifpPay, 0m), new PersonalAccount(false, false, 0m),
            new SupplementaryCover(Hifmi: Hifmi, HifmiYear: first.Effect.Hifmi));

        Assert.Equal(95768.00m, second.CapLeft);
        Assert.Equal(35258.73m, second.HifpPay);
        Assert.Equal(19585.47m, second.Hifmi!.Value.Base);
        Assert.Equal(10940.08m, second.HifmiPay);
        Assert.Equal(46198.81m, second.FundPaySumamt);
        Assert.Equal(8739.19m, second.PsnCashPay);
        Assert.Equal(new FundYear(19585.47m, 10940.08m), second.Effect.Hifmi);
    }

    [Fact]
    public void Chen_Gangs_admission_beyond_the_basic_cap_is_paid_by_the_large_expense_subsidy()
    {
        var result = Settlement.Compute(InScope(216960.00m, 216864.00m), EmployeeInpatient, new Accumulated(0m, 0m),
            new PersonalAccount(true, true, 800.00m), new SupplementaryCover(Hifob: Hifob));

        Assert.Equal(150000.00m, result.HifpPay);
        Assert.Equal(39593.41m, result.Hifob!.Value.Base);
        Assert.Equal(35634.07m, result.HifobPay);
        Assert.Equal(185634.07m, result.FundPaySumamt);
        Assert.Equal(31325.93m, result.PsnPartAmt);
        Assert.Equal(800.00m, result.AcctPay);
        Assert.Equal(30525.93m, result.PsnCashPay);
        Assert.Equal(0.00m, result.Balc);
    }

    [Fact]
    public void Zhao_Min_on_minimum_living_allowance_pays_what_assistance_leaves()
    {
        var result = Settlement.Compute(InScope(45909.00m, 45422.10m), ResidentInpatient, new Accumulated(0m, 0m),
            new PersonalAccount(false, false, 0m), new SupplementaryCover(Hifmi: Hifmi, Maf: Dibao));

        Assert.Equal(29134.37m, result.HifpPay);
        Assert.Equal(16287.73m, result.Hifmi!.Value.Base);
        Assert.Equal(772.64m, result.HifmiPay);
        Assert.Equal(15515.09m, result.Maf!.Value.Base);
        Assert.Equal(10160.56m, result.MafPay);
        Assert.Equal(40067.57m, result.FundPaySumamt);
        Assert.Equal(5841.43m, result.PsnCashPay);

        var withoutTiers = Settlement.Compute(InScope(45909.00m, 45422.10m), ResidentInpatient, new Accumulated(0m, 0m), new PersonalAccount(false, false, 0m));
        Assert.Equal(16774.63m, withoutTiers.PsnCashPay);
        Assert.Null(withoutTiers.Hifmi);
    }

    [Fact]
    public void The_v1_examples_gain_a_row_paying_nothing()
    {
        // 王芳: 958.76, inscp 847.59, hifp 160.93 → 大病 base 686.66, below the threshold.
        var result = Settlement.Compute(new BillTotals(958.76m, 0m, 60.00m, 51.17m, 847.59m), ResidentInpatient, new Accumulated(0m, 0m),
            new PersonalAccount(false, false, 0m), new SupplementaryCover(Hifmi: Hifmi));
        Assert.Equal(160.93m, result.HifpPay);
        Assert.Equal(new FundShare(SupplementaryFund.Hifmi, 686.66m, 300000.00m, 0.00m), result.Hifmi);
        Assert.Equal(797.83m, result.PsnCashPay);
        Assert.Equal(247.59m, result.Reimbursable);
    }

    [Theory]
    [InlineData(0, 15000, 0)]             // all below the threshold
    [InlineData(10000, 10000, 3000)]      // 15,000–20,000 at 60 %
    [InlineData(40000, 20000, 13000)]     // 10,000 at 60 % + 10,000 at 70 %
    [InlineData(90000, 20000, 15000)]     // 10,000 at 70 % + 10,000 at 80 %
    [InlineData(0, 150000, 21000 + 35000 + 40000)]
    public void Each_piece_of_the_base_is_paid_at_its_bands_ratio(decimal before, decimal amount, decimal expected) =>
        Assert.Equal(expected, Hifmi.BandedPay(before, amount));

    [Fact]
    public void A_fund_pays_no_more_than_its_cap_left_and_its_base_grows_anyway()
    {
        var share = FundShare.Of(Dibao, new FundYear(50000m, 29900m), 5000m);
        Assert.Equal(new FundShare(SupplementaryFund.Maf, 5000.00m, 100.00m, 100.00m), share);

        var spent = FundShare.Of(Dibao, new FundYear(50000m, 30000m), 5000m);
        Assert.Equal(0.00m, spent.Pay);
    }

    // Properties over any bill, policy, rules and year.
    private static Gen<decimal> Cents(int max) => Gen.Choose(0, max).Select(c => c / 100m);

    private static readonly Gen<SupplementaryRule> Rule =
        from threshold in Gen.Choose(0, 30_000)
        from length in Gen.Choose(0, 3)
        from uptos in Gen.ArrayOf(Gen.Choose(1, 60_000), length)
        from open in Gen.Elements(true, false)
        from ratios in Gen.ArrayOf(Gen.Choose(0, 100), 4)
        from cap in Gen.Choose(0, 400_000)
        let bounds = uptos.Distinct().Order().Select(u => (decimal?)(threshold + u)).Concat(open || length == 0 ? [null] : []).ToList()
        select new SupplementaryRule("220100", SupplementaryFund.Hifmi, "390", null, Jan1, threshold,
            bounds.Select((u, i) => new Band(u, ratios[i] / 100m)).ToArray(), cap);

    private static readonly Gen<FundYear> Year = from b in Cents(20_000_000) from p in Cents(20_000_000) select new FundYear(b, p);

    public sealed record Case(BillTotals Bill, Policy Policy, decimal FundPaid, PersonalAccount Account, SupplementaryCover Cover)
    {
        public SettlementResult Settle() => Settlement.Compute(Bill, Policy, new Accumulated(FundPaid, 0m), Account, Cover);
        public override string ToString() => $"{Bill}, {Policy}, paid {FundPaid}, {Account}, {Cover.Hifob}/{Cover.HifobYear} {Cover.Hifmi}/{Cover.HifmiYear} {Cover.Maf}/{Cover.MafYear}";
    }

    private static readonly Gen<Case> Cases =
        from inscp in Cents(40_000_000)
        from outside in Cents(1_000_000)
        from ratio in Gen.Choose(0, 100).Select(r => r / 100m)
        from deductible in Gen.Choose(0, 2000)
        from cap in Gen.Choose(0, 200_000)
        from fundPaid in Cents(22_000_000)
        from employee in Gen.Elements(false, true)
        from balance in Cents(1_000_000)
        from hifob in Rule.Select(r => r with { Fund = SupplementaryFund.Hifob })
        from hifmi in Rule
        from maf in Rule.Select(r => r with { Fund = SupplementaryFund.Maf })
        from years in Gen.ArrayOf(Year, 3)
        from which in Gen.Choose(0, 7)
        select new Case(new BillTotals(inscp + outside, outside, 0m, 0m, inscp),
            new Policy("220100", employee ? "310" : "390", CareCategory.Inpatient, 3, Jan1, deductible, DeductibleBasis.PerVisit, ratio, cap),
            fundPaid, new PersonalAccount(employee, true, balance),
            new SupplementaryCover(
                employee && (which & 1) != 0 ? hifob : null, years[0],
                !employee && (which & 2) != 0 ? hifmi : null, years[1],
                (which & 4) != 0 ? maf : null, years[2]));

    [Property(MaxTest = 2000)]
    public Property The_funds_and_the_persons_part_equal_the_bill() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var r = c.Settle();
            return r.FundPaySumamt + r.PsnPartAmt == c.Bill.MedfeeSumamt
                && r.AcctPay + r.PsnCashPay == r.PsnPartAmt
                && r.PsnPartAmt >= c.Bill.MedfeeSumamt - c.Bill.InscpScpAmt
                && r.MafPay <= (r.Maf?.Base ?? 0m);
        });

    [Property(MaxTest = 2000)]
    public Property No_fund_pays_past_its_cap_left_or_below_zero() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var r = c.Settle();
            return new[] { (r.Hifob, c.Cover.Hifob, c.Cover.HifobYear), (r.Hifmi, c.Cover.Hifmi, c.Cover.HifmiYear), (r.Maf, c.Cover.Maf, c.Cover.MafYear) }
                .All(f => f.Item2 is null ? f.Item1 is null
                    : f.Item1 is { } s && s.Pay >= 0m && s.Base >= 0m && s.Pay <= s.CapLeft && s.CapLeft == Math.Max(0m, f.Item2.AnnualCap - f.Item3.Paid));
        });

    [Property(MaxTest = 2000)]
    public Property A_larger_base_never_pays_less() =>
        Prop.ForAll((from rule in Rule from before in Cents(20_000_000) from amount in Cents(10_000_000) from more in Cents(1_000_000)
                     select (rule, before, amount, more)).ToArbitrary(),
            t => t.rule.BandedPay(t.before, t.amount + t.more) >= t.rule.BandedPay(t.before, t.amount));
    /// <summary>A person's year as the accumulators hold it: the basic fund, the deductible, the account and each supplementary fund.</summary>
    private sealed record YearState(decimal FundPaid, decimal DeductibleUsed, decimal Balance, FundYear Hifob, FundYear Hifmi, FundYear Maf)
    {
        public YearState With(in AccumulatorEffect e) => new(FundPaid + e.FundPaid, DeductibleUsed + e.DeductibleUsed, Balance - e.AccountSpent,
            Add(Hifob, e.Hifob), Add(Hifmi, e.Hifmi), Add(Maf, e.Maf));

        private static FundYear Add(FundYear a, FundYear b) => new(a.Base + b.Base, a.Paid + b.Paid);
    }

    private static readonly Gen<(bool Employee, Policy Policy, SupplementaryRule Supplement, SupplementaryRule Assistance, decimal Balance,
        BillTotals[] Bills, int[] Order)> Years =
        from employee in Gen.Elements(false, true)
        from ratio in Gen.Choose(50, 95).Select(r => r / 100m)
        from deductible in Gen.Choose(0, 2000)
        from perYear in Gen.Elements(false, true)
        from cap in Gen.Choose(10_000, 200_000)
        from supplement in Rule
        from assistance in Rule.Select(r => r with { Fund = SupplementaryFund.Maf, Insutype = null, AssistanceType = "2" })
        from balance in Cents(1_000_000)
        from count in Gen.Choose(1, 8)
        from bills in Gen.ArrayOf(from inscp in Cents(15_000_000) from outside in Cents(500_000)
                                  select new BillTotals(inscp + outside, outside, 0m, 0m, inscp), count)
        from order in Gen.Shuffle(Enumerable.Range(0, count).ToArray())
        select (employee,
            new Policy("220100", employee ? "310" : "390", CareCategory.Inpatient, 3, Jan1, deductible, perYear ? DeductibleBasis.PerYear : DeductibleBasis.PerVisit, ratio, cap),
            employee ? supplement with { Fund = SupplementaryFund.Hifob, Insutype = "310" } : supplement, assistance, balance, bills, order.ToArray());

    [Property(MaxTest = 1000)]
    public Property A_year_of_bills_keeps_every_fund_within_its_cap_and_reversing_them_in_any_order_restores_every_accumulator() =>
        Prop.ForAll(Years.ToArbitrary(), y =>
        {
            var start = new YearState(0m, 0m, y.Balance, default, default, default);
            var state = start;
            var effects = new List<AccumulatorEffect>();
            foreach (var bill in y.Bills)
            {
                var cover = new SupplementaryCover(
                    y.Employee ? y.Supplement : null, state.Hifob, y.Employee ? null : y.Supplement, state.Hifmi, y.Assistance, state.Maf);
                var result = Settlement.Compute(bill, y.Policy, new Accumulated(state.FundPaid, state.DeductibleUsed),
                    new PersonalAccount(y.Employee, true, state.Balance), cover);
                effects.Add(result.Effect);
                state = state.With(result.Effect);
                var withinCaps = state.FundPaid <= y.Policy.AnnualCap && state.Balance >= 0m
                    && (y.Policy.DeductibleBasis == DeductibleBasis.PerVisit || state.DeductibleUsed <= y.Policy.Deductible)
                    && (y.Employee ? state.Hifob : state.Hifmi).Paid <= y.Supplement.AnnualCap && state.Maf.Paid <= y.Assistance.AnnualCap
                    && result.FundPaySumamt == result.HifpPay + result.HifobPay + result.HifmiPay + result.MafPay;
                if (!withinCaps) return false.Label($"beyond a cap after {effects.Count} bills: {state}");
            }
            foreach (var i in y.Order) state = state.With(effects[i].Reversed());
            return (state == start).Label($"after the reversals: {state}, expected {start}");
        });
}
