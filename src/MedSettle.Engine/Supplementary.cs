namespace MedSettle.Engine;

/// <summary>The funds above the basic one, settled with it in one transaction (一站式结算, DESIGN.md rules 11–15).</summary>
public enum SupplementaryFund
{
    /// <summary>职工大额医疗费用补助 (employees, 310; fund_pay_type 330100): rule 11.</summary>
    Hifob,

    /// <summary>城乡居民大病保险 (residents, 390; 390200): rule 12.</summary>
    Hifmi,

    /// <summary>医疗救助 (persons with an assistance class, either scheme; 610100): rule 13.</summary>
    Maf,
}

/// <summary>One band of a supplementary fund: up to <see cref="Upto"/> (null: no end) it pays <see cref="Ratio"/>.</summary>
public readonly record struct Band(decimal? Upto, decimal Ratio);

/// <summary>
/// A supplementary fund's rule (the home region's, one version): nothing below <see cref="Threshold"/> of the year's
/// cumulative base, then each band's ratio on the part of the base inside it, and never more than the annual cap.
/// </summary>
public sealed record SupplementaryRule(
    string InsuplcAdmdvs,
    SupplementaryFund Fund,
    string? Insutype,
    string? AssistanceType,
    DateOnly EffectiveFrom,
    decimal Threshold,
    IReadOnlyList<Band> Bands,
    decimal AnnualCap)
{
    /// <summary>
    /// The banded payment on the part of <c>[before, before + amount]</c> above the threshold, each piece at the ratio
    /// of its band (band i covers <c>(upto of band i−1 or the threshold, upto of band i]</c>), summed and rounded once.
    /// </summary>
    public decimal BandedPay(decimal before, decimal amount)
    {
        if (amount <= 0m) return 0.00m;
        var end = before + amount;
        var lower = Threshold;
        var total = 0m;
        for (var i = 0; i < Bands.Count && lower < end; i++)
        {
            var band = Bands[i];
            var from = Math.Max(before, lower);
            var to = band.Upto is { } upto ? Math.Min(end, upto) : end;
            if (to > from) total += (to - from) * band.Ratio;
            if (band.Upto is not { } next) break;
            lower = next;
        }
        return Money.Round(total);
    }
}

/// <summary>What one fund has taken into account this year for the person before this settlement: its base and its pay.</summary>
public readonly record struct FundYear(decimal Base, decimal Paid);

/// <summary>The supplementary funds in force for the person (null: none), each with its year so far.</summary>
public sealed record SupplementaryCover(
    SupplementaryRule? Hifob = null, FundYear HifobYear = default,
    SupplementaryRule? Hifmi = null, FundYear HifmiYear = default,
    SupplementaryRule? Maf = null, FundYear MafYear = default)
{
    public static readonly SupplementaryCover None = new();
}

/// <summary>
/// One supplementary fund's part in a settlement (a <c>setldetail</c> row): the base it was computed on, its cap left
/// before, what it pays.
/// </summary>
public readonly record struct FundShare(SupplementaryFund Fund, decimal Base, decimal CapLeft, decimal Pay)
{
    /// <summary>Rules 11–13's payment: banded over the year's base from <paramref name="year"/>.Base on, within the cap left.</summary>
    public static FundShare Of(SupplementaryRule rule, in FundYear year, decimal @base)
    {
        var capLeft = Math.Max(0m, rule.AnnualCap - year.Paid);
        var pay = Math.Min(rule.BandedPay(year.Base, @base), capLeft);
        return new FundShare(rule.Fund, Money.Fen(@base), Money.Fen(capLeft), Money.Fen(pay));
    }

    public static string PayTypeCode(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "330100",
        SupplementaryFund.Hifmi => "390200",
        _ => "610100",
    };

    public static string PayTypeName(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "职工大额医疗费用补助基金",
        SupplementaryFund.Hifmi => "城乡居民大病保险资金",
        _ => "医疗救助基金",
    };
}
