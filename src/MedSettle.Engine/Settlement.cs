namespace MedSettle.Engine;

/// <summary>The visit's totals: the sums of its graded fee lines.</summary>
public readonly record struct BillTotals(
    decimal MedfeeSumamt,
    decimal FulamtOwnpayAmt,
    decimal OverlmtSelfpay,
    decimal PreselfpayAmt,
    decimal InscpScpAmt)
{
    public static BillTotals Zero => new(0.00m, 0.00m, 0.00m, 0.00m, 0.00m);

    public BillTotals Add(in GradedLine line) => new(
        MedfeeSumamt + line.Amount,
        FulamtOwnpayAmt + line.FullOwnPay,
        OverlmtSelfpay + line.OverLimit,
        PreselfpayAmt + line.PreSelfPay,
        InscpScpAmt + line.InScope);

    public static BillTotals Sum(ReadOnlySpan<GradedLine> lines)
    {
        var totals = Zero;
        foreach (ref readonly var line in lines)
            totals = totals.Add(line);
        return totals;
    }
}

/// <summary>What this person has already used before this settlement.</summary>
/// <param name="FundPaidThisYear">Fund paid this year to this person in this scheme (all categories).</param>
/// <param name="DeductibleUsedThisYear">Deductible used this year in this scheme and category (per_year policies).</param>
/// <param name="DeductibleUsedThisVisit">Deductible already met by earlier (mid-stay) settlements of the same visit.</param>
public readonly record struct Accumulated(decimal FundPaidThisYear, decimal DeductibleUsedThisYear, decimal DeductibleUsedThisVisit = 0m);

/// <summary>The personal account (个人账户): used only for employees (310) who ask for it (acct_used_flag = 1).</summary>
public readonly record struct PersonalAccount(bool IsEmployee, bool UseRequested, decimal Balance)
{
    public bool Pays => IsEmployee && UseRequested;
}

/// <summary>How a settlement moves the person's accumulators; a reversal moves them back by the same amounts.</summary>
public readonly record struct AccumulatorEffect(decimal FundPaid, decimal DeductibleUsed, decimal AccountSpent)
{
    public AccumulatorEffect Reversed => new(-FundPaid, -DeductibleUsed, -AccountSpent);
}

public sealed record SettlementResult(
    BillTotals Bill,
    decimal ActPayDedc,
    decimal CapLeft,
    decimal HifpPay,
    decimal FundPaySumamt,
    decimal PsnPartAmt,
    decimal AcctPay,
    decimal PsnCashPay,
    decimal Balc,
    decimal PoolPropSelfpay,
    AccumulatorEffect Effect);

public static class Settlement
{
    /// <summary>Rules 5-10 of DESIGN.md: from the graded bill, the home region's policy and what the person has used so far.</summary>
    public static SettlementResult Compute(in BillTotals bill, Policy policy, in Accumulated used, in PersonalAccount account)
    {
        var deductibleLeft = policy.DeductibleBasis == DeductibleBasis.PerVisit
            ? Math.Max(0m, policy.Deductible - used.DeductibleUsedThisVisit)
            : Math.Max(0m, policy.Deductible - used.DeductibleUsedThisYear);
        var actPayDedc = Math.Min(bill.InscpScpAmt, deductibleLeft);

        var reimbursable = bill.InscpScpAmt - actPayDedc;
        var fundRaw = Money.Round(reimbursable * policy.Ratio);

        var capLeft = Math.Max(0m, policy.AnnualCap - used.FundPaidThisYear);
        var hifpPay = Math.Min(fundRaw, capLeft);
        var fundPaySumamt = hifpPay;

        var psnPartAmt = bill.MedfeeSumamt - fundPaySumamt;
        var acctPay = account.Pays ? Math.Min(account.Balance, psnPartAmt) : 0m;
        var psnCashPay = psnPartAmt - acctPay;
        var balc = account.IsEmployee ? account.Balance - acctPay : 0m;

        var deductibleAdded = policy.DeductibleBasis == DeductibleBasis.PerYear ? actPayDedc : 0m;
        return new SettlementResult(
            bill,
            ActPayDedc: Money.Fen(actPayDedc),
            CapLeft: Money.Fen(capLeft),
            HifpPay: Money.Fen(hifpPay),
            FundPaySumamt: Money.Fen(fundPaySumamt),
            PsnPartAmt: Money.Fen(psnPartAmt),
            AcctPay: Money.Fen(acctPay),
            PsnCashPay: Money.Fen(psnCashPay),
            Balc: Money.Fen(balc),
            PoolPropSelfpay: decimal.Round(policy.Ratio, 4, MidpointRounding.AwayFromZero) + 0.0000m,
            Effect: new AccumulatorEffect(hifpPay, deductibleAdded, acctPay));
    }
}
