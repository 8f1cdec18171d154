using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// The supervision rules a visit's own lines decide (R01–R06, R10: <see cref="Supervision.CheckVisit"/>), applied before
/// settlement (2204/2301 answer them per line, and mark the lines) and during it (2206/2303 list them, 2207/2304 refuse a
/// block one the hospital did not approve and file the rest for review). docs/SUPERVISION.md, "Before and during settlement".
/// </summary>
public static class InlineSupervision
{
    /// <summary>A visit's standing lines (not withdrawn; settled ones included) and what the rules find in them.</summary>
    public sealed record Checked(IReadOnlyList<FeeLineRow> Lines, IReadOnlyList<Violation> Violations, RuleSet Rules)
    {
        /// <summary>The violations naming <paramref name="feedetlSn"/>, the most severe first.</summary>
        public IEnumerable<Violation> Of(string feedetlSn) =>
            Violations.Where(v => v.Lines.Contains(feedetlSn)).OrderByDescending(v => v.Severity);
    }

    /// <summary>
    /// Checks the visit's standing lines (<paramref name="standing"/>, or read when null) by the rules in force, with their
    /// items' limits.
    /// </summary>
    public static async Task<Checked> CheckAsync(UnitOfWork db, VisitRow visit, PersonRow person, DateOnly asOf, IReadOnlyList<FeeLineRow>? standing = null)
    {
        var lines = standing
            ?? (await db.QueryAsync<FeeLineRow>($"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")}", new { mdtrtId = visit.MdtrtId })).ToList();
        if (lines.Count == 0) return new Checked(lines, [], RuleSet.Defaults);
        var codes = lines.Select(l => l.MedListCodg).Distinct().ToArray();
        var limits = (await db.QueryAsync<CatalogueRow>(
                "SELECT * FROM catalogue WHERE " + db.IsOneOf("med_list_codg", "codes") + " AND (lmt_gend IS NOT NULL OR lmt_age_min IS NOT NULL "
                + "OR lmt_age_max IS NOT NULL OR lmt_daily_cnt IS NOT NULL OR excl_group IS NOT NULL)", new { codes }))
            .ToDictionary(r => r.MedListCodg, SupervisionVersions.LimitsOf, StringComparer.Ordinal);
        var rules = RuleSet.InForce(await SupervisionVersions.AllAsync(db), Formats.ParseDate(visit.Begntime));
        return new Checked(lines, Check(visit, person, lines, limits, rules, asOf), rules);
    }

    /// <summary>The visit-local rules over <paramref name="lines"/> (refunds folded in by the engine).</summary>
    public static IReadOnlyList<Violation> Check(VisitRow visit, PersonRow person, IEnumerable<FeeLineRow> lines,
        IReadOnlyDictionary<string, ItemLimits> limits, RuleSet rules, DateOnly asOf)
    {
        // a person whose birthday cannot be read is checked by no age limit, rather than by a made-up age
        var born = DateOnly.TryParseExact(person.Brdy, Formats.Date, CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthday);
        var category = CareCategories.FromMedType(visit.MedType) ?? CareCategory.EmergencyOutpatient;
        var supervised = new SupervisedVisit(visit.MdtrtId, category, Formats.ParseDate(visit.Begntime),
            visit.Endtime is { } end ? Formats.ParseDate(end) : null, new Patient(Sexes.FromGend(person.Gend), born ? birthday : DateOnly.MinValue));
        return Supervision.CheckVisit(supervised, lines.Select(l =>
        {
            var limit = limits.GetValueOrDefault(l.MedListCodg, ItemLimits.None);
            if (!born) limit = limit with { MinAge = null, MaxAge = null };
            return new SupervisedLine(l.FeedetlSn, l.MedListCodg, l.MedListName, l.MedChrgitmType, Formats.ParseTime(l.FeeOcurTime),
                decimal.Parse(l.Cnt, CultureInfo.InvariantCulture), Money.FromFen(l.AmountFen), limit, l.InitFeedetlSn);
        }), rules, asOf);
    }

    /// <summary>
    /// Marks each of the visit's standing lines with the most severe rule it breaks now (or none), writing only the lines
    /// whose mark changed: a settlement reads the marks in its bill's sums to know whether it has anything to check.
    /// </summary>
    public static async Task MarkAsync(UnitOfWork db, Checked check)
    {
        foreach (var line in check.Lines)
        {
            var severity = check.Of(line.FeedetlSn).Select(v => v.Severity.Code()).FirstOrDefault();
            if (severity == line.SpvsSeverity) continue;
            await db.ExecuteAsync(
                "UPDATE fee_lines SET spvs_severity = @severity WHERE mdtrt_id = @MdtrtId AND upload_msgid = @UploadMsgid AND feedetl_sn = @FeedetlSn",
                new { severity, line.MdtrtId, line.UploadMsgid, line.FeedetlSn });
            line.SpvsSeverity = severity;
        }
    }

    /// <summary>A violation as 2204/2301 and 2206/2303 answer it.</summary>
    public static object Answer(Violation v) => new
    {
        rule_code = v.Code,
        rule_name = v.Name,
        severity = v.Severity.Code(),
        msg = v.Message,
        lines = v.Lines,
        day = v.Day?.ToText(),
        found = v.Found,
        limit = v.Limit,
        related = v.Related,
    };

    /// <summary>
    /// What a settlement of <paramref name="taken"/> (the lines it settles) does about <paramref name="check"/>'s violations:
    /// those that name none of its lines are not its business (an earlier settlement's, or a later one's); a block one
    /// whose lines the hospital did not all approve refuses it; the rest are filed with it for review.
    /// </summary>
    public static IReadOnlyList<Finding> Findings(Checked check, IReadOnlySet<string> taken)
    {
        var bySn = check.Lines.ToDictionary(l => l.FeedetlSn, StringComparer.Ordinal);
        var findings = new List<Finding>();
        var blocked = new List<Violation>();
        foreach (var v in check.Violations.Where(v => v.Lines.Any(taken.Contains)))
        {
            var approved = v.Lines.All(sn => bySn.TryGetValue(sn, out var l) && l.Approved);
            if (v.Severity == RuleSeverity.Block && !approved) blocked.Add(v);
            else findings.Add(new Finding(v, approved && v.Severity == RuleSeverity.Block,
                approved ? string.Join("；", v.Lines.Select(sn => bySn[sn].HospApprReason).Distinct()) : null));
        }
        if (blocked.Count > 0)
            throw new Refusal(
                "智能监管审核未通过，本次未结算：" + string.Join("；", blocked.Select(v => $"{v.Code} {v.Name}（阻断）：{v.Message}"))
                + "。如确属临床需要并经医院审批，请撤销相关明细（2205/2302）后重新上传，在明细上标注 hosp_appr_flag 为 1 并在 memo 中写明审批理由，再结算")
            { Code = RefusalCode.SupervisionBlocked };
        return findings;
    }

    /// <summary>
    /// warn_msg's words for a settlement filed for review, naming the findings of the rules the province configured
    /// (rules.json); null when it has none of those. A rule no rules.json configures still files its findings, silently:
    /// a province that has not taken up supervision sees its hospitals' answers as they were.
    /// </summary>
    public static string? Flagged(IReadOnlyList<Finding> findings, RuleSet rules)
    {
        var configured = findings.Where(f => rules[f.Violation.Rule].EffectiveFrom != DateOnly.MinValue).ToList();
        return configured.Count == 0 ? null
            : "本次结算触发智能监管规则，已转参保地医保经办机构事后审核：" + string.Join("；", configured.Select(f =>
                $"{f.Violation.Code} {f.Violation.Name}{(f.Approved ? "（医院已审批）" : "")}：{f.Violation.Message}"));
    }
}
