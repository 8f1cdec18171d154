using System.Globalization;

namespace MedSettle.Engine;

/// <summary>The fund-supervision rules (医保基金智能监管, issue 22; docs/SUPERVISION.md), R01 to R10.</summary>
public enum SupervisionRule
{
    /// <summary>限性别: an item limited to one sex used for the other.</summary>
    R01 = 1,

    /// <summary>限年龄: an item outside its age range.</summary>
    R02,

    /// <summary>单日限量: more units of an item in one day than allowed.</summary>
    R03,

    /// <summary>重复收费: the same item, time and amount twice in a visit.</summary>
    R04,

    /// <summary>互斥项目: two items of the same exclusion group on the same day.</summary>
    R05,

    /// <summary>超住院天数: bed-days charged beyond the stay.</summary>
    R06,

    /// <summary>分解住院: re-admission at the same hospital within N days of a discharge.</summary>
    R07,

    /// <summary>频繁备案: M or more filings in D days.</summary>
    R08,

    /// <summary>异常高额: a bill above k × the median of bills with the same main diagnosis.</summary>
    R09,

    /// <summary>挂床住院: an admission with K or more days charging nothing but the bed.</summary>
    R10,
}

/// <summary><c>warn</c>: settle and flag for review; <c>block</c>: refuse unless the hospital approved the line.</summary>
public enum RuleSeverity { Warn, Block }

/// <summary>
/// A parameter of a rule as rules.json sets it: its default, its range (inclusive), and whether it is a whole number.
/// </summary>
public sealed record RuleParam(string Name, decimal Default, decimal Min, decimal Max, bool WholeNumber, string Meaning)
{
    public bool Fits(decimal value) =>
        value >= Min && value <= Max && (!WholeNumber || decimal.Truncate(value) == value) && decimal.Round(value, 2) == value;

    /// <summary>What a value must be, said as the import's messages say it: "a whole number from 1 to 365".</summary>
    public string Expected
    {
        get
        {
            var range = $"{Min.ToString(CultureInfo.InvariantCulture)} to {Max.ToString(CultureInfo.InvariantCulture)}";
            return WholeNumber ? $"a whole number from {range}" : $"a number from {range} with at most 2 decimals";
        }
    }
}

public static class SupervisionRules
{
    public static readonly IReadOnlyList<SupervisionRule> All = Enum.GetValues<SupervisionRule>();

    public const string ReadmissionDays = "within_days";
    public const string FilingCount = "filings";
    public const string FilingDays = "within_days";
    public const string BillMultiple = "multiple";
    public const string BillMinCases = "min_cases";
    public const string BillLookbackDays = "lookback_days";
    public const string BedOnlyDays = "bed_only_days";

    public static string Code(this SupervisionRule rule) => $"R{(int)rule:00}";

    public static bool TryParse(string? code, out SupervisionRule rule)
    {
        rule = All.FirstOrDefault(r => r.Code() == code);
        return rule != 0;
    }

    public static string ChineseName(this SupervisionRule rule) => rule switch
    {
        SupervisionRule.R01 => "限性别",
        SupervisionRule.R02 => "限年龄",
        SupervisionRule.R03 => "单日限量",
        SupervisionRule.R04 => "重复收费",
        SupervisionRule.R05 => "互斥项目",
        SupervisionRule.R06 => "超住院天数",
        SupervisionRule.R07 => "分解住院",
        SupervisionRule.R08 => "频繁备案",
        SupervisionRule.R09 => "异常高额",
        _ => "挂床住院",
    };

    /// <summary>
    /// R01–R06 are deterministic (a catalogue limit or the fee lines themselves prove them): block. R07–R10 are
    /// patterns over history or statistics that a reviewer must judge: warn.
    /// </summary>
    public static RuleSeverity DefaultSeverity(this SupervisionRule rule) => rule <= SupervisionRule.R06 ? RuleSeverity.Block : RuleSeverity.Warn;

    public static string Code(this RuleSeverity severity) => severity == RuleSeverity.Block ? "block" : "warn";

    public static bool TryParseSeverity(string? code, out RuleSeverity severity)
    {
        (var known, severity) = code switch
        {
            "warn" => (true, RuleSeverity.Warn),
            "block" => (true, RuleSeverity.Block),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>The parameters rules.json may set for <paramref name="rule"/> (none for R01–R06: their limits are the catalogue's).</summary>
    public static IReadOnlyList<RuleParam> Params(this SupervisionRule rule) => rule switch
    {
        SupervisionRule.R07 => [new(ReadmissionDays, 15m, 1m, 365m, true, "N: days after a discharge within which a re-admission is flagged")],
        SupervisionRule.R08 =>
        [
            new(FilingCount, 3m, 2m, 1000m, true, "M: filings that are too many"),
            new(FilingDays, 30m, 1m, 3650m, true, "D: the days they fall in"),
        ],
        SupervisionRule.R09 =>
        [
            new(BillMultiple, 3m, 1m, 100m, false, "k: how many times the median a bill may reach"),
            new(BillMinCases, 20m, 1m, 1_000_000m, true, "S: bills of the diagnosis needed before the median is trusted"),
            new(BillLookbackDays, 365m, 1m, 3650m, true, "the days of bills the median is taken over"),
        ],
        SupervisionRule.R10 => [new(BedOnlyDays, 3m, 1m, 365m, true, "K: days charging only the bed that are too many")],
        _ => [],
    };

}

/// <summary>
/// One version of one rule's configuration (a rules.json row): in force from <see cref="EffectiveFrom"/> until a later
/// version of the same rule. <see cref="Params"/> holds every parameter of the rule (the import fills in defaults).
/// </summary>
public sealed record RuleVersion(SupervisionRule Rule, DateOnly EffectiveFrom, bool Enabled, RuleSeverity Severity, IReadOnlyDictionary<string, decimal> Params)
{
    /// <summary>
    /// What applies where no version is in force (a province that has not configured the rule): the rule enabled with its
    /// default parameters, but at <c>warn</c> whatever its default severity: it flags for review and never refuses a
    /// settlement that settled before supervision existed. Only a rules.json row can make a rule block.
    /// </summary>
    public static RuleVersion Default(SupervisionRule rule) =>
        new(rule, DateOnly.MinValue, true, RuleSeverity.Warn, rule.Params().ToDictionary(p => p.Name, p => p.Default));

    /// <summary>Whether <paramref name="other"/> says the same: rule, effective_from, enabled, severity and every parameter's value.</summary>
    public bool SaysTheSame(RuleVersion other) =>
        Rule == other.Rule && EffectiveFrom == other.EffectiveFrom && Enabled == other.Enabled && Severity == other.Severity
        && Params.Count == other.Params.Count && Params.All(p => other.Params.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>The parameter's value in this version, or the rule's default where the version does not set it.</summary>
    public decimal Param(string name) =>
        Params.TryGetValue(name, out var value) ? value
        : Rule.Params().FirstOrDefault(p => p.Name == name)?.Default ?? throw new ArgumentException($"{Rule.Code()} has no parameter {name}", nameof(name));
}

/// <summary>The version of every rule in force on one day.</summary>
public sealed class RuleSet
{
    private readonly Dictionary<SupervisionRule, RuleVersion> _versions;

    private RuleSet(Dictionary<SupervisionRule, RuleVersion> versions) => _versions = versions;

    public static readonly RuleSet Defaults = InForce([], DateOnly.MinValue);

    /// <summary>
    /// For each rule, the version with the latest effective_from on or before <paramref name="day"/> (as
    /// <see cref="PolicySelection.InForce"/> chooses policies); the rule's defaults where it has none.
    /// </summary>
    public static RuleSet InForce(IEnumerable<RuleVersion> versions, DateOnly day)
    {
        var inForce = versions.Where(v => v.EffectiveFrom <= day).GroupBy(v => v.Rule).ToDictionary(g => g.Key, g => g.MaxBy(v => v.EffectiveFrom)!);
        foreach (var rule in SupervisionRules.All) inForce.TryAdd(rule, RuleVersion.Default(rule));
        return new RuleSet(inForce);
    }

    public RuleVersion this[SupervisionRule rule] => _versions[rule];
}
