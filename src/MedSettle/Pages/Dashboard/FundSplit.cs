using MedSettle.Admin;
using MedSettle.Engine;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// The dashboard's fund share split by fund (DESIGN.md rules 11–15): what 统筹基金, 大额补助, 大病保险 and 医疗救助 paid of
/// the standing settlements made in the period, and what the insured paid, with the figures' own scoping
/// (<see cref="Stats"/>: by settlement time, the agency's region forced in).
/// </summary>
public sealed record FundSplit(decimal Medfee, decimal Fund, decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf)
{
    public decimal Personal => Money.Fen(Medfee - Fund);

    /// <summary>The split of the figures the dashboard shows (Stats computes each fund with the rest, in the same pass).</summary>
    public static FundSplit Of(StatsReport report) =>
        new(report.MedfeeSumamt, report.FundPaySumamt, report.HifpPay, report.HifobPay, report.HifmiPay, report.MafPay);
}
