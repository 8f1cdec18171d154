using System.Globalization;
using MedSettle.Storage;

namespace MedSettle.Load;

/// <summary>A bill's graded totals in fen, as its fee lines sum them: medfee = fulamt_ownpay + overlmt + preselfpay + inscp.</summary>
public readonly record struct HistoryBill(long MedfeeFen, long FulamtOwnpayFen, long OverlmtFen, long PreselfpayFen, long InscpFen);

/// <summary>A filing (备案) of one person for one hospital, covering the whole year.</summary>
public sealed record HistoryFiling(string TrtDclaDetlSn, int Person, int Hospital, string Diagnosis, string DiagnosisName);

/// <summary>
/// One visit of the history: who, where, when, and its bills (one; or two for an admission settled mid-stay and then at
/// discharge). <see cref="StandingDeductibleFen"/> and <see cref="Standing"/> are the settling's state of the visit.
/// </summary>
public sealed class HistoryVisit
{
    public required string MdtrtId { get; init; }
    public required int Person { get; init; }
    public required int Hospital { get; init; }
    public required HistoryFiling Filing { get; init; }
    public required bool Inpatient { get; init; }
    public required DateTime Begin { get; init; }

    /// <summary>Discharge (2402) of an admission; null for an outpatient visit.</summary>
    public DateTime? End { get; init; }

    public required HistoryBill[] Bills { get; init; }

    /// <summary>The bill number its fee lines stand in at the end: 2 where the first settlement was reversed and the bill settled again.</summary>
    public int LinesBillNo(int bill) => Reversed && bill == 0 ? 2 : bill + 1;

    /// <summary>Its first settlement was reversed (and the bill settled again afterwards).</summary>
    public bool Reversed { get; init; }

    /// <summary>The deductible met by the visit's standing settlements so far (what Settle reads as the visit's).</summary>
    public long StandingDeductibleFen { get; set; }

    /// <summary>The settlement a later step of this visit reverses, once written.</summary>
    public SettlementRow? Standing { get; set; }
}

public enum HistoryStepKind { Settle, MidStay, Reverse }

/// <summary>
/// One row of settlements to be: a settlement of the visit's bill <see cref="BillNo"/> (mid-stay or final), or the
/// reversal of its first. Ids are drawn when the plan is made, so that a settlement knows the id of its reversal to come.
/// <see cref="Drawn"/> is the order it was drawn in, which orders steps of the same minute; <see cref="Msgid"/> is the
/// hospital's message that made it (2207/2304, 2208/2305), given once the steps are in time order.
/// </summary>
public readonly record struct HistoryStep(DateTime Time, int Drawn, HistoryVisit Visit, HistoryStepKind Kind, int BillNo, string SetlId, string? ReversedBy)
{
    public string Msgid { get; init; } = "";

    /// <summary>The bill this step settles (a re-settlement after a reversal settles the first bill's lines again).</summary>
    public HistoryBill Bill => Visit.Bills[Visit.Reversed ? 0 : BillNo - 1];

    public string Infno => (Kind, Visit.Inpatient) switch
    {
        (HistoryStepKind.Reverse, false) => "2208",
        (HistoryStepKind.Reverse, true) => "2305",
        (_, false) => "2207",
        _ => "2304",
    };
}

/// <summary>
/// Draws a year (2026) of visits and their settlement steps over the imported people and hospitals, deterministically for
/// a seed. People see hospitals in other regions open for cross-region care (one or two each, with a filing apiece);
/// some people are seen far more often than others, and one in sixteen is gravely ill (bills several times larger), so
/// that per-year deductibles, the basic fund's cap and the supplementary funds' bands are all reached. About 30 % of
/// visits are emergency outpatient (med_type 13), the rest emergency admissions (24); one admission in ten of a week or
/// more is settled mid-stay and then at discharge; a share of single-bill visits is reversed some minutes after settling
/// and settled again.
/// </summary>
public sealed class HistoryPlan
{
    private const int Year = 2026;

    /// <summary>The id node of ids made here: the platform's servers lease nodes from 0 up, copies of bench/MedSettle.Load use 990–999.</summary>
    private const string Node = "997";

    private static readonly (string Code, string Name)[] Diagnoses =
    [
        ("J18.9", "肺炎"), ("R07.4", "胸痛"), ("A09.9", "急性胃肠炎"), ("N23", "肾绞痛"), ("S06.0", "脑震荡"),
        ("T62.9", "食物中毒"), ("J44.1", "慢性阻塞性肺病急性加重"), ("I50.9", "心力衰竭"), ("I63.9", "脑梗死"), ("C34.9", "肺恶性肿瘤"),
    ];

    private readonly HistoryWorld _world;
    private readonly Random _random;
    private readonly double _reversedShare;
    private readonly double[] _cumulativeWeight;
    private readonly double[] _severity;
    private readonly int[]?[] _hospitalsOf;
    private readonly Dictionary<(int Person, int Hospital), HistoryFiling> _filings = [];
    private long _number;

    public List<HistoryVisit> Visits { get; } = [];
    public List<HistoryStep> Steps { get; } = [];
    public IEnumerable<HistoryFiling> Filings => _filings.Values;

    private HistoryPlan(HistoryWorld world, double reversedShare, Random random)
    {
        _world = world;
        _random = random;
        _reversedShare = reversedShare;
        var persons = world.Persons.Count;
        _cumulativeWeight = new double[persons];
        _severity = new double[persons];
        _hospitalsOf = new int[]?[persons];
        var total = 0.0;
        for (var i = 0; i < persons; i++)
        {
            var gravelyIll = random.Next(16) == 0;
            _severity[i] = gravelyIll ? LogNormal(4.0, 0.6) : 1.0;
            total += LogNormal(1.0, 1.0) * (gravelyIll ? 2.0 : 1.0);
            _cumulativeWeight[i] = total;
        }
    }

    /// <summary>Visits enough for exactly <paramref name="rows"/> settlement rows (reversals included), their steps in time order.</summary>
    public static HistoryPlan Draw(HistoryWorld world, long rows, double reversedShare, Random random)
    {
        var plan = new HistoryPlan(world, reversedShare, random);
        long planned = 0;
        while (planned < rows) planned += plan.AddVisit(rows - planned);
        plan.Steps.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Drawn.CompareTo(b.Drawn));
        // msgid as hospitals make it (docs/INTERFACE.md): hospital code, time, a 4-digit sequence of the hospital's
        var sent = new int[world.Hospitals.Count];
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            var hospital = step.Visit.Hospital;
            plan.Steps[i] = step with
            {
                Msgid = string.Create(CultureInfo.InvariantCulture, $"{world.Hospitals[hospital].FixmedinsCode}{step.Time:yyyyMMddHHmmss}{sent[hospital]++ % 10_000:D4}"),
            };
        }
        return plan;
    }

    /// <summary>One visit and its steps, at most <paramref name="room"/> of them; returns how many.</summary>
    private int AddVisit(long room)
    {
        var person = PickPerson();
        var hospital = PickHospital(person);
        var filing = FilingOf(person, hospital);
        var inpatient = _random.Next(100) >= 30;
        // begun by 10 December, so that the longest stay (20 days) and its settlement end within the year
        var begin = new DateTime(Year, 1, 1, 0, 0, 0).AddMinutes(_random.Next(343 * 24 * 60));
        var hospitalAdmdvs = _world.Hospitals[hospital].Admdvs;
        var mdtrtId = Id(inpatient ? 'Z' : 'M', hospitalAdmdvs, begin);

        if (!inpatient)
        {
            var bill = DrawBill(LogNormal(600, 0.8));
            var reversed = room >= 3 && _random.NextDouble() < _reversedShare;
            var visit = new HistoryVisit
            {
                MdtrtId = mdtrtId, Person = person, Hospital = hospital, Filing = filing, Inpatient = false, Begin = begin, Bills = [bill],
                Reversed = reversed,
            };
            return AddSettlements(visit, begin.AddMinutes(20 + _random.Next(220)));
        }

        var days = Math.Min(20, 1 + (int)LogNormal(4, 0.7));
        var discharge = begin.AddDays(days).AddMinutes(_random.Next(-180, 180));
        var total = LogNormal(9000, 0.9) * _severity[person] * (0.6 + days / 10.0);
        if (days >= 7 && room >= 2 && _random.Next(10) == 0)
        {
            var firstShare = 0.4 + _random.NextDouble() * 0.2;
            var stay = new HistoryVisit
            {
                MdtrtId = mdtrtId, Person = person, Hospital = hospital, Filing = filing, Inpatient = true, Begin = begin, End = discharge,
                Bills = [DrawBill(total * firstShare), DrawBill(total * (1 - firstShare))],
            };
            Visits.Add(stay);
            var midStay = begin.AddDays(days / 2).AddMinutes(_random.Next(600));
            Steps.Add(new HistoryStep(midStay, Steps.Count, stay, HistoryStepKind.MidStay, 1, Id('S', _world.Persons[person].InsuplcAdmdvs, midStay), null));
            var final = discharge.AddMinutes(10 + _random.Next(110));
            Steps.Add(new HistoryStep(final, Steps.Count, stay, HistoryStepKind.Settle, 2, Id('S', _world.Persons[person].InsuplcAdmdvs, final), null));
            return 2;
        }
        var admission = new HistoryVisit
        {
            MdtrtId = mdtrtId, Person = person, Hospital = hospital, Filing = filing, Inpatient = true, Begin = begin, End = discharge,
            Bills = [DrawBill(total)], Reversed = room >= 3 && _random.NextDouble() < _reversedShare,
        };
        return AddSettlements(admission, discharge.AddMinutes(10 + _random.Next(110)));
    }

    /// <summary>
    /// A visit's settlement of its one bill at <paramref name="settled"/>; where the visit is to be reversed, the reversal
    /// 10 minutes to 2 hours later and the bill's settlement again 5 minutes to an hour after that (bill 2).
    /// </summary>
    private int AddSettlements(HistoryVisit visit, DateTime settled)
    {
        Visits.Add(visit);
        var region = _world.Persons[visit.Person].InsuplcAdmdvs;
        var setlId = Id('S', region, settled);
        if (!visit.Reversed)
        {
            Steps.Add(new HistoryStep(settled, Steps.Count, visit, HistoryStepKind.Settle, 1, setlId, null));
            return 1;
        }
        var reversedAt = settled.AddMinutes(10 + _random.Next(110));
        var reversalId = Id('R', region, reversedAt);
        var settledAgain = reversedAt.AddMinutes(5 + _random.Next(55));
        Steps.Add(new HistoryStep(settled, Steps.Count, visit, HistoryStepKind.Settle, 1, setlId, reversalId));
        Steps.Add(new HistoryStep(reversedAt, Steps.Count, visit, HistoryStepKind.Reverse, 1, reversalId, null));
        Steps.Add(new HistoryStep(settledAgain, Steps.Count, visit, HistoryStepKind.Settle, 2, Id('S', region, settledAgain), null));
        return 3;
    }

    /// <summary>A graded bill of about <paramref name="yuan"/>: 0–8 % 丙类 (paid in full), over a price ceiling on one bill in five, 2–15 % 乙类 self-paid share, the rest in scope.</summary>
    private HistoryBill DrawBill(double yuan)
    {
        var medfee = Math.Max(1_000L, (long)Math.Round(Math.Min(yuan, 2_000_000) * 100));
        var fulamtOwnpay = (long)(medfee * _random.NextDouble() * 0.08);
        var overlmt = _random.Next(5) == 0 ? (long)(medfee * _random.NextDouble() * 0.03) : 0;
        var preselfpay = (long)(medfee * (0.02 + _random.NextDouble() * 0.13));
        return new HistoryBill(medfee, fulamtOwnpay, overlmt, preselfpay, medfee - fulamtOwnpay - overlmt - preselfpay);
    }

    private int PickPerson()
    {
        var at = _random.NextDouble() * _cumulativeWeight[^1];
        var i = Array.BinarySearch(_cumulativeWeight, at);
        return i >= 0 ? i : Math.Min(~i, _cumulativeWeight.Length - 1);
    }

    /// <summary>One of the person's hospitals (one or two, drawn at their first visit among those open for cross-region care outside their region).</summary>
    private int PickHospital(int person)
    {
        if (_hospitalsOf[person] is not { } theirs)
        {
            var elsewhere = _world.HospitalsOutside(_world.Persons[person].InsuplcAdmdvs);
            var first = elsewhere[_random.Next(elsewhere.Length)];
            var second = elsewhere[_random.Next(elsewhere.Length)];
            _hospitalsOf[person] = theirs = _random.Next(10) < 3 && second != first ? [first, second] : [first];
        }
        return theirs[_random.Next(theirs.Length)];
    }

    private HistoryFiling FilingOf(int person, int hospital)
    {
        if (_filings.TryGetValue((person, hospital), out var filing)) return filing;
        var (code, name) = Diagnoses[_random.Next(Diagnoses.Length)];
        return _filings[(person, hospital)] = new HistoryFiling(Id('B', _world.Hospitals[hospital].Admdvs, FilingTime), person, hospital, code, name);
    }

    /// <summary>When every filing was made: before the year it covers.</summary>
    public static readonly DateTime FilingTime = new(Year - 1, 12, 28, 9, 0, 0);

    /// <summary>The platform's id shape: prefix, region, time (yyMMddHHmmss), node (3), sequence (7).</summary>
    private string Id(char prefix, string admdvs, DateTime time) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}{admdvs}{time:yyMMddHHmmss}{Node}{++_number:D7}");

    /// <summary>A log-normal draw with the given median.</summary>
    private double LogNormal(double median, double sigma)
    {
        // Box–Muller
        var normal = Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
        return median * Math.Exp(sigma * normal);
    }
}
