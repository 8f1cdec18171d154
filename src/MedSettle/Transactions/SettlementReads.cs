using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// What a settlement reads under the person's lock. <see cref="SettlementReads.Direct"/> asks the database one statement
/// at a time; a settlement group on PostgreSQL answers from the reads it made for the whole group in one round trip.
/// Either way the same code in <see cref="Settle"/> decides.
/// </summary>
public interface ISettlementReads
{
    /// <summary>The requesting hospital's visit of this person and kind, not cancelled, with the person's row locked.</summary>
    Task<(VisitRow Visit, PersonRow Person)> OwnVisitLockedAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind);

    /// <summary>
    /// The person's unrevoked filings for their scheme at the requesting hospital, or at least the one of them that
    /// <see cref="Filings.FindCovering"/> picks for the visit's day (a settlement group reads only that one).
    /// </summary>
    Task<IReadOnlyList<FilingRow>> FilingsAsync(TransactionContext ctx, PersonRow person);

    /// <summary>
    /// Files the visit implicitly (异地急诊视同备案, <see cref="Settle.FileImplicitlyAsync"/>) when no filing covers it and the
    /// province allows it: a write before the decision, in the request's own transaction. A settlement group makes none (its
    /// writes go out at its commit, and a refusal after it would have to take it back): it sends the request to run alone.
    /// </summary>
    Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, VisitRow visit);

    /// <summary>The visit's settlements that stand (kind settle, not reversed): setl_id, mid_setl_flag, chrg_bchno, act_pay_dedc_fen.</summary>
    Task<IReadOnlyList<SettlementRow>> StandingAsync(TransactionContext ctx, string mdtrtId);

    /// <summary>
    /// The visit's fee lines neither withdrawn nor settled (of charge batch <paramref name="batch"/> alone, when given): how
    /// many, and their graded amounts summed; and how many open lines the visit has in all.
    /// </summary>
    Task<OpenBill> OpenBillAsync(TransactionContext ctx, string mdtrtId, string? batch);

    /// <summary>Every version of the home region's policy for this scheme, category and hospital level.</summary>
    Task<IReadOnlyList<PolicyRow>> PoliciesAsync(TransactionContext ctx, PolicyKey key);

    /// <summary>The person's accumulators for the year, if any settlement has touched them.</summary>
    Task<AccumulatorRow?> AccumulatedAsync(TransactionContext ctx, PersonRow person, int year);

    /// <summary>Every version of the home region's supplementary funds (DESIGN.md rules 11–15).</summary>
    Task<IReadOnlyList<SupplementaryRule>> SupplementsAsync(TransactionContext ctx, string region);

    /// <summary>
    /// The supervision rules over the visit's standing lines (<see cref="InlineSupervision.CheckAsync"/>), asked only when a
    /// line of the bill is marked (<see cref="OpenBill.FlaggedLines"/>). A settlement group reads none: such a settlement,
    /// rare, runs alone.
    /// </summary>
    Task<InlineSupervision.Checked> SupervisionAsync(TransactionContext ctx, VisitRow visit, PersonRow person);
}

/// <summary>A visit's open fee lines (neither withdrawn nor settled): their number and graded amounts summed, in fen.</summary>
public sealed class OpenBill
{
    public string MdtrtId { get; set; } = "";

    /// <summary>The charge batch the lines were read for (a settlement group's key); null for the whole open bill.</summary>
    public string? ChrgBchno { get; set; }

    public long Lines { get; set; }

    /// <summary>The visit's open lines in all, whatever their batch: a batch that holds them all is the whole open bill.</summary>
    public long BillLines { get; set; }

    public long AmountFen { get; set; }
    public long FulamtOwnpayFen { get; set; }
    public long OverlmtFen { get; set; }
    public long PreselfpayFen { get; set; }
    public long InscpFen { get; set; }

    /// <summary>The taken lines a supervision rule marked at the last upload or withdrawal (fee_lines.spvs_severity): 0, nothing to check.</summary>
    public long FlaggedLines { get; set; }

    /// <summary>Which of the visit's bills is open (Transactions/Bills); 0 when it has no line.</summary>
    public long BillNo { get; set; }

    /// <summary>The bill's number and sums, for a query over open fee lines aliased f.</summary>
    /// <summary>
    /// The select list over a visit's open lines <c>f</c>: how many there are in all, and the number and sums of those for
    /// which <paramref name="taken"/> (an SQL condition: one charge batch, or every line) holds, in one pass.
    /// </summary>
    public static string Columns(string taken) => $"""
        CAST(COALESCE(MAX(f.bill_no), 0) AS BIGINT) AS bill_no, COUNT(*) AS bill_lines,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN 1 ELSE 0 END), 0) AS BIGINT) AS lines,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN f.amount_fen ELSE 0 END), 0) AS BIGINT) AS amount_fen,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN f.fulamt_ownpay_fen ELSE 0 END), 0) AS BIGINT) AS fulamt_ownpay_fen,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN f.overlmt_fen ELSE 0 END), 0) AS BIGINT) AS overlmt_fen,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN f.preselfpay_fen ELSE 0 END), 0) AS BIGINT) AS preselfpay_fen,
        CAST(COALESCE(SUM(CASE WHEN {taken} THEN f.inscp_fen ELSE 0 END), 0) AS BIGINT) AS inscp_fen,
        CAST(COALESCE(SUM(CASE WHEN {taken} AND f.spvs_severity IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS flagged_lines
        """;
}

/// <summary>Which policy table rows apply: home region, scheme, category and hospital level.</summary>
public readonly record struct PolicyKey(string Region, string Insutype, string Category, long HospLv);

public static class SettlementReads
{
    public static ISettlementReads Direct { get; } = new DirectReads();

    public const string StandingColumns = "setl_id, mdtrt_id, mid_setl_flag, chrg_bchno, act_pay_dedc_fen";

    private sealed class DirectReads : ISettlementReads
    {
        public Task<(VisitRow Visit, PersonRow Person)> OwnVisitLockedAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind) =>
            Visits.OwnVisitLockedAsync(ctx, mdtrtId, psnNo, kind);

        public Task<IReadOnlyList<FilingRow>> FilingsAsync(TransactionContext ctx, PersonRow person) => Filings.CandidatesAsync(ctx, person);

        public Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, VisitRow visit) => Settle.FileImplicitlyAsync(ctx, person, visit);

        public async Task<IReadOnlyList<SettlementRow>> StandingAsync(TransactionContext ctx, string mdtrtId) =>
            (await ctx.Db.QueryAsync<SettlementRow>(
                $"SELECT {StandingColumns} FROM settlements s WHERE {Visits.StandingSettlementOf("@mdtrtId")}",
                new { mdtrtId })).AsList();

        public async Task<OpenBill> OpenBillAsync(TransactionContext ctx, string mdtrtId, string? batch) =>
            (await ctx.Db.FirstOrDefaultAsync<OpenBill>(
                $"SELECT {OpenBill.Columns(batch is null ? "1 = 1" : "f.chrg_bchno = @batch")} FROM fee_lines f WHERE {Bills.OpenLinesOf("@mdtrtId")}",
                new { mdtrtId, batch }))!;

        public Task<IReadOnlyList<PolicyRow>> PoliciesAsync(TransactionContext ctx, PolicyKey key) => PolicyVersionsAsync(ctx.Db, key);

        public Task<AccumulatorRow?> AccumulatedAsync(TransactionContext ctx, PersonRow person, int year) =>
            ctx.Db.FirstOrDefaultAsync<AccumulatorRow>(
                "SELECT * FROM year_accumulators WHERE insuplc_admdvs = @insuplcAdmdvs AND psn_no = @psnNo AND insutype = @insutype AND year = @year",
                new { insuplcAdmdvs = person.InsuplcAdmdvs, psnNo = person.PsnNo, insutype = person.Insutype, year });

        public Task<IReadOnlyList<SupplementaryRule>> SupplementsAsync(TransactionContext ctx, string region) => Supplements.VersionsAsync(ctx.Db, region);

        public Task<InlineSupervision.Checked> SupervisionAsync(TransactionContext ctx, VisitRow visit, PersonRow person) =>
            InlineSupervision.CheckAsync(ctx.Db, visit, person, DateOnly.FromDateTime(ctx.Now));
    }

    public static async Task<IReadOnlyList<PolicyRow>> PolicyVersionsAsync(UnitOfWork db, PolicyKey key) =>
        (await db.QueryAsync<PolicyRow>(
            "SELECT * FROM policies WHERE insuplc_admdvs = @Region AND insutype = @Insutype AND category = @Category AND hosp_lv = @HospLv",
            key)).AsList();
}
