using System.Text.RegularExpressions;
using MedSettle.Admin;
using MedSettle.Engine;

namespace MedSettle.Tools.Simulation;

/// <summary>
/// One rule's line of a run with planted anomalies: how many violations were planted, how many the platform found (filed in
/// its supervision queue, at settlement or by the audit the run ends with, or refused at 2207/2304 naming the rule), and
/// how many of those were planted.
/// </summary>
public sealed record AnomalyFigures(SupervisionRule Rule, int Planted, int Found, int TruePositives)
{
    /// <summary>Of what was found, the share planted; null when nothing was found.</summary>
    public double? Precision => Found == 0 ? null : (double)TruePositives / Found;

    /// <summary>Of what was planted, the share found; null when nothing was planted.</summary>
    public double? Recall => Planted == 0 ? null : (double)TruePositives / Planted;
}

// Planted violations (docs/SUPERVISION.md "Planted anomalies"): what the run planted stays in its own memory, never in the
// platform's tables; at the end the platform's findings are compared with it.
public sealed partial class ProvinceSimulator
{
    /// <summary>Days clean traffic leaves between two cases of one person (longer than R07's and R08's windows by default).</summary>
    private const int QuietDays = 31;

    private sealed partial class Run
    {
        private readonly HashSet<(SupervisionRule Rule, string Subject)> _planted = [];
        private readonly HashSet<(SupervisionRule Rule, string Subject)> _refusedFor = [];
        private readonly HashSet<string> _runSubjects = new(StringComparer.Ordinal);
        private string? _lastRefusal;

        /// <summary>The rule to plant in a new settled case (or none): each that this person and catalogue allow, equally often.</summary>
        private SupervisionRule? PlantFor(Person person, Hospital hospital)
        {
            if (_options.Anomalies is not > 0 || _random.NextDouble() >= _options.Anomalies) return null;
            var candidates = SupervisionRules.All.Where(rule => rule switch
            {
                SupervisionRule.R01 => SexItems(person).Length > 0,
                SupervisionRule.R02 => AgeItems(person).Length > 0,
                SupervisionRule.R03 => DailyItems().Length > 0,
                SupervisionRule.R05 => ExclusiveGroup() is not null,
                SupervisionRule.R08 => ChoicesFor(person.Admdvs).Hospitals.Count(h => h != hospital) >= 2,
                _ => true,
            }).ToList();
            return candidates[_random.Next(candidates.Count)];
        }

        private static bool Only(ItemLimits l, bool sex = false, bool age = false, bool daily = false, bool group = false) =>
            (l.Sex is not null) == sex && (l.MinAge is not null || l.MaxAge is not null) == age && (l.DailyCount is not null) == daily
            && (l.ExclusionGroup is not null) == group;

        private Item[] SexItems(Person person) => person.Patient.Sex is { } sex
            ? _world.Limited.Where(i => Only(i.Limits, sex: true) && i.Limits.Sex != sex).ToArray()
            : [];

        /// <summary>Items whose age range the person is a year or more outside of today (so the stay's days cannot matter).</summary>
        private Item[] AgeItems(Person person)
        {
            var today = DateOnly.FromDateTime(_time.Now);
            var (young, old) = (person.Patient.AgeOn(today.AddYears(1)), person.Patient.AgeOn(today.AddYears(-1)));
            return _world.Limited.Where(i => Only(i.Limits, age: true) && (young < i.Limits.MinAge || old > i.Limits.MaxAge)).ToArray();
        }

        private Item[] DailyItems() => _world.Limited.Where(i => Only(i.Limits, daily: true)).ToArray();

        /// <summary>An exclusion group of two or more items that are not beds (a second bed would also charge a bed-day too many).</summary>
        private Item[]? ExclusiveGroup() => _world.Limited.Where(i => Only(i.Limits, group: true) && i.Type != Supervision.BedChargeItemType)
            .GroupBy(i => i.Limits.ExclusionGroup!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToArray()).FirstOrDefault(g => g.Length >= 2);

        /// <summary>Adds the planted lines to a case's bill once it is made (R01–R06, R09, R10; R07 and R08 are other visits and filings).</summary>
        private void PlantLines(Case c)
        {
            switch (c.Anomaly)
            {
                case SupervisionRule.R01:
                    Charge(c, Pick(SexItems(c.Person)), 1);
                    break;
                case SupervisionRule.R02:
                    Charge(c, Pick(AgeItems(c.Person)), 1);
                    break;
                case SupervisionRule.R03:
                    var daily = Pick(DailyItems());
                    Charge(c, daily, decimal.Floor(daily.Limits.DailyCount!.Value) + 1);
                    break;
                case SupervisionRule.R04:
                    var last = c.Lines[^1];
                    c.Lines.Add(last with { Sn = NextSn(c), SameTimeAs = last.Sn });
                    break;
                case SupervisionRule.R05:
                    var group = ExclusiveGroup()!;
                    var first = Charge(c, group[0], 1);
                    Charge(c, group[1], 1, sameTimeAs: first.Sn);
                    break;
                case SupervisionRule.R06:
                    if (c.Lines.FirstOrDefault(IsBed) is { } bed) c.Lines.Add(new FeeLine(NextSn(c), bed.Code, bed.Price, 2, bed.Price * 2));
                    break;
                case SupervisionRule.R09:
                    var total = c.Lines.Sum(l => l.Amount);
                    var extra = Math.Max(9m * total, 6m * (decimal)InpatientMedian - total);
                    for (var i = 0; i < 8 && extra > 100m; i++) extra -= AddFor(c, "09", extra, words: null, maxCount: 600);
                    break;
                case SupervisionRule.R10:
                    BedOnlyStay(c);
                    break;
            }
        }

        private bool IsBed(FeeLine line) => _world.ItemsByType.TryGetValue(Supervision.BedChargeItemType, out var beds) && beds.Any(b => b.Code == line.Code);

        /// <summary>R10: a stay of four days or more whose beds are charged one a day and everything else on the first day.</summary>
        private void BedOnlyStay(Case c)
        {
            c.BedOnly = true;
            var bed = c.Lines.FirstOrDefault(IsBed);
            if (bed is null) return;
            c.StayDays = Math.Max(c.StayDays, 4);
            var day = c.AdmittedAt.Date;
            var firstDayLeft = (int)Math.Min(7200, (day.AddDays(1) - c.AdmittedAt).TotalSeconds - 120);
            for (var i = 0; i < c.Lines.Count; i++)
                if (!IsBed(c.Lines[i])) c.Lines[i] = c.Lines[i] with { At = c.AdmittedAt.AddSeconds(_random.Next(0, Math.Max(1, firstDayLeft))) };
            c.Lines.RemoveAll(IsBed);
            for (var d = 0; d < c.StayDays; d++)
                c.Lines.Add(new FeeLine(NextSn(c), bed.Code, bed.Price, 1, bed.Price,
                    At: d == 0 ? c.AdmittedAt.AddSeconds(Math.Max(1, firstDayLeft)) : day.AddDays(d).AddHours(21)));
            for (var i = 0; i < c.Lines.Count; i++) c.Lines[i] = c.Lines[i] with { Sn = (i + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture) };
        }

        private Item Pick(Item[] items) => items[_random.Next(items.Length)];

        private static string NextSn(Case c) => (c.Lines.Count + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

        private static FeeLine Charge(Case c, Item item, decimal count, string? sameTimeAs = null)
        {
            AddLine(c, item, item.ListPrice, count);
            if (sameTimeAs is not null) c.Lines[^1] = c.Lines[^1] with { SameTimeAs = sameTimeAs };
            return c.Lines[^1];
        }

        /// <summary>R08: the person files twice more within days, at two other hospitals.</summary>
        private void PlanFilingsAgain(Case c)
        {
            var others = ChoicesFor(c.Person.Admdvs).Hospitals.Where(h => h != c.Hospital).ToArray();
            var first = others[_random.Next(others.Length)];
            var second = others.Where(h => h != first).ToArray()[_random.Next(others.Length - 1)];
            var at = _time.Now;
            foreach (var (hospital, step) in new[] { (first, 1), (second, 2) })
            {
                at = BusinessHours(DateOnly.FromDateTime(at).AddDays(_random.Next(1, 4)));
                Schedule(AgainCase(c, hospital, Plan.FilingOnly, c.Inpatient, step), Step.Arrive, at);
            }
        }

        private static Case AgainCase(Case c, Hospital hospital, Plan plan, bool inpatient, int step = 0, bool readmission = false) => new()
        {
            Person = c.Person, Hospital = hospital, Diagnosis = c.Diagnosis, Plan = plan, Inpatient = inpatient, Clerk = c.Clerk, Opter = c.Opter,
            UseAccount = c.UseAccount, FilingAgainFor = step > 0 ? c : null, FilingAgainStep = step, Readmission = readmission,
        };

        /// <summary>A further filing of R08's person: the plant is the second one's, when it and the two before were all new.</summary>
        private void FiledAgain(Case c)
        {
            if (c.FilingAgainFor is not { } origin) return;
            if (c.NewFiling) origin.NewFilingsAgain++;
            if (c.FilingAgainStep == 2 && origin.NewFiling && origin.NewFilingsAgain == 2) Planted(SupervisionRule.R08, c.FilingSn);
        }

        /// <summary>A case settled for the first time: its planted lines count, and R07's re-admission is booked a few days after discharge.</summary>
        private void Settled(Case c)
        {
            if (c.Anomaly is { } rule and not (SupervisionRule.R07 or SupervisionRule.R08)) Planted(rule, c.MdtrtId);
            if (c.Anomaly == SupervisionRule.R07)
                Schedule(AgainCase(c, c.Hospital, Plan.Settle, inpatient: true, readmission: true), Step.Arrive,
                    BusinessHours(DateOnly.FromDateTime(c.DischargedAt).AddDays(_random.Next(2, 9))));
        }

        /// <summary>2207/2304 refused: a block violation names its rule (R01…) in err_msg, which is a finding of the platform's.</summary>
        private void RefusedAtSettlement(Case c)
        {
            foreach (Match code in Regex.Matches(_lastRefusal ?? "", @"\bR(0[1-9]|10)\b"))
                if (SupervisionRules.TryParse(code.Value, out var rule))
                {
                    _refusedFor.Add((rule, c.MdtrtId));
                    if (c.Anomaly == rule) Planted(rule, c.MdtrtId);
                }
        }

        private void Planted(SupervisionRule rule, string subject) => _planted.Add((rule, subject));

        /// <summary>
        /// Audits the run's period, then compares what the platform filed about this run's visits and filings (and refused at
        /// settlement) with what was planted: a finding's subject is its case's visit (R08: its filing).
        /// </summary>
        private async Task<IReadOnlyList<AnomalyFigures>> AnomalyFiguresAsync()
        {
            await SupervisionAudit.RunAsync(_database, _options.From, _options.To, _time.Now, cancel: _cancel);
            var filed = await _database.ReadAsync(unit => unit.QueryAsync<(string Code, string? MdtrtId, string? FilingSn)>(
                "SELECT v.rule_code, c.mdtrt_id, c.trt_dcla_detl_sn FROM supervision_violations v JOIN supervision_cases c ON c.case_id = v.case_id"), _cancel);
            var found = new HashSet<(SupervisionRule Rule, string Subject)>(_refusedFor);
            foreach (var (code, mdtrtId, filingSn) in filed)
                if (SupervisionRules.TryParse(code, out var rule) && (rule == SupervisionRule.R08 ? filingSn : mdtrtId) is { } subject && _runSubjects.Contains(subject))
                    found.Add((rule, subject));
            return SupervisionRules.All.Select(rule => new AnomalyFigures(rule, _planted.Count(p => p.Rule == rule), found.Count(f => f.Rule == rule),
                found.Count(f => f.Rule == rule && _planted.Contains(f)))).ToList();
        }
    }
}
