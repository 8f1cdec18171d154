using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Admin;

public sealed record StatsQuery(DateOnly From, DateOnly To, string? InsuplcAdmdvs = null, string? MdtrtareaAdmvs = null, string? FixmedinsCode = null);

/// <summary>One row of a breakdown; <paramref name="HifpPay"/> to <paramref name="MafPay"/> split <paramref name="FundPaySumamt"/> by fund (0 where nothing was settled).</summary>
public sealed record StatsGroup(string Key, string Name, long Filings, long Settlements, decimal MedfeeSumamt, decimal FundPaySumamt,
    decimal HifpPay = 0.00m, decimal HifobPay = 0.00m, decimal HifmiPay = 0.00m, decimal MafPay = 0.00m);

/// <summary>
/// The province's four headline figures (备案人次, 结算人次, 结算金额, 医保支付金额), with breakdowns; 医保支付金额 split by
/// fund: 统筹基金 (hifp), 大额补助 (hifob), 大病保险 (hifmi), 医疗救助 (maf).
/// </summary>
public sealed record StatsReport(
    string From,
    string To,
    long Filings,
    long Settlements,
    decimal MedfeeSumamt,
    decimal FundPaySumamt,
    decimal HifpPay,
    decimal HifobPay,
    decimal HifmiPay,
    decimal MafPay,
    decimal FundShare,
    IReadOnlyList<StatsGroup> ByHomeRegion,
    IReadOnlyList<StatsGroup> ByTreatingRegion,
    IReadOnlyList<StatsGroup> ByHospital,
    IReadOnlyList<StatsGroup> ByDay);

/// <summary>
/// Figures computed from the stored filings and settlements every time, never kept where they could drift.
/// Filings: valid, unrevoked filings made in the period. Settlements: settlements made in the period that stand.
/// </summary>
public static class Stats
{
    /// <summary>The finest grain the figures need: one row per home region, treating region, hospital and day.</summary>
    private sealed class Cell
    {
        public string Home { get; set; } = "";
        public string Area { get; set; } = "";
        public string Hospital { get; set; } = "";
        public string Day { get; set; } = "";
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }
        public long Hifp { get; set; }
        public long Hifob { get; set; }
        public long Hifmi { get; set; }
        public long Maf { get; set; }
    }

    /// <summary>
    /// One pass over each table, grouped at the finest grain and rolled up here into the four breakdowns: measured
    /// faster on PostgreSQL than four GROUP BYs or GROUPING SETS (a year of 1,000,000 settlements in ~0.7 s), and the
    /// same SQL on SQLite.
    /// </summary>
    private static string Cells(string table, string timeColumn, string where, string measures) => $"""
        SELECT insuplc_admdvs AS home, mdtrtarea_admvs AS area, fixmedins_code AS hospital, substr({timeColumn}, 1, 10) AS day, {measures}
        FROM {table} WHERE {where}
        GROUP BY insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, substr({timeColumn}, 1, 10)
        """;

    public static async Task<StatsReport> ComputeAsync(Database database, StatsQuery query, CancellationToken cancel = default)
    {
        return await database.ReadAsync(async unit =>
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

            if (database.Provider == DbProvider.Postgres)
                await unit.ExecuteAsync("SET LOCAL jit = off");
            var filings = (await unit.QueryAsync<Cell>(Cells("filings", "created_at",
                "revoked_at IS NULL AND created_at >= @from AND created_at < @to" + filter, "COUNT(*) AS n"), p)).ToList();
            var settlements = (await unit.QueryAsync<Cell>(Cells("settlements", "setl_time",
                "kind = 'settle' AND reversed_by IS NULL AND setl_time >= @from AND setl_time < @to" + filter,
                """
                COUNT(*) AS n, CAST(SUM(medfee_fen) AS BIGINT) AS medfee, CAST(SUM(fund_pay_fen) AS BIGINT) AS fund,
                CAST(SUM(hifp_fen) AS BIGINT) AS hifp, CAST(SUM(hifob_fen) AS BIGINT) AS hifob, CAST(SUM(hifmi_fen) AS BIGINT) AS hifmi,
                CAST(SUM(maf_fen) AS BIGINT) AS maf
                """), p)).ToList();

            var regions = (await unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions")).ToDictionary(r => r.Item1, r => r.Item2);
            var hospitals = (await unit.QueryAsync<(string, string)>("SELECT fixmedins_code, fixmedins_name FROM hospitals")).ToDictionary(r => r.Item1, r => r.Item2);

            List<StatsGroup> Groups(Func<Cell, string> key, Func<string, string> name)
            {
                var f = filings.GroupBy(key).ToDictionary(g => g.Key, g => g.Sum(c => c.N));
                var s = settlements.GroupBy(key).ToDictionary(g => g.Key, g => new Cell
                {
                    N = g.Sum(c => c.N), Medfee = g.Sum(c => c.Medfee), Fund = g.Sum(c => c.Fund),
                    Hifp = g.Sum(c => c.Hifp), Hifob = g.Sum(c => c.Hifob), Hifmi = g.Sum(c => c.Hifmi), Maf = g.Sum(c => c.Maf),
                });
                return f.Keys.Union(s.Keys).Order(StringComparer.Ordinal).Select(k =>
                {
                    var c = s.GetValueOrDefault(k) ?? new Cell();
                    return new StatsGroup(k, name(k), f.GetValueOrDefault(k), c.N, Money.FromFen(c.Medfee), Money.FromFen(c.Fund),
                        Money.FromFen(c.Hifp), Money.FromFen(c.Hifob), Money.FromFen(c.Hifmi), Money.FromFen(c.Maf));
                }).ToList();
            }

            var byHome = Groups(c => c.Home, k => regions.GetValueOrDefault(k, k));
            var byArea = Groups(c => c.Area, k => regions.GetValueOrDefault(k, k));
            var byHospital = Groups(c => c.Hospital, k => hospitals.GetValueOrDefault(k, k));
            var byDay = Groups(c => c.Day, k => k);

            var medfee = byHome.Sum(g => g.MedfeeSumamt);
            var fund = byHome.Sum(g => g.FundPaySumamt);
            return new StatsReport(p.from, query.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                byHome.Sum(g => g.Filings), byHome.Sum(g => g.Settlements), Money.Fen(medfee), Money.Fen(fund),
                Money.Fen(byHome.Sum(g => g.HifpPay)), Money.Fen(byHome.Sum(g => g.HifobPay)), Money.Fen(byHome.Sum(g => g.HifmiPay)),
                Money.Fen(byHome.Sum(g => g.MafPay)),
                medfee == 0 ? 0m : decimal.Round(fund / medfee, 4, MidpointRounding.AwayFromZero),
                byHome, byArea, byHospital, byDay);
        }, cancel);
    }
}
