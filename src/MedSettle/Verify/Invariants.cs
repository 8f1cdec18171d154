using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Verify;

public sealed record Violation(string Invariant, string Subject, string Detail)
{
    public override string ToString() => $"{Invariant}: {Subject}: {Detail}";
}

/// <summary>
/// What must hold in any database MedSettle has written, whatever happened to the process: checked by
/// <c>medsettle verify</c> after crashes and failovers, and by tests after heavy traffic.
/// </summary>
public static class Invariants
{
    private sealed class Mismatch
    {
        public string Subject { get; set; } = "";
        public long Stored { get; set; }
        public long Derived { get; set; }
    }

    /// <summary>Each supplementary fund's year (its base and its pay) equals its settlements' (DESIGN.md rules 11–15).</summary>
    private static IEnumerable<(string Name, string Sql, string Unit)> SupplementaryYearChecks() =>
        from fund in new[] { "hifob", "hifmi", "maf" }
        from part in new[] { ("base", $"COALESCE({fund}_base_fen, 0)"), ("paid", $"{fund}_fen") }
        let column = $"{fund}_{part.Item1}_fen"
        select ($"year {fund} {part.Item1} equals the settlements'", $"""
            SELECT a.insuplc_admdvs || '/' || a.psn_no || '/' || a.insutype || '/' || a.year AS subject, a.{column} AS stored,
                   COALESCE(s.fen, 0) AS derived
            FROM year_accumulators a LEFT JOIN (
                SELECT insuplc_admdvs, psn_no, insutype, year, CAST(SUM({part.Item2}) AS BIGINT) AS fen FROM settlements
                GROUP BY insuplc_admdvs, psn_no, insutype, year) s
              ON s.insuplc_admdvs = a.insuplc_admdvs AND s.psn_no = a.psn_no AND s.insutype = a.insutype AND s.year = a.year
            WHERE a.{column} <> COALESCE(s.fen, 0)
            """, "fen");

    private static readonly (string Name, string Sql, string Unit)[] Checks =
    [
        ("year fund paid equals the settlements' fund", """
            SELECT a.insuplc_admdvs || '/' || a.psn_no || '/' || a.insutype || '/' || a.year AS subject, a.hifp_paid_fen AS stored,
                   COALESCE(s.fen, 0) AS derived
            FROM year_accumulators a LEFT JOIN (
                SELECT insuplc_admdvs, psn_no, insutype, year, CAST(SUM(hifp_fen) AS BIGINT) AS fen FROM settlements
                GROUP BY insuplc_admdvs, psn_no, insutype, year) s
              ON s.insuplc_admdvs = a.insuplc_admdvs AND s.psn_no = a.psn_no AND s.insutype = a.insutype AND s.year = a.year
            WHERE a.hifp_paid_fen <> COALESCE(s.fen, 0)
            """, "fen"),
        // every fund's pay, and what counts toward a year without being paid (the deductible, the supplementary bases)
        ("settlements' funds are counted in the year", """
            SELECT s.insuplc_admdvs || '/' || s.psn_no || '/' || s.insutype || '/' || s.year AS subject, 0 AS stored, s.fen AS derived
            FROM (SELECT insuplc_admdvs, psn_no, insutype, year, CAST(SUM(fund_pay_fen) AS BIGINT) AS fen,
                         CAST(SUM(dedc_added_fen + COALESCE(hifob_base_fen, 0) + COALESCE(hifmi_base_fen, 0) + COALESCE(maf_base_fen, 0)) AS BIGINT) AS counted
                  FROM settlements GROUP BY insuplc_admdvs, psn_no, insutype, year) s
            LEFT JOIN year_accumulators a
              ON s.insuplc_admdvs = a.insuplc_admdvs AND s.psn_no = a.psn_no AND s.insutype = a.insutype AND s.year = a.year
            WHERE a.psn_no IS NULL AND (s.fen <> 0 OR s.counted <> 0)
            """, "fen"),
        ("year deductible used equals the settlements' deductible", """
            SELECT a.insuplc_admdvs || '/' || a.psn_no || '/' || a.insutype || '/' || a.year AS subject,
                   a.dedc_outpatient_fen * 1000000000 + a.dedc_inpatient_fen AS stored,
                   COALESCE(s.outpatient, 0) * 1000000000 + COALESCE(s.inpatient, 0) AS derived
            FROM year_accumulators a LEFT JOIN (
                SELECT insuplc_admdvs, psn_no, insutype, year,
                       CAST(SUM(CASE WHEN clr_type = '11' THEN dedc_added_fen ELSE 0 END) AS BIGINT) AS outpatient,
                       CAST(SUM(CASE WHEN clr_type = '21' THEN dedc_added_fen ELSE 0 END) AS BIGINT) AS inpatient
                FROM settlements GROUP BY insuplc_admdvs, psn_no, insutype, year) s
              ON s.insuplc_admdvs = a.insuplc_admdvs AND s.psn_no = a.psn_no AND s.insutype = a.insutype AND s.year = a.year
            WHERE a.dedc_outpatient_fen <> COALESCE(s.outpatient, 0) OR a.dedc_inpatient_fen <> COALESCE(s.inpatient, 0)
            """, "fen (outpatient·10⁹ + inpatient)"),
        .. SupplementaryYearChecks(),
        ("a settlement's fund pay is the sum of its funds' pays", """
            SELECT setl_id AS subject, fund_pay_fen AS stored, hifp_fen + hifob_fen + hifmi_fen + maf_fen AS derived FROM settlements
            WHERE fund_pay_fen <> hifp_fen + hifob_fen + hifmi_fen + maf_fen
            """, "fen"),
        ("account balance equals the opening balance less the settlements' account payments", """
            SELECT p.insuplc_admdvs || '/' || p.psn_no || '/' || p.insutype AS subject, p.acct_balc_fen AS stored,
                   p.acct_imported_fen - COALESCE(s.fen, 0) AS derived
            FROM persons p LEFT JOIN (
                SELECT insuplc_admdvs, psn_no, insutype, CAST(SUM(acct_pay_fen) AS BIGINT) AS fen FROM settlements
                GROUP BY insuplc_admdvs, psn_no, insutype) s
              ON s.insuplc_admdvs = p.insuplc_admdvs AND s.psn_no = p.psn_no AND s.insutype = p.insutype
            WHERE p.acct_balc_fen <> p.acct_imported_fen - COALESCE(s.fen, 0)
            """, "fen"),
        ("a standing settlement's medical fee equals its fee lines", """
            SELECT s.setl_id AS subject, s.medfee_fen AS stored, COALESCE(l.fen, 0) AS derived
            FROM settlements s LEFT JOIN (
                SELECT mdtrt_id, bill_no, CAST(SUM(amount_fen) AS BIGINT) AS fen FROM fee_lines WHERE withdrawn_at IS NULL GROUP BY mdtrt_id, bill_no) l
              ON l.mdtrt_id = s.mdtrt_id AND l.bill_no = s.bill_no
            WHERE s.kind = 'settle' AND s.reversed_by IS NULL AND s.medfee_fen <> COALESCE(l.fen, 0)
            """, "fen"),
        ("a reversal negates its settlement", """
            SELECT r.setl_id AS subject, r.medfee_fen + r.fund_pay_fen + r.acct_pay_fen AS stored,
                   -(o.medfee_fen + o.fund_pay_fen + o.acct_pay_fen) AS derived
            FROM settlements r JOIN settlements o ON o.setl_id = r.orig_setl_id
            WHERE r.kind = 'reversal' AND (r.medfee_fen <> -o.medfee_fen OR r.fund_pay_fen <> -o.fund_pay_fen OR r.acct_pay_fen <> -o.acct_pay_fen
                                          OR o.reversed_by IS NULL OR o.reversed_by <> r.setl_id)
            """, "fen"),
        ("a visit has at most one standing final settlement", """
            SELECT mdtrt_id AS subject, COUNT(*) AS stored, 1 AS derived FROM settlements
            WHERE kind = 'settle' AND reversed_by IS NULL AND mid_setl_flag <> '1' AND chrg_bchno IS NULL GROUP BY mdtrt_id HAVING COUNT(*) > 1
            """, "settlements"),
        ("every acknowledged message has its stored response, once", """
            SELECT fixmedins_code || '/' || msgid AS subject, 0 AS stored, 1 AS derived FROM messages
            WHERE state NOT IN ('done', 'undone', 'fenced') OR (state IN ('done', 'undone') AND response IS NULL)
            """, "response"),
        ("a standing settlement has its fee lines", $"""
            SELECT s.setl_id AS subject, 0 AS stored, 1 AS derived FROM settlements s
            WHERE s.kind = 'settle' AND s.reversed_by IS NULL AND NOT EXISTS (
                SELECT 1 FROM fee_lines f WHERE {Bills.LinesOfBill("s.mdtrt_id", "s.bill_no")})
            """, "fee lines"),
        ("a message made at most one settlement", """
            SELECT fixmedins_code || '/' || msgid AS subject, COUNT(*) AS stored, 1 AS derived FROM settlements
            GROUP BY fixmedins_code, msgid HAVING COUNT(*) > 1
            """, "settlements"),
        ("an acknowledged settlement message has its settlement", """
            SELECT m.fixmedins_code || '/' || m.msgid AS subject, 0 AS stored, 1 AS derived FROM messages m
            WHERE m.infno IN ('2207', '2304') AND m.state IN ('done', 'undone')
              AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.fixmedins_code = m.fixmedins_code AND s.msgid = m.msgid AND s.kind = 'settle')
            """, "settlement"),
        ("every settlement was acknowledged by its message", """
            SELECT s.setl_id AS subject, 0 AS stored, 1 AS derived FROM settlements s
            LEFT JOIN messages m ON m.fixmedins_code = s.fixmedins_code AND m.msgid = s.msgid
            WHERE m.msgid IS NULL
            """, "message"),
        // 事后审核: money moves only for a deducted case (a withdrawn one's refund nets its deduction to 0)
        ("a supervision case's deduction rows sum to its confirmed deduction", """
            SELECT c.case_id AS subject, COALESCE(d.fen, 0) AS stored,
                   CASE WHEN c.status = 'deducted' THEN COALESCE(c.deducted_fen, 0) ELSE 0 END AS derived
            FROM supervision_cases c LEFT JOIN (
                SELECT case_id, CAST(SUM(amount_fen) AS BIGINT) AS fen FROM supervision_deductions GROUP BY case_id) d ON d.case_id = c.case_id
            WHERE COALESCE(d.fen, 0) <> CASE WHEN c.status = 'deducted' THEN COALESCE(c.deducted_fen, 0) ELSE 0 END
            """, "fen"),
        ("a deducted supervision case's settlement stands", """
            SELECT c.case_id AS subject, 1 AS stored, 0 AS derived FROM supervision_cases c JOIN settlements s ON s.setl_id = c.setl_id
            WHERE c.status = 'deducted' AND s.reversed_by IS NOT NULL
            """, "reversed settlements"),
        ("every person's name and identity number are stored sealed, with the lookup hash", """
            SELECT insuplc_admdvs || '/' || psn_no || '/' || insutype AS subject, 0 AS stored, 1 AS derived FROM persons
            WHERE psn_name_enc IS NULL OR certno_enc IS NULL OR certno_hash IS NULL OR pd_digest IS NULL
            """, "sealed values"),
    ];

    /// <summary>Every violation found (none in a healthy database), with what was stored and what the settlements say.</summary>
    public static async Task<IReadOnlyList<Violation>> CheckAsync(Database database, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var violations = new List<Violation>();
        await database.ReadAsync(async unit =>
        {
            // Every check reads whole tables: hash joins, never a nested loop that a stale row estimate can pick (right
            // after a bulk load or a failover, one check re-aggregated all fee lines for each settlement).
            if (database.Provider == DbProvider.Postgres)
                await unit.ExecuteAsync("SET LOCAL enable_nestloop = off; SET LOCAL jit = off");
            foreach (var (name, sql, unitName) in Checks)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Report(name);
                foreach (var m in await unit.QueryAsync<Mismatch>(sql + " LIMIT 100"))
                    violations.Add(new Violation(name, m.Subject, $"stored {m.Stored}, derived {m.Derived} ({unitName})"));
            }
            return 0;
        }, cancel);
        return violations;
    }
}
