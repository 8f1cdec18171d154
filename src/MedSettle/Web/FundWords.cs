using System.Globalization;
using MedSettle.Engine;

namespace MedSettle.Web;

/// <summary>
/// The supplementary funds (DESIGN.md rules 11–15) in the words of the window and the dashboard: their names, the
/// assistance classes, a rule's bands, and how a settlement's share of a fund was reached, as a clerk reads it to the patient.
/// </summary>
public static class FundWords
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The fund as the window names it: 大额补助, 大病保险, 医疗救助.</summary>
    public static string Name(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "大额补助",
        SupplementaryFund.Hifmi => "大病保险",
        _ => "医疗救助",
    };

    /// <summary>The fund's full name, as on the policy page: 职工大额医疗费用补助, 城乡居民大病保险, 医疗救助.</summary>
    public static string FullName(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "职工大额医疗费用补助",
        SupplementaryFund.Hifmi => "城乡居民大病保险",
        _ => "医疗救助",
    };

    /// <summary>The fund a setldetail row's fund_pay_type names, or null for the basic fund (and anything else).</summary>
    public static SupplementaryFund? OfPayType(string? fundPayType) => fundPayType switch
    {
        "330100" => SupplementaryFund.Hifob,
        "390200" => SupplementaryFund.Hifmi,
        "610100" => SupplementaryFund.Maf,
        _ => null,
    };

    /// <summary>医疗救助's assistance class (1 特困人员, 2 低保对象, 3 返贫致贫/监测对象); null for none or an unknown code.</summary>
    public static string? AssistanceName(string? assistanceType) => assistanceType switch
    {
        "1" => "特困人员",
        "2" => "低保对象",
        "3" => "返贫致贫/监测对象",
        _ => null,
    };

    /// <summary>A rule's bands as people read them: ≤50,000 60% · ≤100,000 70% · 以上 80% (one open band alone: 起付线以上 90%).</summary>
    public static string Bands(IReadOnlyList<Band> bands)
    {
        if (bands is [{ Upto: null } only]) return $"起付线以上 {Formats.Percent(only.Ratio)}";
        return string.Join(" · ", bands.Select(b => b.Upto is { } upto
            ? $"≤{upto.ToString(upto % 1m == 0m ? "#,##0" : "#,##0.00", Invariant)} {Formats.Percent(b.Ratio)}"
            : $"以上 {Formats.Percent(b.Ratio)}"));
    }

    private static string N2(decimal amount) => amount.ToString("N2", Invariant);

    /// <summary>A piece's product written exactly (10,940.082 stays 10,940.082): the fund rounds the sum once, not each piece.</summary>
    private static string Exact(decimal amount) => amount.ToString("#,##0.00########", Invariant);

    /// <summary>What the fund's base is, as the patient hears it.</summary>
    private static string BaseName(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "超过统筹基金年度最高支付限额的政策范围内费用",
        SupplementaryFund.Hifmi => "政策范围内个人负担",
        _ => "医保支付后的政策范围内个人负担",
    };

    private static string ThresholdName(SupplementaryFund fund) => fund == SupplementaryFund.Maf ? "救助起付线" : "起付线";

    /// <summary>One piece of a settlement's base inside one band: <c>(From, To]</c> of the year's cumulative base, at <c>Ratio</c>.</summary>
    public readonly record struct Piece(decimal From, decimal To, decimal Ratio)
    {
        public decimal Amount => To - From;
        public decimal Pay => Amount * Ratio;
    }

    /// <summary>The pieces of <c>[before, before + amount]</c> above the threshold, band by band, as <see cref="SupplementaryRule.BandedPay"/> takes them.</summary>
    public static IReadOnlyList<Piece> Pieces(SupplementaryRule rule, decimal before, decimal amount)
    {
        var pieces = new List<Piece>();
        if (amount <= 0m) return pieces;
        var end = before + amount;
        var lower = rule.Threshold;
        foreach (var band in rule.Bands)
        {
            if (lower >= end) break;
            var from = Math.Max(before, lower);
            var to = band.Upto is { } upto ? Math.Min(end, upto) : end;
            if (to > from) pieces.Add(new Piece(from, to, band.Ratio));
            if (band.Upto is not { } next) break;
            lower = next;
        }
        return pieces;
    }

    /// <summary>
    /// How <paramref name="share"/> (a setldetail row: base, cap left before, pay) was reached under <paramref name="rule"/>
    /// from the person's <paramref name="year"/> before it, e.g. 本年政策范围内个人负担累计 13,648.00 → 33,233.47，超过起付线
    /// 15,000.00 的 18,233.47 按 60% 支付 10,940.08. Null when the rule and the year do not give exactly that share (the
    /// year moved since the answer, or another version applied): then the caller says less rather than something untrue.
    /// </summary>
    public static string? Explain(SupplementaryRule rule, FundYear year, FundShare share)
    {
        if (FundShare.Of(rule, year, share.Base) != share with { Fund = rule.Fund }) return null;
        var fund = rule.Fund;
        if (share.Base == 0m)
            return fund == SupplementaryFund.Hifob
                ? $"统筹基金未超过年度最高支付限额，不支付 {N2(share.Pay)}"
                : $"本次无{BaseName(fund)}，不支付 {N2(share.Pay)}";

        var before = year.Base;
        var after = before + share.Base;
        var text = $"本年{BaseName(fund)}累计 {N2(before)} → {N2(after)}，";
        var pieces = Pieces(rule, before, share.Base);
        var threshold = rule.Threshold > 0m ? $"{ThresholdName(fund)} {N2(rule.Threshold)}" : null;
        if (pieces.Count == 0) return text + $"未超过{threshold}，本次不支付 {N2(share.Pay)}";

        var banded = rule.BandedPay(before, share.Base);
        var lead = threshold is null ? "本次 " : before < rule.Threshold ? $"超过{threshold} 的 " : $"已超过{threshold}，";
        text += pieces.Count == 1
            ? $"{lead}{N2(pieces[0].Amount)} 按 {Formats.Percent(pieces[0].Ratio)}"
            : lead + string.Join("、", pieces.Select(p => $"{N2(p.From)}–{N2(p.To)} 段 {N2(p.Amount)} 按 {Formats.Percent(p.Ratio)} 计 {Exact(p.Pay)}"))
              + $"，合计 {N2(banded)}，";
        if (share.Pay < banded)
            return text + (pieces.Count == 1 ? $" 计 {N2(banded)}，" : "")
                        + (share.CapLeft == 0m ? $"本年最高支付限额 {N2(rule.AnnualCap)} 已用完，支付 {N2(share.Pay)}"
                            : $"受本年剩余最高支付限额 {N2(share.CapLeft)} 封顶，支付 {N2(share.Pay)}");
        return text + (pieces.Count == 1 ? $" 支付 {N2(share.Pay)}" : $"支付 {N2(share.Pay)}");
    }

    /// <summary>
    /// 大额补助's base (rule 11) in words: the basic fund's cap left, at its ratio, covers so much of the reimbursable part;
    /// the rest is the base. Null when these figures do not give <paramref name="beyond"/>.
    /// </summary>
    public static string? BeyondTheCap(decimal reimbursable, decimal capLeft, decimal ratio, decimal beyond)
    {
        if (ratio <= 0m || beyond <= 0m) return null;
        var covered = Money.Round(capLeft / ratio);
        if (reimbursable - Math.Min(reimbursable, covered) != beyond) return null;
        return $"统筹基金本年剩余限额 {N2(capLeft)} 按 {Formats.Percent(ratio)} 对应政策范围内费用 {N2(covered)}，"
               + $"扣除起付线后的 {N2(reimbursable)} 中超出的 {N2(beyond)} 由大额补助按规定支付";
    }
}
