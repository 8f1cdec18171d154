using System.Globalization;
using System.Security.Claims;
using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>A case in a list: what it is about, where, its state and its money; <see cref="Rules"/> filled by <see cref="SupervisionPages.QueueAsync"/>.</summary>
public sealed class CaseListRow
{
    public string CaseId { get; set; } = "";
    public string SubjectKind { get; set; } = "";
    public string? SetlId { get; set; }
    public string? MdtrtId { get; set; }
    public string InsuplcAdmdvs { get; set; } = "";
    public string MdtrtareaAdmvs { get; set; } = "";
    public string FixmedinsCode { get; set; } = "";
    public string? FixmedinsName { get; set; }
    public string Status { get; set; } = "";
    public string OpenedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
    public long MedfeeFen { get; set; }
    public long FundPayFen { get; set; }
    public long? ProposedFen { get; set; }
    public long? DeductedFen { get; set; }
    public string? ReviewedAt { get; set; }
    public string? ReviewNote { get; set; }
    public string? AppealText { get; set; }
    public string? AppealedAt { get; set; }
    public string? DecisionNote { get; set; }
    public byte[]? PsnNameEnc { get; set; }
    public string MaskedName => PersonName.Mask(PersonalData.Open(PsnNameEnc));
    public IReadOnlyList<ViolationRow> Violations { get; set; } = [];
    public string Rules => string.Join("、", Violations.Select(v => $"{v.RuleCode} {v.RuleName}").Distinct());

    /// <summary>The last day to appeal (the proposal's day + 10), when a deduction was proposed.</summary>
    public DateOnly? AppealDeadline => ProposedFen is not null && ReviewedAt is not null ? Formats.ParseDate(ReviewedAt).AddDays(SupervisionReview.AppealDays) : null;
}

/// <summary>A row of supervision_violations: the evidence.</summary>
public sealed class ViolationRow
{
    public string CaseId { get; set; } = "";
    public string RuleCode { get; set; } = "";
    public string RuleName { get; set; } = "";
    public string Severity { get; set; } = "";
    public string Moment { get; set; } = "";
    public string Message { get; set; } = "";
    public string Lines { get; set; } = "";
    public string? Day { get; set; }
    public string? Found { get; set; }
    public string? LimitValue { get; set; }
    public string? Related { get; set; }
    public long Approved { get; set; }
    public string? ApprovalReason { get; set; }
    public string FoundAt { get; set; } = "";

    public IReadOnlyList<string> LineNumbers => Lines.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A row of supervision_events: who did what, when.</summary>
public sealed class CaseEventRow
{
    public long Seq { get; set; }
    public string At { get; set; } = "";
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string? Detail { get; set; }
}

/// <summary>A count of cases by one key (rule, hospital, month), with the money proposed and deducted.</summary>
public sealed class CaseCount
{
    public string GroupKey { get; set; } = "";
    public string? Name { get; set; }
    public long Cases { get; set; }
    public long OpenCases { get; set; }
    public long DeductedFen { get; set; }
}

/// <summary>The queue's filters; null or blank is "all".</summary>
public sealed record CaseFilter(string? Status = null, string? Rule = null, string? Hospital = null, string? Month = null);

/// <summary>
/// What the 智能监管 pages read, limited to what the account may see: an agency its own region's insured (insuplc_admdvs),
/// a clerk its own hospital's cases (fixmedins_code), the province everything.
/// </summary>
public static class SupervisionPages
{
    public const int QueueLimit = 200;

    /// <summary>The account as a case actor, or null for an agency account without a region (it sees nothing).</summary>
    public static CaseActor? ActorOf(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "";
        if (user.IsInRole(Roles.Province)) return CaseActor.ProvinceStaff(name, user.DisplayName());
        if (user.IsInRole(Roles.Clerk)) return user.Hospital() is { Length: > 0 } hospital ? CaseActor.Clerk(name, user.DisplayName(), hospital) : null;
        return user.Region() is { Length: > 0 } region ? CaseActor.Agency(name, user.DisplayName(), region) : null;
    }

    /// <summary>The words of an event's action.</summary>
    public static string ActionName(string action) => action switch
    {
        "filed" => "立案（发现违规）",
        "found" => "新增违规",
        "cleared" => "审核无违规，结案",
        "proposed" => "初审：拟扣款",
        "appealed" => "医院申诉",
        "accepted" => "医院认可扣款",
        "upheld" => "复核：申诉不成立，扣款",
        "waived" => "复核：申诉成立，不扣款",
        "confirmed" => "申诉期满，确认扣款",
        "withdrawn" => "结算撤销，案件终止",
        "reinstated" => "撤销已冲正，案件恢复",
        "settlement_reversed" => "结算已撤销",
        _ => action,
    };

    public static string StatusClass(string status) => status switch
    {
        SupervisionCases.Open or SupervisionCases.Appealed => "b",
        SupervisionCases.Proposed or SupervisionCases.Deducted => "c",
        SupervisionCases.Cleared or SupervisionCases.Waived => "a",
        _ => "",
    };

    public static string SeverityName(string severity) => severity == "block" ? "拦截" : "提示";

    private static (string Where, object Parameters) Scope(CaseActor actor, CaseFilter filter)
    {
        var conditions = new List<string>();
        if (!actor.Province)
            conditions.Add(actor.Hospital is not null ? "c.fixmedins_code = @scopeHospital" : "c.insuplc_admdvs = @scopeHome");
        if (!string.IsNullOrWhiteSpace(filter.Status)) conditions.Add("c.status = @status");
        if (!string.IsNullOrWhiteSpace(filter.Hospital)) conditions.Add("c.fixmedins_code = @hospital");
        if (!string.IsNullOrWhiteSpace(filter.Rule))
            conditions.Add("EXISTS (SELECT 1 FROM supervision_violations r WHERE r.case_id = c.case_id AND r.rule_code = @rule)");
        string? from = null, to = null;
        if (!string.IsNullOrWhiteSpace(filter.Month)
            && DateOnly.TryParseExact(filter.Month.Trim() + "-01", Formats.Date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            (from, to) = (first.ToText(), first.AddMonths(1).ToText());
            conditions.Add("c.opened_at >= @from AND c.opened_at < @to");
        }
        return (conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions), new
        {
            scopeHospital = actor.Hospital, scopeHome = actor.Region, status = filter.Status?.Trim(), hospital = filter.Hospital?.Trim(),
            rule = filter.Rule?.Trim(), from, to,
        });
    }

    /// <summary>The newest <see cref="QueueLimit"/> cases the actor sees that pass the filter, with their violations; and how many there are.</summary>
    public static async Task<(IReadOnlyList<CaseListRow> Cases, long Total)> QueueAsync(Database database, CaseActor actor, CaseFilter filter,
        bool proposalsOnly = false)
    {
        var (where, parameters) = Scope(actor, filter);
        if (proposalsOnly) where += (where.Length == 0 ? "WHERE " : " AND ") + "c.proposed_fen IS NOT NULL";
        return await database.ReadAsync(async unit =>
        {
            var total = await unit.ScalarAsync<long>($"SELECT COUNT(*) FROM supervision_cases c {where}", parameters);
            var cases = (await unit.QueryAsync<CaseListRow>(
                $"""
                SELECT c.case_id, c.subject_kind, c.setl_id, c.mdtrt_id, c.insuplc_admdvs, c.mdtrtarea_admvs, c.fixmedins_code, h.fixmedins_name,
                       c.status, c.opened_at, c.updated_at, c.medfee_fen, c.fund_pay_fen, c.proposed_fen, c.deducted_fen, c.reviewed_at,
                       c.review_note, c.appeal_text, c.appealed_at, c.decision_note, p.psn_name_enc
                FROM supervision_cases c
                LEFT JOIN hospitals h ON h.fixmedins_code = c.fixmedins_code
                LEFT JOIN persons p ON p.insuplc_admdvs = c.insuplc_admdvs AND p.psn_no = c.psn_no AND p.insutype = c.insutype
                {where}
                ORDER BY c.updated_at DESC, c.case_id
                LIMIT {QueueLimit}
                """, parameters)).ToList();
            var ids = cases.Select(c => c.CaseId).ToArray();
            var violations = (ids.Length == 0 ? [] : await unit.QueryAsync<ViolationRow>(
                $"SELECT * FROM supervision_violations WHERE {unit.IsOneOf("case_id", "ids")} ORDER BY rule_code, found_at", new { ids })).ToLookup(v => v.CaseId);
            foreach (var c in cases) c.Violations = violations[c.CaseId].ToList();
            return ((IReadOnlyList<CaseListRow>)cases, total);
        });
    }

    /// <summary>The cases the actor sees (filtered) counted per rule, per hospital and per month of filing.</summary>
    public static async Task<(IReadOnlyList<CaseCount> ByRule, IReadOnlyList<CaseCount> ByHospital, IReadOnlyList<CaseCount> ByMonth)> CountsAsync(
        Database database, CaseActor actor, CaseFilter filter)
    {
        var (where, parameters) = Scope(actor, filter);
        const string Sums = $"""
            COUNT(*) AS cases, SUM(CASE WHEN c.status IN ('{SupervisionCases.Open}', '{SupervisionCases.Proposed}', '{SupervisionCases.Appealed}') THEN 1 ELSE 0 END) AS open_cases,
            CAST(COALESCE(SUM(CASE WHEN c.status = '{SupervisionCases.Deducted}' THEN c.deducted_fen ELSE 0 END), 0) AS BIGINT) AS deducted_fen
            """;
        return await database.ReadAsync(async unit =>
        {
            var byRule = (await unit.QueryAsync<CaseCount>(
                $"""
                SELECT v.rule_code AS group_key, MIN(v.rule_name) AS name, {Sums}
                FROM supervision_cases c JOIN (SELECT DISTINCT case_id, rule_code, rule_name FROM supervision_violations) v ON v.case_id = c.case_id
                {where} GROUP BY v.rule_code ORDER BY v.rule_code
                """, parameters)).ToList();
            var byHospital = (await unit.QueryAsync<CaseCount>(
                $"""
                SELECT c.fixmedins_code AS group_key, MIN(h.fixmedins_name) AS name, {Sums}
                FROM supervision_cases c LEFT JOIN hospitals h ON h.fixmedins_code = c.fixmedins_code
                {where} GROUP BY c.fixmedins_code ORDER BY COUNT(*) DESC, c.fixmedins_code
                """, parameters)).ToList();
            var byMonth = (await unit.QueryAsync<CaseCount>(
                $"SELECT SUBSTR(c.opened_at, 1, 7) AS group_key, {Sums} FROM supervision_cases c {where} GROUP BY SUBSTR(c.opened_at, 1, 7) ORDER BY 1 DESC",
                parameters)).ToList();
            return ((IReadOnlyList<CaseCount>)byRule, (IReadOnlyList<CaseCount>)byHospital, (IReadOnlyList<CaseCount>)byMonth);
        });
    }

    /// <summary>One case with its evidence and history, if the actor may see it (otherwise null: the page answers 404).</summary>
    public static async Task<CaseView?> CaseAsync(UnitOfWork unit, CaseActor actor, string caseId)
    {
        var c = await unit.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId", new { caseId });
        if (c is null || !actor.Sees(c)) return null;
        var violations = (await unit.QueryAsync<ViolationRow>(
            "SELECT * FROM supervision_violations WHERE case_id = @caseId ORDER BY rule_code, found_at", new { caseId })).ToList();
        var named = violations.SelectMany(v => v.LineNumbers).Distinct().ToArray();
        var lines = c.MdtrtId is null || named.Length == 0 ? [] : (await unit.QueryAsync<FeeLineRow>(
            $"""
            SELECT feedetl_sn, fee_ocur_time, med_list_codg, med_list_name, med_chrgitm_type, pric, cnt, amount_fen, init_feedetl_sn, withdrawn_at
            FROM fee_lines WHERE mdtrt_id = @mdtrtId AND {unit.IsOneOf("feedetl_sn", "named")}
            ORDER BY feedetl_sn, fee_ocur_time
            """, new { mdtrtId = c.MdtrtId, named })).ToList();
        var events = (await unit.QueryAsync<CaseEventRow>(
            "SELECT seq, at, actor, action, detail FROM supervision_events WHERE case_id = @caseId ORDER BY seq", new { caseId })).ToList();
        var settlement = c.SetlId is null ? null
            : await unit.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @setlId", new { setlId = c.SetlId });
        var person = await unit.FirstOrDefaultAsync<PersonRow>(
            "SELECT * FROM persons WHERE insuplc_admdvs = @InsuplcAdmdvs AND psn_no = @PsnNo AND insutype = @Insutype", c);
        var hospital = await unit.FirstOrDefaultAsync<HospitalRow>("SELECT * FROM hospitals WHERE fixmedins_code = @FixmedinsCode", c);
        var regions = (await unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions")).ToDictionary(r => r.Item1, r => r.Item2);
        return new CaseView(c, violations, lines, events, settlement, person, hospital, regions);
    }
}

/// <summary>A case as its page shows it. Names and identity numbers are shown masked only.</summary>
public sealed record CaseView(
    SupervisionCaseRow Case, IReadOnlyList<ViolationRow> Violations, IReadOnlyList<FeeLineRow> Lines, IReadOnlyList<CaseEventRow> Events,
    SettlementRow? Settlement, PersonRow? Person, HospitalRow? Hospital, IReadOnlyDictionary<string, string> Regions)
{
    public string MaskedName => PersonName.Mask(Person?.PsnName);
    public string MaskedCertno => IdentityNumber.Mask(Person?.Certno);
    public string RegionName(string admdvs) => Regions.GetValueOrDefault(admdvs, admdvs);
}
