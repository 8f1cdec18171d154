using MedSettle.Engine;
using MedSettle.Web;

namespace MedSettle.Tests.Web;

/// <summary>
/// How the window reads a supplementary fund's share to the patient (FundWords): the cumulative base, the threshold, each
/// band's piece, the cap; and nothing at all where the rule and the year do not give the answer's figure to the fen.
/// </summary>
public sealed class FundWordsTests
{
    /// <summary>长春市's 大病保险 in DESIGN.md's v2 sample: threshold 15,000, 60 % to 50,000, 70 % to 100,000, 80 % above, cap 300,000.</summary>
    private static SupplementaryRule MajorIllness(decimal cap = 300000m) => new("220100", SupplementaryFund.Hifmi, "390", null, new DateOnly(2026, 1, 1),
        15000m, [new Band(50000m, 0.6m), new Band(100000m, 0.7m), new Band(null, 0.8m)], cap);

    private static readonly SupplementaryRule LargeAmount = new("220100", SupplementaryFund.Hifob, "310", null, new DateOnly(2026, 1, 1),
        0m, [new Band(null, 0.9m)], 400000m);

    [Fact]
    public void Sun_Lis_second_admission_reads_as_in_the_issue()
    {
        var share = new FundShare(SupplementaryFund.Hifmi, 19585.47m, 300000.00m, 10940.08m);
        Assert.Equal("本年政策范围内个人负担累计 13,648.00 → 33,233.47，超过起付线 15,000.00 的 18,233.47 按 60% 支付 10,940.08",
            FundWords.Explain(MajorIllness(), new FundYear(13648.00m, 0m), share));
    }

    [Fact]
    public void A_base_below_the_threshold_says_it_pays_nothing()
    {
        var share = new FundShare(SupplementaryFund.Hifmi, 13648.00m, 300000.00m, 0.00m);
        Assert.Equal("本年政策范围内个人负担累计 0.00 → 13,648.00，未超过起付线 15,000.00，本次不支付 0.00",
            FundWords.Explain(MajorIllness(), new FundYear(0m, 0m), share));
    }

    [Fact]
    public void A_base_across_two_bands_lists_each_piece_and_the_sum_is_rounded_once()
    {
        var share = new FundShare(SupplementaryFund.Hifmi, 20000.00m, 285000.00m, 13000.00m);
        Assert.Equal("本年政策范围内个人负担累计 40,000.00 → 60,000.00，已超过起付线 15,000.00，"
                     + "40,000.00–50,000.00 段 10,000.00 按 60% 计 6,000.00、50,000.00–60,000.00 段 10,000.00 按 70% 计 7,000.00，合计 13,000.00，支付 13,000.00",
            FundWords.Explain(MajorIllness(), new FundYear(40000.00m, 15000.00m), share));

        // two fen across the band's end: 0.006 + 0.007 = 0.013, rounded once to 0.01 (each piece rounded would give 0.02)
        var tiny = new FundShare(SupplementaryFund.Hifmi, 0.02m, 300000.00m, 0.01m);
        Assert.Equal("本年政策范围内个人负担累计 49,999.99 → 50,000.01，已超过起付线 15,000.00，"
                     + "49,999.99–50,000.00 段 0.01 按 60% 计 0.006、50,000.00–50,000.01 段 0.01 按 70% 计 0.007，合计 0.01，支付 0.01",
            FundWords.Explain(MajorIllness(), new FundYear(49999.99m, 0m), tiny));
    }

    [Fact]
    public void A_share_held_by_the_cap_says_so()
    {
        var share = new FundShare(SupplementaryFund.Hifmi, 19585.47m, 5000.00m, 5000.00m);
        Assert.Equal("本年政策范围内个人负担累计 13,648.00 → 33,233.47，超过起付线 15,000.00 的 18,233.47 按 60% 计 10,940.08，"
                     + "受本年剩余最高支付限额 5,000.00 封顶，支付 5,000.00",
            FundWords.Explain(MajorIllness(cap: 20000m), new FundYear(13648.00m, 15000.00m), share));
        var spent = new FundShare(SupplementaryFund.Hifmi, 19585.47m, 0.00m, 0.00m);
        Assert.EndsWith("按 60% 计 10,940.08，本年最高支付限额 20,000.00 已用完，支付 0.00",
            FundWords.Explain(MajorIllness(cap: 20000m), new FundYear(13648.00m, 20000.00m), spent));
    }

    [Fact]
    public void Figures_the_rule_and_year_do_not_give_are_not_explained()
    {
        var share = new FundShare(SupplementaryFund.Hifmi, 19585.47m, 300000.00m, 10940.08m);
        Assert.Null(FundWords.Explain(MajorIllness(), new FundYear(0m, 0m), share)); // the year moved since the answer
        Assert.Null(FundWords.Explain(MajorIllness(), new FundYear(13648.00m, 1m), share)); // cap left differs
    }

    [Fact]
    public void Chen_Gangs_large_amount_subsidy_says_what_the_basic_cap_left_unpaid()
    {
        Assert.Equal("统筹基金本年剩余限额 150,000.00 按 85% 对应政策范围内费用 176,470.59，扣除起付线后的 216,064.00 中超出的 39,593.41 由大额补助按规定支付",
            FundWords.BeyondTheCap(216064.00m, 150000.00m, 0.85m, 39593.41m));
        Assert.Null(FundWords.BeyondTheCap(216064.00m, 150000.00m, 0.85m, 39593.40m));
        Assert.Equal("本年超过统筹基金年度最高支付限额的政策范围内费用累计 0.00 → 39,593.41，本次 39,593.41 按 90% 支付 35,634.07",
            FundWords.Explain(LargeAmount, new FundYear(0m, 0m), new FundShare(SupplementaryFund.Hifob, 39593.41m, 400000.00m, 35634.07m)));
        Assert.Equal("统筹基金未超过年度最高支付限额，不支付 0.00",
            FundWords.Explain(LargeAmount, new FundYear(0m, 0m), new FundShare(SupplementaryFund.Hifob, 0.00m, 400000.00m, 0.00m)));
    }

    [Fact]
    public void Bands_and_assistance_classes_read_as_people_say_them()
    {
        Assert.Equal("≤50,000 60% · ≤100,000 70% · 以上 80%", FundWords.Bands(MajorIllness().Bands));
        Assert.Equal("起付线以上 90%", FundWords.Bands(LargeAmount.Bands));
        Assert.Equal("≤50,000.50 60% · 以上 70%", FundWords.Bands([new Band(50000.50m, 0.6m), new Band(null, 0.7m)]));
        Assert.Equal(["特困人员", "低保对象", "返贫致贫/监测对象"], new[] { "1", "2", "3" }.Select(FundWords.AssistanceName));
        Assert.Null(FundWords.AssistanceName(null));
        Assert.Null(FundWords.AssistanceName(""));
    }
}
