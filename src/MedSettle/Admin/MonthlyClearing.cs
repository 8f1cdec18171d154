using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Admin;

/// <summary>One line of the statement; <paramref name="HifpPay"/> to <paramref name="MafPay"/> split <paramref name="FundPaySumamt"/> by fund.</summary>
public sealed record ClearingLineOut(
    string PayerAdmdvs, string PayerName, string PayeeAdmdvs, string PayeeName, string FixmedinsCode, string FixmedinsName,
    long Count, decimal MedfeeSumamt, decimal FundPaySumamt, decimal HifpPay, decimal HifobPay, decimal HifmiPay, decimal MafPay,
    decimal AcctPay, decimal AmountOwed, long DisputedCount);

/// <summary>A region's position; <paramref name="HifpPay"/> to <paramref name="AcctPay"/> say who owes its <paramref name="Payable"/>: each of its funds and its insured's personal accounts.</summary>
public sealed record PositionOut(string Admdvs, string Name, decimal Receivable, decimal Payable, decimal Net,
    decimal HifpPay, decimal HifobPay, decimal HifmiPay, decimal MafPay, decimal AcctPay);

public sealed record TransferOut(string Admdvs, string Name, string Direction, decimal Amount, string Counterparty);

/// <summary>
/// The month's supervision deductions (事后审核 扣款) for one home region, treating region and hospital: what the hospital
/// gives back. <paramref name="Deducted"/> is the confirmed deductions, <paramref name="Refunded"/> the deductions
/// refunded because their settlement was reversed; <paramref name="AmountOwed"/> what this line changes in what the payer
/// owes the payee (negative: the payee region gives back to the payer region).
/// </summary>
public sealed record DeductionLineOut(
    string PayerAdmdvs, string PayerName, string PayeeAdmdvs, string PayeeName, string FixmedinsCode, string FixmedinsName,
    long Cases, decimal Deducted, decimal Refunded, decimal AmountOwed);

public sealed record DisputeOut(string SetlId, string FixmedinsCode, string PayerAdmdvs, string PayeeAdmdvs, string SetlTime,
    decimal MedfeeSumamt, decimal AmountOwed, string? Memo, string DisputedAt);

public sealed record ClearingTotals(long Count, decimal MedfeeSumamt, decimal FundPaySumamt, decimal HifpPay, decimal HifobPay, decimal HifmiPay,
    decimal MafPay, decimal AcctPay, decimal AmountOwed)
{
    /// <summary>The sums of <paramref name="lines"/>.</summary>
    public static ClearingTotals Of(IReadOnlyCollection<ClearingLineOut> lines)
    {
        var funds = FundPays.Sum(lines, l => new FundPays(l.HifpPay, l.HifobPay, l.HifmiPay, l.MafPay)).WithTwoPlaces();
        return new ClearingTotals(lines.Sum(l => l.Count), Money.Fen(lines.Sum(l => l.MedfeeSumamt)), Money.Fen(lines.Sum(l => l.FundPaySumamt)),
            funds.Hifp, funds.Hifob, funds.Hifmi, funds.Maf, Money.Fen(lines.Sum(l => l.AcctPay)), Money.Fen(lines.Sum(l => l.AmountOwed)));
    }
}

/// <summary>
/// A month's clearing statement (清算单): lines, regional positions, transfers, and the rows hospitals disputed.
/// <paramref name="FundSplit"/> says where the amounts by fund come from: <see cref="MonthlyClearing.SplitComputed"/> with
/// the statement; <paramref name="Deductions"/> are the month's supervision deductions, netted into the positions and
/// transfers beside the lines (null in a statement stored before there were any); for a statement stored before it had them, <see cref="MonthlyClearing.SplitDerived"/> from the month's
/// settlements (which still add up to each stored line) or <see cref="MonthlyClearing.SplitUnavailable"/> (left 0).
/// </summary>
public sealed record ClearingStatement(
    string Month, string Status, string ComputedAt, string? ConfirmedAt, ClearingTotals Totals,
    IReadOnlyList<ClearingLineOut> Lines, IReadOnlyList<PositionOut> Positions, IReadOnlyList<TransferOut> Transfers,
    IReadOnlyList<DisputeOut> Disputes, string? FundSplit, IReadOnlyList<DeductionLineOut>? Deductions = null);

public sealed class ClearingRefused(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Monthly clearing between regions (清算). Each settlement and each reversal belongs to the month of its own time, so
/// an ended month's numbers never change; a confirmed statement is frozen and returned as it was confirmed.
/// </summary>
public static class MonthlyClearing
{
    public const string Preview = "preview", Computed = "computed", Confirmed = "confirmed";

    public const string SplitComputed = "computed", SplitDerived = "derived", SplitUnavailable = "unavailable";

    private sealed class LineRow
    {
        public string Payer { get; set; } = "";
        public string Payee { get; set; } = "";
        public string Hospital { get; set; } = "";
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }
        public long Hifp { get; set; }
        public long Hifob { get; set; }
        public long Hifmi { get; set; }
        public long Maf { get; set; }
        public long Acct { get; set; }

        public FundPays Funds => new(Money.FromFen(Hifp), Money.FromFen(Hifob), Money.FromFen(Hifmi), Money.FromFen(Maf));
    }

    private sealed class DeductionRow
    {
        public string Payer { get; set; } = "";
        public string Payee { get; set; } = "";
        public string Hospital { get; set; } = "";
        public long Cases { get; set; }
        public long Deducted { get; set; }
        public long Refunded { get; set; }
    }

    private sealed class DisputeRow
    {
        public string SetlId { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string? Memo { get; set; }
        public string ConfirmedAt { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string MdtrtareaAdmvs { get; set; } = "";
        public string SetlTime { get; set; } = "";
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }
        public long AcctPayFen { get; set; }
    }

    private sealed class StoredRow
    {
        public string Status { get; set; } = "";
        public string Result { get; set; } = "";
    }

    /// <summary>The first day of a yyyy-MM month between <see cref="AdminApi.FirstDay"/> and <see cref="AdminApi.LastDay"/>; otherwise refused (400) with the reason.</summary>
    public static DateOnly ParseMonth(string month)
    {
        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
            throw new ClearingRefused(400, $"月份“{month}”格式不对，应为 yyyy-MM（如 2026-03）");
        if (first < AdminApi.FirstDay || first > AdminApi.LastDay)
            throw new ClearingRefused(400, $"月份 {month} 超出平台可处理的范围（{AdminApi.FirstDay:yyyy-MM} 至 {AdminApi.LastDay:yyyy-MM}）");
        return first;
    }

    public static bool HasEnded(DateOnly firstDay, DateTime now) => DateOnly.FromDateTime(now) >= firstDay.AddMonths(1);

    /// <summary>POST: the frozen statement of a confirmed month; otherwise computed afresh (stored once the month has ended).</summary>
    public static async Task<ClearingStatement> ComputeAsync(Database database, string month, DateTime now, IProgress<string>? progress = null)
    {
        var first = ParseMonth(month);
        var stored = await StoredAsync(database, month);
        if (stored?.Status == Confirmed) return stored;
        var statement = await BuildAsync(database, first, HasEnded(first, now) ? Computed : Preview, now, null, progress);
        if (statement.Status == Computed) await StoreAsync(database, statement);
        return statement;
    }

    /// <summary>GET: what was stored for the month, or a preview when nothing was.</summary>
    public static async Task<ClearingStatement> GetAsync(Database database, string month, DateTime now)
    {
        var first = ParseMonth(month);
        return await StoredAsync(database, month) ?? await BuildAsync(database, first, Preview, now, null, null);
    }

    /// <summary>Freezes an ended month's statement; the month in progress cannot be confirmed.</summary>
    public static async Task<ClearingStatement> ConfirmAsync(Database database, string month, DateTime now)
    {
        var first = ParseMonth(month);
        if (!HasEnded(first, now))
            throw new ClearingRefused(409, $"{month} 尚未结束（今天是 {DateOnly.FromDateTime(now).ToText()}），月份结束后才能确认清算；现在可以预览");
        var stored = await StoredAsync(database, month);
        if (stored?.Status == Confirmed) return stored;
        var statement = await BuildAsync(database, first, Confirmed, now, now.ToText(), null);
        await StoreAsync(database, statement);
        return statement;
    }

    private static async Task<ClearingStatement?> StoredAsync(Database database, string month)
    {
        var row = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<StoredRow>("SELECT status, result FROM clearings WHERE month = @month", new { month }));
        if (row is null) return null;
        var statement = JsonSerializer.Deserialize<ClearingStatement>(row.Result, Responses.Json)!;
        return statement.FundSplit is null ? await WithDerivedFundSplitAsync(database, statement) : statement;
    }

    /// <summary>
    /// A statement stored before lines were split by fund, with the split read from the month's settlements where each of
    /// its lines still has exactly the stored count and sums; otherwise the split is unavailable (0). Nothing stored changes.
    /// </summary>
    private static async Task<ClearingStatement> WithDerivedFundSplitAsync(Database database, ClearingStatement statement)
    {
        var first = ParseMonth(statement.Month);
        var rows = (await database.ReadAsync(unit => LineRowsAsync(unit, first)))
            .ToDictionary(r => (r.Payer, r.Payee, r.Hospital));
        bool Matches(ClearingLineOut l) => rows.TryGetValue((l.PayerAdmdvs, l.PayeeAdmdvs, l.FixmedinsCode), out var r)
            && r.N == l.Count && r.Medfee == Money.ToFen(l.MedfeeSumamt) && r.Fund == Money.ToFen(l.FundPaySumamt) && r.Acct == Money.ToFen(l.AcctPay)
            && r.Hifp + r.Hifob + r.Hifmi + r.Maf == r.Fund;
        var derived = statement.Lines.All(Matches);
        var lines = statement.Lines.Select(l =>
        {
            var funds = derived ? rows[(l.PayerAdmdvs, l.PayeeAdmdvs, l.FixmedinsCode)].Funds : default;
            return l with { HifpPay = funds.Hifp, HifobPay = funds.Hifob, HifmiPay = funds.Hifmi, MafPay = funds.Maf };
        }).ToList();
        var totals = ClearingTotals.Of(lines);
        return statement with
        {
            FundSplit = derived ? SplitDerived : SplitUnavailable,
            Lines = lines,
            Totals = statement.Totals with { HifpPay = totals.HifpPay, HifobPay = totals.HifobPay, HifmiPay = totals.HifmiPay, MafPay = totals.MafPay },
            Positions = statement.Positions.Select(p =>
            {
                var owed = ClearingTotals.Of(lines.Where(l => l.PayerAdmdvs == p.Admdvs).ToList());
                return p with { HifpPay = owed.HifpPay, HifobPay = owed.HifobPay, HifmiPay = owed.HifmiPay, MafPay = owed.MafPay, AcctPay = owed.AcctPay };
            }).ToList(),
        };
    }

    /// <summary>The month's settlements and reversals summed per line (home region, treating region, hospital).</summary>
    private static async Task<List<LineRow>> LineRowsAsync(UnitOfWork unit, DateOnly first) =>
        (await unit.QueryAsync<LineRow>(
            """
            SELECT insuplc_admdvs AS payer, mdtrtarea_admvs AS payee, fixmedins_code AS hospital,
                   SUM(CASE WHEN kind = 'settle' THEN 1 ELSE -1 END) AS n,
                   CAST(SUM(medfee_fen) AS BIGINT) AS medfee, CAST(SUM(fund_pay_fen) AS BIGINT) AS fund,
                   CAST(SUM(hifp_fen) AS BIGINT) AS hifp, CAST(SUM(hifob_fen) AS BIGINT) AS hifob, CAST(SUM(hifmi_fen) AS BIGINT) AS hifmi,
                   CAST(SUM(maf_fen) AS BIGINT) AS maf, CAST(SUM(acct_pay_fen) AS BIGINT) AS acct
            FROM settlements
            WHERE setl_time >= @from AND setl_time < @to
            GROUP BY insuplc_admdvs, mdtrtarea_admvs, fixmedins_code
            ORDER BY insuplc_admdvs, mdtrtarea_admvs, fixmedins_code
            """, new { from = first.ToText(), to = first.AddMonths(1).ToText() })).ToList();

    private static Task StoreAsync(Database database, ClearingStatement statement) =>
        database.WriteAsync<int>(async unit =>
        {
            var current = await unit.FirstOrDefaultAsync<string>("SELECT status FROM clearings WHERE month = @month" + unit.ForUpdate, new { month = statement.Month });
            if (current == Confirmed) return (0, false);
            await unit.ExecuteAsync(current is null
                    ? "INSERT INTO clearings (month, status, computed_at, confirmed_at, result) VALUES (@month, @status, @computedAt, @confirmedAt, @result)"
                    : "UPDATE clearings SET status = @status, computed_at = @computedAt, confirmed_at = @confirmedAt, result = @result WHERE month = @month",
                new
                {
                    month = statement.Month, status = statement.Status, computedAt = statement.ComputedAt, confirmedAt = statement.ConfirmedAt,
                    result = JsonSerializer.Serialize(statement, Responses.Json),
                });
            return (0, true);
        });

    private static async Task<ClearingStatement> BuildAsync(Database database, DateOnly first, string status, DateTime now, string? confirmedAt,
        IProgress<string>? progress)
    {
        var month = first.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        return await database.ReadAsync(async unit =>
        {
            var range = new { from = first.ToText(), to = first.AddMonths(1).ToText(), month };
            progress?.Report("汇总本月结算与撤销");
            var rows = await LineRowsAsync(unit, first);
            progress?.Report("读取医院确认结果");
            var disputes = (await unit.QueryAsync<DisputeRow>(
                """
                SELECT c.setl_id, c.fixmedins_code, c.memo, c.confirmed_at, s.insuplc_admdvs, s.mdtrtarea_admvs, s.setl_time,
                       s.medfee_fen, s.fund_pay_fen, s.acct_pay_fen
                FROM clearing_confirmations c JOIN settlements s ON s.setl_id = c.setl_id
                WHERE c.month = @month AND c.cnfm_flag = '0'
                ORDER BY c.fixmedins_code, c.setl_id
                """, range)).ToList();
            progress?.Report("汇总本月智能监管扣款");
            var deductions = (await unit.QueryAsync<DeductionRow>(
                $"""
                SELECT insuplc_admdvs AS payer, mdtrtarea_admvs AS payee, fixmedins_code AS hospital, COUNT(DISTINCT case_id) AS cases,
                       CAST(SUM(CASE WHEN kind = '{SupervisionReview.DeductionKind}' THEN amount_fen ELSE 0 END) AS BIGINT) AS deducted,
                       CAST(-SUM(CASE WHEN kind = '{SupervisionReview.RefundKind}' THEN amount_fen ELSE 0 END) AS BIGINT) AS refunded
                FROM supervision_deductions WHERE month = @month
                GROUP BY insuplc_admdvs, mdtrtarea_admvs, fixmedins_code
                ORDER BY insuplc_admdvs, mdtrtarea_admvs, fixmedins_code
                """, range)).ToList();
            var regions = (await unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions")).ToDictionary(r => r.Item1, r => r.Item2);
            var hospitals = (await unit.QueryAsync<(string, string)>("SELECT fixmedins_code, fixmedins_name FROM hospitals")).ToDictionary(r => r.Item1, r => r.Item2);

            progress?.Report("轧差计算各统筹区头寸");
            var lines = rows.Select(r => new ClearingLine(r.Payer, r.Payee, r.Hospital, r.N, Money.FromFen(r.Medfee), Money.FromFen(r.Fund), r.Funds,
                Money.FromFen(r.Acct))).ToList();
            // a deduction gives back what the basic fund (统筹基金) paid: a negative amount the payer owes the payee
            var deductionLines = deductions.Select(d =>
            {
                var owed = Money.FromFen(d.Refunded - d.Deducted);
                return new ClearingLine(d.Payer, d.Payee, d.Hospital, 0, 0m, owed, new FundPays(owed, 0m, 0m, 0m), 0m);
            }).ToList();
            var (positions, transfers) = Clearing.Net(lines.Concat(deductionLines));
            var disputedByLine = disputes.GroupBy(d => (d.InsuplcAdmdvs, d.MdtrtareaAdmvs, d.FixmedinsCode)).ToDictionary(g => g.Key, g => (long)g.Count());
            string Region(string admdvs) => regions.GetValueOrDefault(admdvs, admdvs);

            var lineOuts = lines.Select(l => new ClearingLineOut(l.PayerAdmdvs, Region(l.PayerAdmdvs), l.PayeeAdmdvs, Region(l.PayeeAdmdvs), l.FixmedinsCode,
                hospitals.GetValueOrDefault(l.FixmedinsCode, l.FixmedinsCode), l.Count, l.MedfeeSumamt, l.FundPaySumamt, l.Funds.Hifp, l.Funds.Hifob,
                l.Funds.Hifmi, l.Funds.Maf, l.AcctPay, Money.Fen(l.AmountOwed), disputedByLine.GetValueOrDefault((l.PayerAdmdvs, l.PayeeAdmdvs, l.FixmedinsCode))))
                .ToList();

            return new ClearingStatement(
                month, status, now.ToText(), confirmedAt,
                ClearingTotals.Of(lineOuts),
                lineOuts,
                positions.Select(p => new PositionOut(p.Admdvs, Region(p.Admdvs), p.Receivable, p.Payable, Money.Fen(p.Net),
                    p.PayableFunds.Hifp, p.PayableFunds.Hifob, p.PayableFunds.Hifmi, p.PayableFunds.Maf, p.PayableAcct)).ToList(),
                transfers.Select(t => new TransferOut(t.Admdvs, Region(t.Admdvs), t.Direction == TransferDirection.PayToProvince ? "pay" : "receive",
                    t.Amount, "省级清算账户")).ToList(),
                disputes.Select(d => new DisputeOut(d.SetlId, d.FixmedinsCode, d.InsuplcAdmdvs, d.MdtrtareaAdmvs, d.SetlTime, Money.FromFen(d.MedfeeFen),
                    Money.FromFen(d.FundPayFen + d.AcctPayFen), d.Memo, d.ConfirmedAt)).ToList(),
                SplitComputed,
                deductions.Select(d => new DeductionLineOut(d.Payer, Region(d.Payer), d.Payee, Region(d.Payee), d.Hospital,
                    hospitals.GetValueOrDefault(d.Hospital, d.Hospital), d.Cases, Money.FromFen(d.Deducted), Money.FromFen(d.Refunded),
                    Money.FromFen(d.Refunded - d.Deducted))).ToList());
        });
    }
}
