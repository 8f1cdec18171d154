using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>What a case is about: a settlement, a visit with no settlement, or a filing (docs/SUPERVISION.md "Cases").</summary>
public sealed record CaseSubject(
    string CaseId,
    string Kind,
    string? SetlId,
    string? MdtrtId,
    string? TrtDclaDetlSn,
    string InsuplcAdmdvs,
    string MdtrtareaAdmvs,
    string FixmedinsCode,
    string PsnNo,
    string Insutype,
    long MedfeeFen,
    long FundPayFen)
{
    public const string Settlement = "settlement", Visit = "visit", Filing = "filing";

    /// <summary>The case of a settlement row: its home region reviews it.</summary>
    public static CaseSubject Of(SettlementRow row) =>
        new(SettlementCase(row.SetlId), Settlement, row.SetlId, row.MdtrtId, row.TrtDclaDetlSn, row.InsuplcAdmdvs,
            row.MdtrtareaAdmvs, row.FixmedinsCode, row.PsnNo, row.Insutype, row.MedfeeFen, row.FundPayFen);

    /// <summary>The case of a settlement: "S" + setl_id.</summary>
    public static string SettlementCase(string setlId) => "S" + setlId;

    /// <summary>The case of a visit that has no settlement (yet): "V" + mdtrt_id.</summary>
    public static string VisitCase(string mdtrtId) => "V" + mdtrtId;

    /// <summary>The case of a filing: "F" + trt_dcla_detl_sn.</summary>
    public static string FilingCase(string trtDclaDetlSn) => "F" + trtDclaDetlSn;
}

/// <summary>One violation to file, and whether the hospital approved its lines (hosp_appr_flag "1" with a reason).</summary>
public sealed record Finding(Violation Violation, bool Approved = false, string? ApprovalReason = null)
{
    /// <summary>
    /// What makes the finding the same finding when found again: its lines, else the other visits or filings it concerns,
    /// else its day. Filing a finding with a key its case already holds adds nothing.
    /// </summary>
    public string EvidenceKey =>
        Violation.Lines.Count > 0 ? "lines:" + string.Join(",", Violation.Lines.Order(StringComparer.Ordinal))
        : Violation.Related is { Count: > 0 } related ? "related:" + string.Join(",", related.Order(StringComparer.Ordinal))
        : "day:" + (Violation.Day?.ToText() ?? "");
}

/// <summary>
/// The supervision queue's cases (tables supervision_cases, supervision_violations, supervision_events): filing what the
/// rules found, inside the caller's transaction, exactly once per finding.
/// </summary>
public static class SupervisionCases
{
    /// <summary>Moments a violation is found at: 事中 (settlement) or 事后 (medsettle audit).</summary>
    public const string AtSettlement = "settlement", AtAudit = "audit";

    /// <summary>Case statuses: 待审核, 无违规（已结案）, 拟扣款, 申诉中, 已扣款, 申诉成立（不扣款）, 结算已撤销.</summary>
    public const string Open = "open", Cleared = "cleared", Proposed = "proposed", Appealed = "appealed",
        Deducted = "deducted", Waived = "waived", Withdrawn = "withdrawn";

    /// <summary>
    /// Files <paramref name="findings"/> under <paramref name="subject"/>'s case, opening the case if it has none, in
    /// <paramref name="db"/>'s transaction. A finding the case already holds (same rule, same evidence) is left as it was.
    /// A case closed before (cleared, waived) is opened again when a new finding arrives. Returns how many findings were new.
    /// </summary>
    public static async Task<int> FileAsync(UnitOfWork db, CaseSubject subject, IReadOnlyCollection<Finding> findings, string moment, string actor, DateTime now)
    {
        if (findings.Count == 0) return 0;
        var at = now.ToText();
        var opened = await db.ExecuteAsync(
            """
            INSERT INTO supervision_cases (case_id, subject_kind, setl_id, mdtrt_id, trt_dcla_detl_sn, insuplc_admdvs, mdtrtarea_admvs,
                fixmedins_code, psn_no, insutype, medfee_fen, fund_pay_fen, status, opened_at, updated_at)
            VALUES (@CaseId, @Kind, @SetlId, @MdtrtId, @TrtDclaDetlSn, @InsuplcAdmdvs, @MdtrtareaAdmvs,
                @FixmedinsCode, @PsnNo, @Insutype, @MedfeeFen, @FundPayFen, 'open', @at, @at)
            ON CONFLICT (case_id) DO NOTHING
            """,
            new { subject.CaseId, subject.Kind, subject.SetlId, subject.MdtrtId, subject.TrtDclaDetlSn, subject.InsuplcAdmdvs, subject.MdtrtareaAdmvs,
                subject.FixmedinsCode, subject.PsnNo, subject.Insutype, subject.MedfeeFen, subject.FundPayFen, at });

        var added = new List<Finding>();
        foreach (var finding in findings.DistinctBy(f => (f.Violation.Code, f.EvidenceKey)))
        {
            var v = finding.Violation;
            var rows = await db.ExecuteAsync(
                """
                INSERT INTO supervision_violations (case_id, rule_code, evidence_key, rule_name, severity, moment, message, lines, day,
                    found, limit_value, related, approved, approval_reason, found_at)
                VALUES (@caseId, @code, @key, @name, @severity, @moment, @message, @lines, @day, @found, @limit, @related, @approved, @reason, @at)
                ON CONFLICT (case_id, rule_code, evidence_key) DO NOTHING
                """,
                new
                {
                    caseId = subject.CaseId, code = v.Code, key = finding.EvidenceKey, name = v.Name, severity = v.Severity.Code(), moment,
                    message = v.Message, lines = string.Join(",", v.Lines), day = v.Day?.ToText(), found = Number(v.Found), limit = Number(v.Limit),
                    related = v.Related is { Count: > 0 } related ? string.Join(",", related) : null,
                    approved = finding.Approved ? 1 : 0, reason = finding.ApprovalReason, at,
                });
            if (rows > 0) added.Add(finding);
        }
        if (added.Count == 0) return 0;

        if (opened == 0)
            await db.ExecuteAsync(
                $"UPDATE supervision_cases SET status = '{Open}', updated_at = @at WHERE case_id = @caseId AND status IN ('{Cleared}', '{Waived}')",
                new { caseId = subject.CaseId, at });
        await RecordAsync(db, subject.CaseId, actor, opened > 0 ? "filed" : "found", now,
            string.Join("；", added.Select(f => $"{f.Violation.Code} {f.Violation.Name}").Distinct()));
        return added.Count;
    }

    /// <summary>Appends an event to the case's history (who, when, what): every filing and every decision is one.</summary>
    public static Task RecordAsync(UnitOfWork db, string caseId, string actor, string action, DateTime now, string? detail) =>
        db.ExecuteAsync(
            """
            INSERT INTO supervision_events (case_id, seq, at, actor, action, detail)
            VALUES (@caseId, (SELECT COALESCE(MAX(seq), 0) + 1 FROM supervision_events WHERE case_id = @caseId), @at, @actor, @action, @detail)
            """,
            new { caseId, at = now.ToText(), actor = actor.Length > 100 ? actor[..100] : actor, action, detail });

    private static string? Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);
}
