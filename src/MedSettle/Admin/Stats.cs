using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Admin;

public sealed record StatsQuery(DateOnly From, DateOnly To, string? InsuplcAdmdvs = null, string? MdtrtareaAdmvs = null, string? FixmedinsCode = null);

public sealed record StatsGroup(string Key, string Name, long Filings, long Settlements, decimal MedfeeSumamt, decimal FundPaySumamt);

/// <summary>The province's four headline figures (备案人次, 结算人次, 结算金额, 医保支付金额), with breakdowns.</summary>
public sealed record StatsReport(
    string From,
    string To,
    long Filings,
    long Settlements,
    decimal MedfeeSumamt,
    decimal FundPaySumamt,
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
    private sealed class Row
    {
        public string K { get; set; } = "";
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }
    }

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

            async Task<Dictionary<string, Row>> Filings(string key) =>
                (await unit.QueryAsync<Row>(
                    $"SELECT {key} AS k, COUNT(*) AS n FROM filings WHERE revoked_at IS NULL AND created_at >= @from AND created_at < @to{filter} GROUP BY {key}", p))
                .ToDictionary(r => r.K);
            async Task<Dictionary<string, Row>> Settlements(string key) =>
                (await unit.QueryAsync<Row>(
                    $"""
                     SELECT {key} AS k, COUNT(*) AS n, CAST(SUM(medfee_fen) AS BIGINT) AS medfee, CAST(SUM(fund_pay_fen) AS BIGINT) AS fund FROM settlements
                     WHERE kind = 'settle' AND reversed_by IS NULL AND setl_time >= @from AND setl_time < @to{filter} GROUP BY {key}
                     """, p))
                .ToDictionary(r => r.K);

            var regions = (await unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions")).ToDictionary(r => r.Item1, r => r.Item2);
            var hospitals = (await unit.QueryAsync<(string, string)>("SELECT fixmedins_code, fixmedins_name FROM hospitals")).ToDictionary(r => r.Item1, r => r.Item2);

            async Task<List<StatsGroup>> Groups(string filingKey, string settlementKey, Func<string, string> name)
            {
                var filings = await Filings(filingKey);
                var settlements = await Settlements(settlementKey);
                return filings.Keys.Union(settlements.Keys).Order(StringComparer.Ordinal).Select(k =>
                {
                    var s = settlements.GetValueOrDefault(k);
                    return new StatsGroup(k, name(k), filings.GetValueOrDefault(k)?.N ?? 0, s?.N ?? 0,
                        Money.FromFen(s?.Medfee ?? 0), Money.FromFen(s?.Fund ?? 0));
                }).ToList();
            }

            var byHome = await Groups("insuplc_admdvs", "insuplc_admdvs", k => regions.GetValueOrDefault(k, k));
            var byArea = await Groups("mdtrtarea_admvs", "mdtrtarea_admvs", k => regions.GetValueOrDefault(k, k));
            var byHospital = await Groups("fixmedins_code", "fixmedins_code", k => hospitals.GetValueOrDefault(k, k));
            var byDay = await Groups("substr(created_at, 1, 10)", "substr(setl_time, 1, 10)", k => k);

            var medfee = byHome.Sum(g => g.MedfeeSumamt);
            var fund = byHome.Sum(g => g.FundPaySumamt);
            return new StatsReport(p.from, query.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                byHome.Sum(g => g.Filings), byHome.Sum(g => g.Settlements), Money.Fen(medfee), Money.Fen(fund),
                medfee == 0 ? 0m : decimal.Round(fund / medfee, 4, MidpointRounding.AwayFromZero),
                byHome, byArea, byHospital, byDay);
        }, cancel);
    }
}
