using System.Buffers;
using System.Globalization;
using MedSettle.Engine;

namespace MedSettle.Tools.Simulation;

// A case: who falls ill, where they are treated, with what, and the bill their stay runs up.
public sealed partial class ProvinceSimulator
{
    /// <summary>A line of the bill; <paramref name="At"/> fixes its fee_ocur_time, <paramref name="SameTimeAs"/> gives it another line's.</summary>
    private sealed record FeeLine(string Sn, string Code, decimal Price, decimal Count, decimal Amount, DateTime? At = null, string? SameTimeAs = null);

    private sealed class Case
    {
        public required Person Person { get; init; }
        public required Hospital Hospital { get; init; }
        public required Diagnosis Diagnosis { get; init; }
        public required Plan Plan { get; init; }
        public required bool Inpatient { get; init; }
        public required string Clerk { get; init; }
        public required string Opter { get; init; }
        public bool CancelLater { get; set; }
        public bool Stopped { get; set; }
        public bool NewFiling { get; set; }
        public bool EverSettled { get; set; }
        public string FilingSn { get; set; } = "";
        public string MdtrtId { get; set; } = "";
        public DateTime AdmittedAt { get; set; }
        public int StayDays { get; set; }
        public List<FeeLine> Lines { get; } = [];
        public List<int> BatchEnds { get; } = [];
        public int BatchesSent { get; set; }
        public decimal Medfee { get; set; }
        public string SetlId { get; set; } = "";
        public bool UseAccount { get; set; }

        /// <summary>The violation planted in this case (none in clean traffic).</summary>
        public SupervisionRule? Anomaly { get; set; }

        /// <summary>A re-admission planted for R07 (the case whose discharge it follows had <see cref="Anomaly"/> R07).</summary>
        public bool Readmission { get; init; }

        /// <summary>For R08: the case whose person files again, and which of the two further filings this is (1 or 2).</summary>
        public Case? FilingAgainFor { get; init; }
        public int FilingAgainStep { get; init; }
        public int NewFilingsAgain { get; set; }

        /// <summary>For R10: every line goes up in one batch, the beds one a day and everything else on the first day.</summary>
        public bool BedOnly { get; set; }
        public DateTime DischargedAt { get; set; }
        public Dictionary<string, DateTime> Times { get; } = new(StringComparer.Ordinal);
    }

    private sealed partial class Run
    {
        private Case NewCase()
        {
            var now = _time.Now;
            Person person = null!;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                person = _world.Persons[_random.Next(_world.Persons.Length)];
                if (ChoicesFor(person.Admdvs).Hospitals.Length == 0) continue;
                if (!_busyUntil.TryGetValue(Key(person), out var busy) || busy <= now) break;
            }
            if (ChoicesFor(person.Admdvs).Hospitals.Length == 0)
                person = _world.Persons.FirstOrDefault(p => ChoicesFor(p.Admdvs).Hospitals.Length > 0)
                    ?? throw new InvalidOperationException("No person could be matched with an open hospital outside their home region.");
            var choices = ChoicesFor(person.Admdvs);
            var hospital = choices.Hospitals[PickCumulative(choices.Cumulative)];

            Plan plan;
            bool inpatient;
            var cancelLater = false;
            if (_random.NextDouble() < SettledShare)
            {
                plan = Plan.Settle;
                inpatient = _random.NextDouble() < InpatientShareOfSettled;
            }
            else
            {
                var roll = _random.NextDouble();
                plan = roll < 0.40 ? Plan.FilingOnly : roll < 0.50 ? Plan.RevokeFiling : roll < 0.78 ? Plan.RegisterAndStop : Plan.AdmitAndStop;
                inpatient = plan == Plan.AdmitAndStop || (plan is Plan.FilingOnly or Plan.RevokeFiling && _random.NextDouble() < 0.5);
                cancelLater = _random.NextDouble() < 0.35;
            }
            var anomaly = plan == Plan.Settle ? PlantFor(person, hospital) : null;
            if (anomaly is SupervisionRule.R06 or SupervisionRule.R07 or SupervisionRule.R10) inpatient = true;
            var diagnosis = PickDiagnosis(inpatient);
            var clerk = _random.Next(Clerks.Length);
            // Clean traffic gives nobody a second case within a month: no re-admission (R07) nor third filing (R08) by chance.
            _busyUntil[Key(person)] = now.AddDays(QuietDays);
            return new Case
            {
                Person = person,
                Hospital = hospital,
                Diagnosis = diagnosis,
                Plan = plan,
                Inpatient = inpatient,
                CancelLater = cancelLater,
                Clerk = Clerks[clerk],
                Opter = "SF" + (clerk + 1).ToString("D3", CultureInfo.InvariantCulture),
                UseAccount = person.Insutype == "310" && _random.NextDouble() < AccountUseShare,
                Anomaly = anomaly,
            };
        }

        /// <summary>Hospitals outside <paramref name="home"/>, weighted toward level 3 and 2 and toward 长春 and 吉林.</summary>
        private Choices ChoicesFor(string home)
        {
            if (_choices.TryGetValue(home, out var found)) return found;
            var hospitals = _world.Hospitals.Where(h => h.Admdvs != home).ToArray();
            var cumulative = new double[hospitals.Length];
            var total = 0.0;
            for (var i = 0; i < hospitals.Length; i++)
            {
                var h = hospitals[i];
                var level = h.Level switch { 3 => 6.0, 2 => 3.0, _ => 0.6 };
                var region = h.Admdvs switch { "220100" => 4.0, "220200" => 2.5, "229900" => 2.0, _ => 1.0 };
                total += level * region;
                cumulative[i] = total;
            }
            return _choices[home] = new Choices(hospitals, cumulative);
        }

        private Diagnosis PickDiagnosis(bool inpatient)
        {
            var total = 0.0;
            foreach (var d in Diagnoses) total += inpatient ? d.InpatientWeight : d.OutpatientWeight;
            var roll = _random.NextDouble() * total;
            foreach (var d in Diagnoses)
            {
                roll -= inpatient ? d.InpatientWeight : d.OutpatientWeight;
                if (roll < 0) return d;
            }
            return Diagnoses[0];
        }

        // -------- bills ----------------------------------------------------------------------------------------------

        /// <summary>
        /// 8-14 lines: bed days, nursing, consultations, exams, labs, treatments, an operation for surgical cases, then
        /// consumables and drugs that carry the rest of a lognormal target bill (which sets the stay too: big bills, long stays).
        /// </summary>
        private void InpatientBill(Case c)
        {
            var z = Normal();
            var target = Math.Clamp(InpatientMedian * Math.Exp(InpatientSigma * z), 3_000, 900_000);
            if (c.Plan == Plan.Settle)
                c.StayDays = Math.Clamp((int)Math.Round(4.5 + 2.0 * z + 1.2 * Normal()), 1, 10);
            else
                target = Math.Min(target, 6_000);
            var days = c.StayDays;
            var lines = _random.Next(8, 15);
            var structural = 0m;

            structural += Add(c, "01", days, words: null);
            structural += Add(c, "07", days, words: null);
            if (lines >= 10) structural += Add(c, "02", days, words: null);
            var exams = _random.NextDouble() < 0.5 ? 2 : 1;
            for (var i = 0; i < exams; i++) structural += Add(c, "03", _random.Next(1, 3), words: null);
            var labs = _random.Next(1, 4);
            for (var i = 0; i < labs; i++) structural += Add(c, "04", _random.Next(1, days + 2), words: null);
            var treatments = _random.Next(1, 3);
            for (var i = 0; i < treatments; i++) structural += Add(c, "05", -days, words: null);
            var surgical = c.Diagnosis.Surgical && _random.NextDouble() < 0.85;
            if (surgical) structural += Add(c, "06", 1, c.Diagnosis.SurgeryWords);

            var fill = Math.Max(2, lines - c.Lines.Count);
            var consumables = surgical ? _random.Next(1, 3) : _random.Next(0, 2);
            consumables = Math.Min(consumables, fill - 1);
            Fill(c, (decimal)target - structural, (decimal)target * 0.2m, fill, consumables, surgical);
        }

        /// <summary>3-8 lines: the consultation, maybe exams, labs and treatments, then drugs carrying the rest of the target bill.</summary>
        private void OutpatientBill(Case c)
        {
            var target = Math.Clamp(OutpatientMedian * Math.Exp(OutpatientSigma * Normal()), 80, 30_000);
            var lines = _random.Next(3, 9);
            var structural = Add(c, "02", 1, words: null);
            var extras = _random.Next(0, Math.Max(1, lines - 2));
            for (var i = 0; i < extras; i++)
            {
                var roll = _random.NextDouble();
                structural += Add(c, roll < 0.35 ? "04" : roll < 0.65 ? "03" : "05", roll < 0.35 ? _random.Next(1, 3) : 1, words: null);
            }
            var fill = Math.Max(1, lines - c.Lines.Count);
            var consumables = fill > 1 && _random.NextDouble() < 0.4 ? 1 : 0;
            Fill(c, (decimal)target - structural, (decimal)target * 0.25m, fill, consumables, surgical: false);
        }

        /// <summary>Consumable and drug lines sharing <paramref name="rest"/> (at least <paramref name="floor"/>).</summary>
        private void Fill(Case c, decimal rest, decimal floor, int count, int consumables, bool surgical)
        {
            rest = Math.Max(rest, floor);
            var weights = new double[count];
            var total = 0.0;
            for (var i = 0; i < count; i++)
            {
                weights[i] = (0.3 + _random.NextDouble()) * (i < consumables ? (surgical ? 1.6 : 0.5) : 1.0);
                total += weights[i];
            }
            var carried = 0m; // what a consumable line could not carry at a sensible count goes to the drugs after it
            for (var i = 0; i < count; i++)
            {
                var share = rest * (decimal)(weights[i] / total) + carried;
                if (i < consumables)
                {
                    carried = share - AddFor(c, "08", share, c.Diagnosis.ConsumableWords, maxCount: 30);
                    continue;
                }
                var roll = _random.NextDouble();
                carried = share - AddFor(c, roll < 0.72 ? "09" : roll < 0.95 ? "11" : "10", share, words: null, maxCount: roll < 0.95 ? 240 : 600);
            }
        }

        /// <summary>A structural line: count given (a negative count means "a treatment over that many days").</summary>
        private decimal Add(Case c, string type, int count, string[]? words)
        {
            var bed = type == "01";
            var item = bed
                ? PickItem(type, words, ClassCShareServices, i => i.Level == 3 || i.ListPrice >= 40m) ?? PickItem(type, words, ClassCShareServices)
                : PickItem(type, words, ClassCShareServices);
            if (item is null) return 0m;
            var price = Price(item);
            if (bed && item.Level != 3) price = Math.Clamp(price, 40m, 120m); // a bed day costs 40-120 yuan
            if (count < 0)
            {
                var days = -count;
                count = price <= 10m ? days * _random.Next(6, 25) : _random.Next(1, days + 1);
            }
            return AddLine(c, item, price, count);
        }

        /// <summary>
        /// A line worth about <paramref name="amount"/>: an item whose price carries it in at most <paramref name="maxCount"/> units
        /// (the dearest of its kind when none does). Returns what the line came to; an item with a ceiling stops at
        /// <paramref name="maxCount"/> units and leaves the rest to the caller.
        /// </summary>
        private decimal AddFor(Case c, string type, decimal amount, string[]? words, int maxCount)
        {
            bool Fits(Item i) => i.ListPrice <= amount && i.ListPrice * maxCount >= amount;
            if (!_world.ItemsByType.ContainsKey(type)) type = _world.ItemsByType.ContainsKey("09") ? "09" : _world.ItemsByType.Keys.Min(StringComparer.Ordinal)!;
            var item = PickItem(type, words, ClassCShareFill, Fits) ?? Dearest(type);
            var price = Price(item);
            var count = Math.Max(1m, Math.Round(amount / price));
            if (count > maxCount && item.Ceiling is not null) count = maxCount;
            return AddLine(c, item, price, count);
        }

        private Item Dearest(string type)
        {
            var pool = _world.ItemsByType[type];
            var dearest = pool[0];
            foreach (var item in pool)
                if (item.ListPrice > dearest.ListPrice) dearest = item;
            return dearest;
        }

        private static decimal AddLine(Case c, Item item, decimal price, decimal count)
        {
            var amount = Math.Round(price * count, 2, MidpointRounding.AwayFromZero);
            var sn = (c.Lines.Count + 1).ToString("D4", CultureInfo.InvariantCulture);
            c.Lines.Add(new FeeLine(sn, item.Code, price, count, amount));
            return amount;
        }

        /// <summary>An item of the type: one named by <paramref name="words"/> mostly, else 甲/乙 by half and 丙 now and then.</summary>
        private Item? PickItem(string type, string[]? words, double classCShare, Func<Item, bool>? fits = null)
        {
            if (!_world.ItemsByType.TryGetValue(type, out var pool) || pool.Length == 0) return null;
            if (fits is not null)
            {
                pool = pool.Where(fits).ToArray();
                if (pool.Length == 0) return null;
            }
            if (words is { Length: > 0 } && _random.NextDouble() < 0.85)
            {
                var matching = pool.Where(i => words.Any(w => i.Name.Contains(w, StringComparison.Ordinal)) && i.Level != 3).ToArray();
                if (matching.Length > 0) return matching[_random.Next(matching.Length)];
            }
            var roll = _random.NextDouble();
            var level = roll < classCShare ? 3 : roll < classCShare + (1 - classCShare) * 0.5 ? 1 : 2;
            var ofLevel = pool.Where(i => i.Level == level).ToArray();
            if (ofLevel.Length > 0) return ofLevel[_random.Next(ofLevel.Length)];
            var covered = level == 3 ? pool : pool.Where(i => i.Level != 3).ToArray();
            return covered.Length > 0 ? covered[_random.Next(covered.Length)] : pool[_random.Next(pool.Length)];
        }

        /// <summary>Near the ceiling where the catalogue sets one (now and then above it); otherwise a plausible price for the kind of item.</summary>
        private decimal Price(Item item)
        {
            if (item.Ceiling is not { } ceiling) return item.ListPrice;
            var factor = _random.NextDouble() < OverCeilingShare ? 1.05 + 0.45 * _random.NextDouble() : 0.75 + 0.25 * _random.NextDouble();
            return RoundPrice(ceiling * (decimal)factor, item.Type);
        }
    }
}
