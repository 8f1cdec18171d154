using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MedSettle.Storage;

namespace MedSettle.Tools.Simulation;

// One run: the simulated clock, the queue of steps, the tallies of the report, and time and chance.
public sealed partial class ProvinceSimulator
{
    /// <summary>The simulated time source of the platform's clock; it only moves forward.</summary>
    private sealed class SimulatedTime(DateTime chinaStart) : TimeProvider
    {
        private DateTimeOffset _utc = new DateTimeOffset(chinaStart, ChinaOffset).ToUniversalTime();

        public override DateTimeOffset GetUtcNow() => _utc;

        /// <summary>China Standard Time.</summary>
        public DateTime Now => _utc.ToOffset(ChinaOffset).DateTime;

        public void MoveTo(DateTime china)
        {
            var target = new DateTimeOffset(china, ChinaOffset).ToUniversalTime();
            if (target > _utc) _utc = target;
        }

        public void Advance(TimeSpan by)
        {
            if (by > TimeSpan.Zero) _utc += by;
        }
    }

    private enum Plan { Settle, FilingOnly, RevokeFiling, RegisterAndStop, AdmitAndStop }

    private enum Step { Arrive, Admit, Upload, Discharge, Settle, Reverse, Resettle, Revoke, CancelVisit }

    private sealed partial class Run
    {
        private readonly Database _database;
        private readonly World _world;
        private readonly SimulationOptions _options;
        private readonly CancellationToken _cancel;
        private readonly Random _random;
        private readonly SimulatedTime _time;
        private readonly PlatformClock _clock;
        private readonly PriorityQueue<(Case? Case, Step Step), (long Ticks, long Order)> _queue = new();
        private readonly Dictionary<string, Choices> _choices = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (DateTime Time, int Sequence)> _msgids;
        private readonly Dictionary<string, (DateOnly Day, string SignNo)> _signIns = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTime> _busyUntil = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (decimal Medfee, decimal FundPay, decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf)> _standing =
            new(StringComparer.Ordinal);
        private readonly HashSet<string> _filingsSeen = new(StringComparer.Ordinal);
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);
        private readonly Utf8JsonWriter _writer;
        private long _order;
        private int _filings, _settledFilings, _reversals, _resettlements, _refused;

        public Run(Database database, World world, SimulationOptions options, CancellationToken cancel)
        {
            _database = database;
            _world = world;
            _options = options;
            _cancel = cancel;
            _random = new Random(options.Seed);
            _time = new SimulatedTime(options.From.ToDateTime(TimeOnly.MinValue));
            _clock = new PlatformClock(_time);
            _msgids = new Dictionary<string, (DateTime, int)>(world.LastMsgids, StringComparer.Ordinal);
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }

        public async Task<SimulationReport> ExecuteAsync(IProgress<(int Day, int Days)>? progress)
        {
            var days = _options.To.DayNumber - _options.From.DayNumber + 1;
            for (var d = 0; d < days; d++)
            {
                var day = _options.From.AddDays(d);
                var midnight = day.ToDateTime(TimeOnly.MinValue);
                var arrivals = Poisson(_options.FilingsPerDay);
                var times = new long[arrivals];
                for (var i = 0; i < arrivals; i++) times[i] = ArrivalTime(midnight).Ticks;
                Array.Sort(times);
                foreach (var ticks in times) Schedule(null, Step.Arrive, new DateTime(ticks));

                var last = d == days - 1;
                var end = midnight.AddDays(1).Ticks;
                while (_queue.TryPeek(out _, out var when) && ((last && _options.FinishOpenCases) || when.Ticks < end))
                {
                    _cancel.ThrowIfCancellationRequested();
                    var (c, step) = _queue.Dequeue();
                    _time.MoveTo(new DateTime(when.Ticks));
                    if (c is { Stopped: true }) continue;
                    await RunStepAsync(c, step);
                }
                progress?.Report((d + 1, days));
            }

            var standing = _standing.Values;
            return new SimulationReport(_filings, _standing.Count, _reversals, _resettlements, _filings - _settledFilings, _refused,
                standing.Sum(s => s.Medfee), standing.Sum(s => s.FundPay),
                standing.Sum(s => s.Hifp), standing.Sum(s => s.Hifob), standing.Sum(s => s.Hifmi), standing.Sum(s => s.Maf),
                _options.Anomalies is null ? null : await AnomalyFiguresAsync());
        }

        private void Schedule(Case? c, Step step, DateTime when) => _queue.Enqueue((c, step), (when.Ticks, _order++));

        /// <summary>The HIS clerk's pace: the clock moves on between calls.</summary>
        private void Pause(int minSeconds, int maxSeconds) => _time.Advance(TimeSpan.FromSeconds(_random.Next(minSeconds, maxSeconds + 1)));

        private DateTime ArrivalTime(DateTime midnight)
        {
            var total = 0.0;
            foreach (var w in ArrivalsByHour) total += w;
            var roll = _random.NextDouble() * total;
            var hour = 0;
            for (; hour < 23; hour++)
            {
                roll -= ArrivalsByHour[hour];
                if (roll < 0) break;
            }
            return midnight.AddHours(hour).AddSeconds(_random.Next(0, 3600));
        }

        /// <summary>When a settlement is found wrong: the same day, within the week, or weeks later (often in the next month).</summary>
        private DateTime ReversalTime()
        {
            var roll = _random.NextDouble();
            if (roll < 0.35) return _time.Now.AddMinutes(_random.Next(20, 240));
            var days = roll < 0.65 ? _random.Next(1, 7) : _random.Next(7, 29);
            return BusinessHours(DateOnly.FromDateTime(_time.Now).AddDays(days));
        }

        private DateTime BusinessHours(DateOnly day) => day.ToDateTime(new TimeOnly(8, 30)).AddMinutes(_random.Next(0, 480));

        private int Poisson(double mean)
        {
            if (mean <= 0) return 0;
            if (mean > 30) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal()));
            var limit = Math.Exp(-mean);
            var product = _random.NextDouble();
            var count = 0;
            while (product > limit)
            {
                count++;
                product *= _random.NextDouble();
            }
            return count;
        }

        private double Normal()
        {
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        private int PickCumulative(double[] cumulative)
        {
            var roll = _random.NextDouble() * cumulative[^1];
            var index = Array.BinarySearch(cumulative, roll);
            return Math.Min(index < 0 ? ~index : index + 1, cumulative.Length - 1);
        }

        private string Phone() => "1" + "35789"[_random.Next(5)] + _random.Next(0, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);

        private string Doctor() => Clerks[_random.Next(Clerks.Length)][..1] + "医生";

        private static string Key(Person p) => p.PsnNo + "/" + p.Insutype;
    }
}
