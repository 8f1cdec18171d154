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

/// <summary>
/// How a settlement moves the person's accumulators; a reversal moves them back by the same amounts. Each
/// supplementary fund's year grows by its base (even where it pays nothing) and its pay.
/// </summary>
public readonly record struct AccumulatorEffect(decimal FundPaid, decimal DeductibleUsed, decimal AccountSpent,
    FundYear Hifob = default, FundYear Hifmi = default, FundYear Maf = default)
{
    public AccumulatorEffect Reversed() => new(-FundPaid, -DeductibleUsed, -AccountSpent,
        new FundYear(-Hifob.Base, -Hifob.Paid), new FundYear(-Hifmi.Base, -Hifmi.Paid), new FundYear(-Maf.Base, -Maf.Paid));
}

/// <param name="Reimbursable">The in-scope amount above the deductible: the basic fund's base (its setldetail row).</param>
/// <param name="Hifob">大额补助's share, when a rule is in force for the person; likewise 大病保险 and 医疗救助.</param>
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
    AccumulatorEffect Effect,
    decimal Reimbursable = 0m,
    FundShare? Hifob = null,
    FundShare? Hifmi = null,
    FundShare? Maf = null)
{
    public decimal HifobPay => Hifob?.Pay ?? 0.00m;
    public decimal HifmiPay => Hifmi?.Pay ?? 0.00m;
    public decimal MafPay => Maf?.Pay ?? 0.00m;
}

public static class Settlement
{
    /// <summary>
    /// Rules 5–15 of DESIGN.md: from the graded bill (rules 1–4: <see cref="LineGrading.Grade"/>, summed by
    /// <see cref="BillTotals.Sum"/>), the home region's policy, what the person has used so far and the supplementary
    /// funds in force for them (none: exactly v1's rules 5–10). Each step is marked with its rule's number.
    /// </summary>
    public static SettlementResult Compute(in BillTotals bill, Policy policy, in Accumulated used, in PersonalAccount account,
        SupplementaryCover? cover = null)
    {
        cover ??= SupplementaryCover.None;
        // 5. Deductible left: per visit, less what earlier (mid-stay) settlements of the same visit met; per year, less
        //    what this person met this year in this scheme and category. The deductible met is at most the in-scope amount.
        var deductibleLeft = policy.DeductibleBasis == DeductibleBasis.PerVisit
            ? Math.Max(0m, policy.Deductible - used.DeductibleUsedThisVisit)
            : Math.Max(0m, policy.Deductible - used.DeductibleUsedThisYear);
        var actPayDedc = Math.Min(bill.InscpScpAmt, deductibleLeft);

        // 6. The basic fund's share of the in-scope amount above the deductible.
        var reimbursable = bill.InscpScpAmt - actPayDedc;
        var fundRaw = Money.Round(reimbursable * policy.Ratio);

        // 7. Within what the annual cap leaves of the fund paid this year (crt_payb_lmt_amt).
        var capLeft = Math.Max(0m, policy.AnnualCap - used.FundPaidThisYear);
        var hifpPay = Math.Min(fundRaw, capLeft);

        // 11. 大额补助: the in-scope amount the basic fund's cap left unpaid.
        FundShare? hifob = null;
        if (cover.Hifob is { } hifobRule)
        {
            var beyond = fundRaw > capLeft && policy.Ratio > 0m
                ? reimbursable - Math.Min(reimbursable, Money.Round(capLeft / policy.Ratio))
                : 0m;
            hifob = FundShare.Of(hifobRule, cover.HifobYear, beyond);
        }
        // 12. 大病保险: the in-scope personal burden after the basic fund, deductible included.
        FundShare? hifmi = cover.Hifmi is { } hifmiRule ? FundShare.Of(hifmiRule, cover.HifmiYear, bill.InscpScpAmt - hifpPay) : null;
        var hifobPay = hifob?.Pay ?? 0m;
        var hifmiPay = hifmi?.Pay ?? 0m;
        // 13. 医疗救助: what is left of the in-scope amount after every insurance fund.
        FundShare? maf = cover.Maf is { } mafRule
            ? FundShare.Of(mafRule, cover.MafYear, bill.InscpScpAmt - hifpPay - hifobPay - hifmiPay)
            : null;
        var mafPay = maf?.Pay ?? 0m;

        // 14 (and rule 7's fund_pay_sumamt). Every fund together; with no supplementary fund in force, the basic fund alone.
        var fundPaySumamt = hifpPay + hifobPay + hifmiPay + mafPay;

        // 8. The person pays the rest of the bill.
        var psnPartAmt = bill.MedfeeSumamt - fundPaySumamt;
        // 9. From the personal account first (employees who ask for it), then in cash; pool_prop_selfpay is the ratio applied.
        var acctPay = account.Pays ? Math.Min(account.Balance, psnPartAmt) : 0m;
        var psnCashPay = psnPartAmt - acctPay;
        var balc = account.IsEmployee ? account.Balance - acctPay : 0m;

        // 10. What settling adds to the person's year (the fund paid; the deductible met, per_year only; each of 11–13's
        //     funds its base and pay) and takes from the account; a reversal takes all of it back.
        // 15. The result carries each fund's base, cap left and pay: its setldetail row (Reimbursable for the basic fund).
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
            Effect: new AccumulatorEffect(hifpPay, deductibleAdded, acctPay, YearOf(hifob), YearOf(hifmi), YearOf(maf)),
            Reimbursable: Money.Fen(reimbursable),
            Hifob: hifob,
            Hifmi: hifmi,
            Maf: maf);
    }

    private static FundYear YearOf(FundShare? share) => share is { } s ? new FundYear(s.Base, s.Pay) : default;

    /// <summary>The supplementary rule in force on <paramref name="visitDate"/>: the latest effective_from on or before it.</summary>
    public static SupplementaryRule? InForce(IEnumerable<SupplementaryRule> versions, DateOnly visitDate)
    {
        SupplementaryRule? chosen = null;
        foreach (var rule in versions)
            if (rule.EffectiveFrom <= visitDate && (chosen is null || rule.EffectiveFrom > chosen.EffectiveFrom)) chosen = rule;
        return chosen;
    }
}
