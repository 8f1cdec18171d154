using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MedSettle.Engine.Tests;

/// <summary>What the supervision rules must do for any visit, not only the planted cases.</summary>
public class SupervisionProperties
{
    private static readonly DateOnly Admitted = new(2026, 4, 1);

    private static RuleVersion Rule(SupervisionRule rule) => RuleVersion.Default(rule);

    /// <summary>A line of one of three items, on one of five days at one of four hours, 1–6 units, 0–2 of them bed items.</summary>
    private static readonly Gen<SupervisedLine> Line =
        from item in Gen.Choose(0, 2)
        from day in Gen.Choose(0, 4)
        from hour in Gen.Choose(8, 11)
        from count in Gen.Choose(1, 6)
        from price in Gen.Elements(10m, 40m)
        select new SupervisedLine("", $"I{item}", $"项目{item}", item == 0 ? "01" : "05",
            Admitted.AddDays(day).ToDateTime(new TimeOnly(hour, 0)), count, price * count, new ItemLimits(DailyCount: 8m));

    private static readonly Gen<SupervisedLine[]> Lines =
        Gen.ArrayOf(Line).Where(l => l.Length <= 20).Select(l => l.Select((line, i) => line with { FeedetlSn = $"{i + 1}" }).ToArray());

    [Property(MaxTest = 1000)]
    public Property R03_fires_exactly_for_each_item_and_day_whose_units_exceed_the_limit() =>
        Prop.ForAll(Lines.ToArbitrary(), lines =>
        {
            var over = lines.GroupBy(l => (l.ItemCode, l.Day)).Where(g => g.Sum(l => l.Count) > 8m).Select(g => g.Key).ToHashSet();
            var found = Supervision.DailyLimit(Rule(SupervisionRule.R03), lines).ToList();
            return found.Count == over.Count
                && found.All(v => v.Found > v.Limit && v.Lines.Select(sn => lines[int.Parse(sn, System.Globalization.CultureInfo.InvariantCulture) - 1])
                    .Select(l => (l.ItemCode, l.Day)).Distinct().Count() == 1);
        });

    [Property(MaxTest = 1000)]
    public Property R03_never_fires_when_every_days_count_is_within_the_limit() =>
        Prop.ForAll(Lines.Select(l => l.Where((line, i) => l.Take(i + 1).Where(o => o.ItemCode == line.ItemCode && o.Day == line.Day).Sum(o => o.Count) <= 8m).ToArray())
                .ToArbitrary(),
            lines => !Supervision.DailyLimit(Rule(SupervisionRule.R03), lines).Any());

    [Property(MaxTest = 1000)]
    public Property R04_fires_once_per_item_time_and_amount_charged_more_than_once_and_never_without_one() =>
        Prop.ForAll(Lines.ToArbitrary(), lines =>
        {
            var repeated = lines.GroupBy(l => (l.ItemCode, l.OccurredAt, l.Amount)).Count(g => g.Count() > 1);
            var distinct = lines.DistinctBy(l => (l.ItemCode, l.OccurredAt, l.Amount)).ToList();
            return Supervision.DuplicateCharges(Rule(SupervisionRule.R04), lines).Count() == repeated
                && !Supervision.DuplicateCharges(Rule(SupervisionRule.R04), distinct).Any();
        });

    [Property(MaxTest = 1000)]
    public Property R06_fires_exactly_when_the_bed_units_exceed_the_days_of_the_stay() =>
        Prop.ForAll((from lines in Lines from stay in Gen.Choose(0, 10) select (lines, stay)).ToArbitrary(), t =>
        {
            var visit = new SupervisedVisit("M1", CareCategory.Inpatient, Admitted, Admitted.AddDays(t.stay), new Patient(Sex.Male, new DateOnly(1975, 3, 12)));
            var units = t.lines.Where(l => l.ChargeItemType == "01").Sum(l => l.Count);
            return Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), visit, t.lines, Admitted).Any() == units > t.stay + 1;
        });

    private static readonly Gen<(List<SettledBill> Peers, decimal Amount, decimal More)> Bills =
        from count in Gen.Choose(0, 40)
        from amounts in Gen.ArrayOf(Gen.Choose(100, 500_000).Select(c => c / 100m), count)
        from amount in Gen.Choose(0, 5_000_000).Select(c => c / 100m)
        from more in Gen.Choose(0, 100_000).Select(c => c / 100m)
        select (amounts.Select((a, i) => new SettledBill($"S{i}", "I21.0", Admitted.AddDays(-i), a)).ToList(), amount, more);

    [Property(MaxTest = 1000)]
    public Property R09_never_fires_below_the_minimum_of_cases_and_a_larger_bill_fires_whenever_a_smaller_one_does() =>
        Prop.ForAll(Bills.ToArbitrary(), t =>
        {
            bool Fires(decimal amount) => Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), new SettledBill("X", "I21.9", Admitted, amount), t.Peers).Any();
            return (t.Peers.Count >= 20 || !Fires(t.Amount)) && (!Fires(t.Amount) || Fires(t.Amount + t.More));
        });

    [Property(MaxTest = 500)]
    public Property The_version_in_force_is_the_latest_that_began_on_or_before_the_day() =>
        Prop.ForAll((from starts in Gen.ArrayOf(Gen.Choose(0, 400)) from day in Gen.Choose(0, 400) select (starts, day)).ToArbitrary(), t =>
        {
            var versions = t.starts.Distinct().Select(s => new RuleVersion(SupervisionRule.R10, Admitted.AddDays(s), true, RuleSeverity.Warn,
                new Dictionary<string, decimal> { ["bed_only_days"] = s + 1 })).ToList();
            var chosen = RuleSet.InForce(versions, Admitted.AddDays(t.day))[SupervisionRule.R10];
            var latest = t.starts.Where(s => s <= t.day).DefaultIfEmpty(-1).Max();
            return latest < 0
                ? chosen.EffectiveFrom == DateOnly.MinValue && chosen.Param("bed_only_days") == 3m
                : chosen.EffectiveFrom == Admitted.AddDays(latest) && chosen.Param("bed_only_days") == latest + 1;
        });
}
