using System.Globalization;
using MedSettle.Admin;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// The dashboard's fund share split by fund (DESIGN.md rules 11–15): what 统筹基金, 大额补助, 大病保险 and 医疗救助 paid of
/// the standing settlements made in the period, and what the insured paid, with the figures' own scoping
/// (<see cref="Stats"/>: by settlement time, the agency's region forced in).
/// </summary>
public sealed record FundSplit(decimal Medfee, decimal Fund, decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf)
{
    public decimal Personal => Money.Fen(Medfee - Fund);

    private sealed class Sums
    {
        public long Medfee { get; set; }
        public long Fund { get; set; }
        public long Hifp { get; set; }
        public long Hifob { get; set; }
        public long Hifmi { get; set; }
        public long Maf { get; set; }
    }

    public static async Task<FundSplit> ComputeAsync(Database database, StatsQuery query, CancellationToken cancel = default)
    {
        var p = new
        {
            from = query.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            to = query.To.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            home = query.InsuplcAdmdvs,
            area = query.MdtrtareaAdmvs,
            hospital = query.FixmedinsCode,
        };
        var filter = (query.InsuplcAdmdvs is null ? "" : " AND insuplc_admdvs = @home")
                     + (query.MdtrtareaAdmvs is null ? "" : " AND mdtrtarea_admvs = @area")
                     + (query.FixmedinsCode is null ? "" : " AND fixmedins_code = @hospital");
        var sums = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<Sums>(
            $"""
            SELECT CAST(COALESCE(SUM(medfee_fen), 0) AS BIGINT) AS medfee, CAST(COALESCE(SUM(fund_pay_fen), 0) AS BIGINT) AS fund,
                   CAST(COALESCE(SUM(hifp_fen), 0) AS BIGINT) AS hifp, CAST(COALESCE(SUM(hifob_fen), 0) AS BIGINT) AS hifob,
                   CAST(COALESCE(SUM(hifmi_fen), 0) AS BIGINT) AS hifmi, CAST(COALESCE(SUM(maf_fen), 0) AS BIGINT) AS maf
            FROM settlements
            WHERE kind = 'settle' AND reversed_by IS NULL AND setl_time >= @from AND setl_time < @to{filter}
            """, p), cancel) ?? new Sums();
        return new FundSplit(Money.FromFen(sums.Medfee), Money.FromFen(sums.Fund), Money.FromFen(sums.Hifp), Money.FromFen(sums.Hifob),
            Money.FromFen(sums.Hifmi), Money.FromFen(sums.Maf));
    }
}
