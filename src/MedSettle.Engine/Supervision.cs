using System.Globalization;

namespace MedSettle.Engine;

public enum Sex { Male = 1, Female = 2 }

public static class Sexes
{
    /// <summary>gend 1 is male, 2 female; 0 (未知) and 9 (未说明) are no sex a rule can compare with.</summary>
    public static Sex? FromGend(string? gend) => gend switch { "1" => Sex.Male, "2" => Sex.Female, _ => null };

    public static string ChineseName(this Sex sex) => sex == Sex.Male ? "男性" : "女性";
}

/// <summary>The catalogue's limits on one item (lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group); null: no limit.</summary>
public sealed record ItemLimits(Sex? Sex = null, int? MinAge = null, int? MaxAge = null, decimal? DailyCount = null, string? ExclusionGroup = null)
{
    public static readonly ItemLimits None = new();
}

/// <summary>The insured person as the rules see them: sex (null when not known) and birthday.</summary>
public sealed record Patient(Sex? Sex, DateOnly Birthday)
{
    /// <summary>Age in whole years on <paramref name="day"/>.</summary>
    public int AgeOn(DateOnly day)
    {
        var age = day.Year - Birthday.Year;
        return Birthday.AddYears(age) > day ? age - 1 : age;
    }
}

/// <summary>A visit: its category, begin (admission) date and end (discharge) date, null while it is open.</summary>
public sealed record SupervisedVisit(string MdtrtId, CareCategory Category, DateOnly Begin, DateOnly? End, Patient Patient);

/// <summary>
/// One fee line of a visit with its item's catalogue limits. A refund line (negative count and amount) names the line it
/// offsets in <see cref="RefundOf"/>; <see cref="Supervision.Net"/> folds it in.
/// </summary>
public sealed record SupervisedLine(
    string FeedetlSn,
    string ItemCode,
    string ItemName,
    string ChargeItemType,
    DateTime OccurredAt,
    decimal Count,
    decimal Amount,
    ItemLimits Limits,
    string? RefundOf = null)
{
    public DateOnly Day => DateOnly.FromDateTime(OccurredAt);

    public bool IsBed => ChargeItemType == Supervision.BedChargeItemType;
}

/// <summary>An admission of the person (R07): at which hospital, admitted when, discharged when (null: still open).</summary>
public sealed record Admission(string MdtrtId, string FixmedinsCode, DateOnly Admitted, DateOnly? Discharged);

/// <summary>A filing of the person (R08) and the day it was made.</summary>
public sealed record FilingRecord(string TrtDclaDetlSn, DateOnly Filed);

/// <summary>A settled bill (R09): its main diagnosis (ICD-10), its day and its total (medfee_sumamt).</summary>
public sealed record SettledBill(string SetlId, string DiseCodg, DateOnly Day, decimal Amount);

/// <summary>
/// A rule broken, with the evidence a reviewer acts on: the fee lines (feedetl_sn), the day, the figure found and the
/// limit it broke, other visits or filings it concerns, and a message in the clerk's words.
/// </summary>
public sealed record Violation(
    SupervisionRule Rule,
    RuleSeverity Severity,
    string Message,
    IReadOnlyList<string> Lines,
    DateOnly? Day = null,
    decimal? Found = null,
    decimal? Limit = null,
    IReadOnlyList<string>? Related = null)
{
    public string Code => Rule.Code();

    public string Name => Rule.ChineseName();
}

/// <summary>
/// The rules of docs/SUPERVISION.md as pure functions: each takes its rule's version in force (enabled, severity,
/// parameters) and the data it needs, and returns what it finds (nothing when the rule is disabled).
/// </summary>
public static class Supervision
{
    /// <summary>med_chrgitm_type 01: 床位费.</summary>
    public const string BedChargeItemType = "01";

    /// <summary>
    /// The rules that need only the visit and its lines: R01–R06 and R10, over the lines net of refunds.
    /// <paramref name="asOf"/> is the day an open admission is counted to (the settlement's or preview's day).
    /// </summary>
    public static IReadOnlyList<Violation> CheckVisit(SupervisedVisit visit, IEnumerable<SupervisedLine> lines, RuleSet rules, DateOnly asOf)
    {
        var net = Net(lines);
        return
        [
            .. SexLimit(rules[SupervisionRule.R01], visit.Patient, net),
            .. AgeLimit(rules[SupervisionRule.R02], visit.Patient, net),
            .. DailyLimit(rules[SupervisionRule.R03], net),
            .. DuplicateCharges(rules[SupervisionRule.R04], net),
            .. ExclusiveItems(rules[SupervisionRule.R05], net),
            .. BedDaysBeyondStay(rules[SupervisionRule.R06], visit, net, asOf),
            .. BedOnlyDays(rules[SupervisionRule.R10], visit, net),
        ];
    }

    /// <summary>The lines that stand: each original line less its refunds; a line refunded in full is left out.</summary>
    public static IReadOnlyList<SupervisedLine> Net(IEnumerable<SupervisedLine> lines)
    {
        var all = lines.ToList();
        var refunds = all.Where(l => l.RefundOf is not null).GroupBy(l => l.RefundOf!)
            .ToDictionary(g => g.Key, g => (Count: g.Sum(l => l.Count), Amount: g.Sum(l => l.Amount)));
        return all.Where(l => l.RefundOf is null)
            .Select(l => refunds.TryGetValue(l.FeedetlSn, out var r) ? l with { Count = l.Count + r.Count, Amount = l.Amount + r.Amount } : l)
            .Where(l => l.Count > 0)
            .ToList();
    }

    /// <summary>R01 限性别: an item the catalogue limits to one sex (lmt_gend) charged for a person of the other.</summary>
    public static IEnumerable<Violation> SexLimit(RuleVersion rule, Patient patient, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled || patient.Sex is not { } sex) yield break;
        foreach (var line in lines)
            if (line.Limits.Sex is { } only && only != sex)
                yield return Found(rule, $"{Refs([line])}：{line.ItemName} 限{only.ChineseName()}使用，患者为{sex.ChineseName()}", [line], line.Day);
    }

    /// <summary>R02 限年龄: an item charged for a person younger than lmt_age_min or older than lmt_age_max on the fee's day.</summary>
    public static IEnumerable<Violation> AgeLimit(RuleVersion rule, Patient patient, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled) yield break;
        foreach (var line in lines)
        {
            var (min, max) = (line.Limits.MinAge, line.Limits.MaxAge);
            var age = patient.AgeOn(line.Day);
            var broken = age < min ? min : age > max ? max : null;
            if (broken is { } limit)
                yield return Found(rule, $"{Refs([line])}：{line.ItemName} 限{AgeRange(min, max)}使用，患者收费当日（{Text(line.Day)}）{age}岁",
                    [line], line.Day, age, limit);
        }
    }

    /// <summary>R03 单日限量: the units of one item on one calendar day add up to more than lmt_daily_cnt.</summary>
    public static IEnumerable<Violation> DailyLimit(RuleVersion rule, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled) yield break;
        foreach (var day in lines.Where(l => l.Limits.DailyCount is not null).GroupBy(l => (l.ItemCode, l.Day)).OrderBy(g => g.Key.Day))
        {
            var limit = day.First().Limits.DailyCount!.Value;
            var total = day.Sum(l => l.Count);
            if (total > limit)
                yield return Found(rule, $"{Refs(day)}：{day.First().ItemName} {Text(day.Key.Day)} 数量合计 {Number(total)}，超过单日限量 {Number(limit)}",
                    day, day.Key.Day, total, limit);
        }
    }

    /// <summary>R04 重复收费: two or more lines of a visit with the same item, the same fee_ocur_time and the same amount.</summary>
    public static IEnumerable<Violation> DuplicateCharges(RuleVersion rule, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled) yield break;
        foreach (var same in lines.GroupBy(l => (l.ItemCode, l.OccurredAt, l.Amount)).Where(g => g.Count() > 1).OrderBy(g => g.Key.OccurredAt))
            yield return Found(rule,
                $"{Refs(same)}：{same.First().ItemName} 同一时间（{same.Key.OccurredAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}）"
                + $"同一金额（{same.Key.Amount:0.00} 元）收费 {same.Count()} 次，疑似重复收费",
                same, DateOnly.FromDateTime(same.Key.OccurredAt), same.Count(), 1m);
    }

    /// <summary>R05 互斥项目: two different items of the same exclusion group (excl_group) charged on the same day.</summary>
    public static IEnumerable<Violation> ExclusiveItems(RuleVersion rule, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled) yield break;
        foreach (var day in lines.Where(l => l.Limits.ExclusionGroup is not null).GroupBy(l => (Group: l.Limits.ExclusionGroup!, l.Day)).OrderBy(g => g.Key.Day))
        {
            var names = day.Select(l => l.ItemCode).Distinct().Select(code => day.First(l => l.ItemCode == code).ItemName).ToList();
            if (names.Count > 1)
                yield return Found(rule, $"{Refs(day)}：{string.Join(" 与 ", names)} 同属互斥组“{day.Key.Group}”，不得于同日（{Text(day.Key.Day)}）同时收费",
                    day, day.Key.Day, names.Count, 1m);
        }
    }

    /// <summary>
    /// R06 超住院天数: an admission's bed-day units (med_chrgitm_type 01) beyond its stay, (discharge − admission) + 1 days;
    /// an open admission is counted to <paramref name="asOf"/>.
    /// </summary>
    public static IEnumerable<Violation> BedDaysBeyondStay(RuleVersion rule, SupervisedVisit visit, IEnumerable<SupervisedLine> lines, DateOnly asOf)
    {
        if (!rule.Enabled || visit.Category != CareCategory.Inpatient) yield break;
        var beds = lines.Where(l => l.IsBed).OrderBy(l => l.OccurredAt).ToList();
        var units = beds.Sum(l => l.Count);
        var end = visit.End ?? asOf;
        var stay = end.DayNumber - visit.Begin.DayNumber + 1;
        if (units > stay)
            yield return Found(rule,
                $"{Refs(beds)}：床位费共 {Number(units)} 日，超过住院天数 {stay} 日（入院 {Text(visit.Begin)}，"
                + (visit.End is null ? $"至 {Text(asOf)} 未出院）" : $"出院 {Text(end)}）"),
                beds, end, units, stay);
    }

    /// <summary>R10 挂床住院: an admission with K or more days on which every line charged is a bed item.</summary>
    public static IEnumerable<Violation> BedOnlyDays(RuleVersion rule, SupervisedVisit visit, IEnumerable<SupervisedLine> lines)
    {
        if (!rule.Enabled || visit.Category != CareCategory.Inpatient) yield break;
        var k = (int)rule.Param(SupervisionRules.BedOnlyDays);
        var days = lines.GroupBy(l => l.Day).Where(d => d.All(l => l.IsBed)).OrderBy(d => d.Key).ToList();
        if (days.Count >= k)
            yield return Found(rule,
                $"{Refs(days.SelectMany(d => d))}：住院期间 {days.Count} 日仅收取床位费（{string.Join("、", days.Select(d => Text(d.Key)))}），"
                + $"达到 {k} 日，疑似挂床住院",
                days.SelectMany(d => d), days[^1].Key, days.Count, k);
    }

    /// <summary>
    /// R07 分解住院: <paramref name="admission"/> begins N days or fewer after the person's latest earlier discharge at the
    /// same hospital (<paramref name="earlier"/>: the person's other admissions; cancelled ones left out by the caller).
    /// </summary>
    public static IEnumerable<Violation> Readmission(RuleVersion rule, Admission admission, IEnumerable<Admission> earlier)
    {
        if (!rule.Enabled) yield break;
        var n = (int)rule.Param(SupervisionRules.ReadmissionDays);
        var previous = earlier
            .Where(a => a.MdtrtId != admission.MdtrtId && a.FixmedinsCode == admission.FixmedinsCode && a.Discharged <= admission.Admitted)
            .MaxBy(a => a.Discharged);
        if (previous?.Discharged is not { } discharged) yield break;
        var gap = admission.Admitted.DayNumber - discharged.DayNumber;
        if (gap <= n)
            yield return new Violation(rule.Rule, rule.Severity,
                $"入院 {Text(admission.Admitted)} 距同院上次出院 {Text(discharged)}（就诊 {previous.MdtrtId}）{gap} 日，在 {n} 日内，疑似分解住院",
                [], admission.Admitted, gap, n, [previous.MdtrtId]);
    }

    /// <summary>
    /// R08 频繁备案: M or more of the person's filings (<paramref name="filings"/>, revoked ones left out by the caller) in
    /// the D days ending on <paramref name="day"/>.
    /// </summary>
    public static IEnumerable<Violation> FrequentFilings(RuleVersion rule, IEnumerable<FilingRecord> filings, DateOnly day)
    {
        if (!rule.Enabled) yield break;
        var (m, d) = ((int)rule.Param(SupervisionRules.FilingCount), (int)rule.Param(SupervisionRules.FilingDays));
        var from = day.AddDays(1 - d);
        var within = filings.Where(f => f.Filed >= from && f.Filed <= day).OrderBy(f => f.Filed).ThenBy(f => f.TrtDclaDetlSn, StringComparer.Ordinal).ToList();
        if (within.Count >= m)
            yield return new Violation(rule.Rule, rule.Severity,
                $"{Text(from)} 至 {Text(day)} 的 {d} 日内备案 {within.Count} 次，达到 {m} 次，疑似频繁备案（备案 {string.Join("、", within.Select(f => f.TrtDclaDetlSn))}）",
                [], day, within.Count, m, within.Select(f => f.TrtDclaDetlSn).ToList());
    }

    /// <summary>
    /// R09 异常高额: <paramref name="bill"/> is above k × the median of the bills in <paramref name="history"/> with the same
    /// main diagnosis (ICD-10, first 3 characters) in the lookback days ending on its day, when there are at least S of them.
    /// </summary>
    public static IEnumerable<Violation> UnusuallyHighBill(RuleVersion rule, SettledBill bill, IEnumerable<SettledBill> history)
    {
        if (!rule.Enabled) yield break;
        var (s, days) = ((int)rule.Param(SupervisionRules.BillMinCases), (int)rule.Param(SupervisionRules.BillLookbackDays));
        var group = DiagnosisGroup(bill.DiseCodg);
        var from = bill.Day.AddDays(1 - days);
        var peers = history
            .Where(h => h.SetlId != bill.SetlId && h.Day >= from && h.Day <= bill.Day && DiagnosisGroup(h.DiseCodg) == group)
            .Select(h => h.Amount).Order().ToList();
        if (group.Length < 3 || peers.Count < s) yield break;
        if (HighBill(rule, bill, group, peers.Count, Median(peers)) is { } found) yield return found;
    }

    /// <summary>R09's verdict on <paramref name="bill"/> given its <paramref name="peers"/> bills' median (shared by the batch in SupervisionBatch).</summary>
    internal static Violation? HighBill(RuleVersion rule, SettledBill bill, string group, int peers, decimal peersMedian)
    {
        var (k, days) = (rule.Param(SupervisionRules.BillMultiple), (int)rule.Param(SupervisionRules.BillLookbackDays));
        var median = Money.Fen(peersMedian);
        var threshold = Money.Fen(Money.Round(k * median));
        return bill.Amount > threshold
            ? new Violation(rule.Rule, rule.Severity,
                $"本次结算医疗费用 {bill.Amount:0.00} 元，超过同主诊断（{group}）近 {days} 日 {peers} 例结算中位数 {median:0.00} 元的 {Number(k)} 倍"
                + $"（{threshold:0.00} 元），请核实",
                [], bill.Day, bill.Amount, threshold)
            : null;
    }

    /// <summary>The ICD-10 category a diagnosis belongs to: its first 3 characters (J18.9 → J18).</summary>
    public static string DiagnosisGroup(string diseCodg)
    {
        var code = diseCodg.Trim().ToUpperInvariant();
        return code.Length >= 3 ? code[..3] : code;
    }

    /// <summary>The middle value of <paramref name="sorted"/> (ascending, not empty), or the mean of the middle two.</summary>
    public static decimal Median(IReadOnlyList<decimal> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : Money.Round((sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2m);

    private static Violation Found(RuleVersion rule, string message, IEnumerable<SupervisedLine> lines, DateOnly day, decimal? found = null, decimal? limit = null) =>
        new(rule.Rule, rule.Severity, message, lines.Select(l => l.FeedetlSn).ToList(), day, found, limit);

    /// <summary>"明细 3" or "明细 3、7" (the first ten, then how many in all).</summary>
    private static string Refs(IEnumerable<SupervisedLine> lines)
    {
        var sns = lines.Select(l => l.FeedetlSn).ToList();
        return sns.Count <= 10 ? $"明细 {string.Join("、", sns)}" : $"明细 {string.Join("、", sns.Take(10))} 等 {sns.Count} 条";
    }

    private static string AgeRange(int? min, int? max) => (min, max) switch
    {
        ({ } a, { } b) => $"{a}–{b}岁",
        ({ } a, null) => $"{a}岁及以上",
        (null, { } b) => $"{b}岁及以下",
        _ => "",
    };

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
