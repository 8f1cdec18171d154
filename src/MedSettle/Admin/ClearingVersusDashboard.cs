using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Admin;

/// <summary>A count of settlements (net of reversals where it is the clearing's) and their two sums.</summary>
public sealed record MonthFigures(long Count, decimal MedfeeSumamt, decimal FundPaySumamt)
{
    public static MonthFigures operator -(MonthFigures a, MonthFigures b) =>
        new(a.Count - b.Count, Money.Fen(a.MedfeeSumamt - b.MedfeeSumamt), Money.Fen(a.FundPaySumamt - b.FundPaySumamt));

    public bool IsZero => Count == 0 && MedfeeSumamt == 0 && FundPaySumamt == 0;
}

/// <summary>
/// A month's clearing beside the dashboard's figures for the same month and scope, and why they differ. The clearing counts
/// each reversal in the month it happens; the dashboard counts the settlements made in the month that still stand. So the
/// clearing is the dashboard, plus the month's settlements reversed in a later month (the dashboard no longer counts
/// them), less the reversals made in the month of earlier months' settlements (the dashboard never counted them here).
/// </summary>
public sealed record ClearingVersusDashboard(
    MonthFigures Clearing, MonthFigures Dashboard, MonthFigures EarlierReversedThisMonth, MonthFigures ThisMonthReversedLater)
{
    /// <summary>Clearing less dashboard.</summary>
    public MonthFigures Difference => Clearing - Dashboard;

    /// <summary>What the cross-month reversals do not account for (zero unless the data changed under a stored statement).</summary>
    public MonthFigures Unexplained => Difference - (ThisMonthReversedLater - EarlierReversedThisMonth);

    private sealed class Sums
    {
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }

        public MonthFigures Figures => new(N, Money.FromFen(Medfee), Money.FromFen(Fund));
    }

    /// <summary>
    /// Compares <paramref name="statement"/> with the dashboard, for the province or, with <paramref name="home"/>, for the
    /// insured of one region (the lines it pays as 参保地, which is what its agency's dashboard counts). The dashboard's side
    /// is <see cref="Stats"/> itself; the cross-month reversals are read from the settlements.
    /// </summary>
    public static async Task<ClearingVersusDashboard> CompareAsync(Database database, ClearingStatement statement, string? home,
        CancellationToken cancel = default)
    {
        var first = MonthlyClearing.ParseMonth(statement.Month);
        var next = first.AddMonths(1);
        var lines = statement.Lines.Where(l => home is null || l.PayerAdmdvs == home).ToList();
        var clearing = new MonthFigures(lines.Sum(l => l.Count), Money.Fen(lines.Sum(l => l.MedfeeSumamt)), Money.Fen(lines.Sum(l => l.FundPaySumamt)));
        var stats = await Stats.ComputeAsync(database, new StatsQuery(first, next.AddDays(-1), InsuplcAdmdvs: home), cancel);
        var dashboard = new MonthFigures(stats.Settlements, stats.MedfeeSumamt, stats.FundPaySumamt);

        var range = new { from = first.ToText(), to = next.ToText(), home };
        var scope = home is null ? "" : " AND o.insuplc_admdvs = @home";
        var (earlier, later) = await database.ReadAsync(async unit =>
        {
            var before = await unit.FirstOrDefaultAsync<Sums>(
                $"""
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.medfee_fen), 0) AS BIGINT) AS medfee, CAST(COALESCE(SUM(o.fund_pay_fen), 0) AS BIGINT) AS fund
                FROM settlements r JOIN settlements o ON o.setl_id = r.orig_setl_id
                WHERE r.kind = 'reversal' AND r.setl_time >= @from AND r.setl_time < @to AND o.setl_time < @from{scope}
                """, range);
            var after = await unit.FirstOrDefaultAsync<Sums>(
                $"""
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.medfee_fen), 0) AS BIGINT) AS medfee, CAST(COALESCE(SUM(o.fund_pay_fen), 0) AS BIGINT) AS fund
                FROM settlements o JOIN settlements r ON r.setl_id = o.reversed_by
                WHERE o.kind = 'settle' AND o.setl_time >= @from AND o.setl_time < @to AND r.setl_time >= @to{scope}
                """, range);
            return (before!.Figures, after!.Figures);
        }, cancel);
        return new ClearingVersusDashboard(clearing, dashboard, earlier, later);
    }
}
