using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MedSettle.Engine.Tests;

/// <summary>What must hold for any bill, any policy and any history, not only the worked examples.</summary>
public class SettlementProperties
{
    public sealed record Case(GradedLine[] Lines, Policy Policy, Accumulated Used, PersonalAccount Account)
    {
        public BillTotals Bill => BillTotals.Sum(Lines);
        public SettlementResult Settle() => Settlement.Compute(Bill, Policy, Used, Account);
        public override string ToString() => $"{Lines.Length} lines, medfee {Bill.MedfeeSumamt}, {Policy}, {Used}, {Account}";
    }

    private static Gen<decimal> Cents(int max) => Gen.Choose(0, max).Select(c => c / 100m);

    private static readonly Gen<GradedLine> Line =
        from level in Gen.Elements(ChargeLevel.ClassA, ChargeLevel.ClassB, ChargeLevel.ClassC)
        from ratio in Gen.Choose(0, 100).Select(r => r / 100m)
        from hasCeiling in Gen.Elements(false, true)
        from ceiling in Cents(50_000)
        from price in Cents(200_000)
        from count in Gen.Choose(1, 400).Select(c => c % 4 == 0 ? c / 4m : c / 2m)
        let item = new CatalogueItem("X", "x", "201", "05", level, ratio, hasCeiling ? ceiling : null)
        select LineGrading.Grade(item, price, count, LineGrading.ExpectedAmount(price, count));

    private static readonly Gen<Policy> PolicyGen =
        from deductible in Gen.Choose(0, 2000)
        from perYear in Gen.Elements(false, true)
        from ratio in Gen.Choose(0, 100).Select(r => r / 100m)
        from cap in Gen.Choose(0, 200_000)
        from inpatient in Gen.Elements(false, true)
        select new Policy("220100", "310", inpatient ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient, 3,
            new DateOnly(2026, 1, 1), deductible, perYear ? DeductibleBasis.PerYear : DeductibleBasis.PerVisit, ratio, cap);

    private static readonly Gen<Case> Cases =
        from lines in Gen.ArrayOf(Line).Where(l => l.Length is > 0 and <= 15)
        from policy in PolicyGen
        from fundPaid in Cents(22_000_000)
        from dedcUsed in Cents(250_000)
        from employee in Gen.Elements(false, true)
        from useAccount in Gen.Elements(false, true)
        from balance in Cents(1_000_000)
        select new Case(lines, policy, new Accumulated(fundPaid, dedcUsed), new PersonalAccount(employee, useAccount, balance));

    [Property(MaxTest = 1000)]
    public Property The_bill_splits_exactly_into_its_four_parts() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var b = c.Bill;
            return b.MedfeeSumamt == b.FulamtOwnpayAmt + b.OverlmtSelfpay + b.PreselfpayAmt + b.InscpScpAmt;
        });

    /// <summary>
    /// Rules 5–9 read from the person's side: they pay what lies outside the scope, the deductible met and what the fund
    /// leaves of the rest (the in-scope amount being exactly the deductible met and the rest); the account pays before cash.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property The_person_pays_the_out_of_scope_part_the_deductible_and_what_the_fund_leaves_and_the_account_before_cash() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var (b, r) = (c.Bill, c.Settle());
            return r.ActPayDedc + r.Reimbursable == b.InscpScpAmt
                && r.PsnPartAmt == b.FulamtOwnpayAmt + b.OverlmtSelfpay + b.PreselfpayAmt + r.ActPayDedc + (r.Reimbursable - r.HifpPay)
                && r.AcctPay <= c.Account.Balance
                && (!c.Account.Pays || r.PsnCashPay == 0 || r.AcctPay == c.Account.Balance);
        });

    [Property(MaxTest = 1000)]
    public Property The_fund_never_pays_above_the_cap_left() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var r = c.Settle();
            return r.HifpPay <= Math.Max(0, c.Policy.AnnualCap - c.Used.FundPaidThisYear);
        });

    [Property(MaxTest = 1000)]
    public Property Nothing_is_negative_and_everything_is_in_fen() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var r = c.Settle();
            decimal[] amounts = [c.Bill.MedfeeSumamt, c.Bill.FulamtOwnpayAmt, c.Bill.OverlmtSelfpay, c.Bill.PreselfpayAmt, c.Bill.InscpScpAmt,
                r.ActPayDedc, r.HifpPay, r.FundPaySumamt, r.PsnPartAmt, r.AcctPay, r.PsnCashPay, r.Balc, r.CapLeft];
            return amounts.All(a => a >= 0 && Money.HasAtMostTwoPlaces(a)) && (c.Account.Pays || r.AcctPay == 0);
        });

    /// <summary>
    /// A year of bills settled one after another, each on what the ones before it left (rule 10): the fund never pays past
    /// the annual cap, a per-year deductible is never met past the policy's, and the account never goes below zero.
    /// (That a reversal gives all of it back is the product's part, shown on both databases by
    /// MedSettle.Tests.Transactions.ReversalRestoresTheYearTests.)
    /// </summary>
    [Property(MaxTest = 300)]
    public Property A_year_of_bills_keeps_the_fund_within_the_cap_the_deductible_within_the_policys_and_the_account_above_zero() =>
        Prop.ForAll(
            (from policy in PolicyGen
             from bills in Gen.ArrayOf(Gen.ArrayOf(Line).Where(l => l.Length is > 0 and <= 6)).Where(b => b.Length is > 0 and <= 12)
             from balance in Cents(500_000)
             select (policy, bills, balance)).ToArbitrary(),
            t =>
            {
                var (policy, bills, balance) = t;
                var (fund, dedc, account) = (0m, 0m, balance);
                foreach (var bill in bills)
                {
                    var r = Settlement.Compute(BillTotals.Sum(bill), policy, new Accumulated(fund, dedc), new PersonalAccount(true, true, account));
                    (fund, dedc, account) = (fund + r.Effect.FundPaid, dedc + r.Effect.DeductibleUsed, account - r.Effect.AccountSpent);
                    if (fund > policy.AnnualCap || dedc > policy.Deductible || account < 0) return false;
                }
                return true;
            });
}
