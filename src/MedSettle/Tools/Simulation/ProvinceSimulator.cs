using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dapper;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Tools.Simulation;

/// <summary>
/// What to simulate: emergency filings on every day from <paramref name="From"/> to <paramref name="To"/> (both included), about
/// <paramref name="FilingsPerDay"/> a day. The clock stops at the end of <paramref name="To"/>, leaving the cases still
/// under way as they are (patients still admitted, reversals not yet made), so that nothing is dated after it; with
/// <paramref name="FinishOpenCases"/> the run goes on until every case it started has ended.
/// </summary>
/// <param name="Spare">People the simulation leaves alone (the demo keeps its walkthrough people's year untouched).</param>
public sealed record SimulationOptions(DateOnly From, DateOnly To, int FilingsPerDay, int Seed = 2026, bool FinishOpenCases = false,
    IReadOnlySet<string>? Spare = null);

/// <summary>
/// What a run did. <paramref name="Filings"/>: new emergency filings (2551 answers that created one).
/// <paramref name="Settlements"/>: settlements that stand at the end of the run (not reversed), the platform's 结算人次;
/// <paramref name="MedfeeSumamt"/> and <paramref name="FundPaySumamt"/> are summed over exactly those.
/// <paramref name="Reversals"/>: settlements reversed (2208/2305); <paramref name="Resettlements"/>: visits settled again
/// after their reversal. <paramref name="NeverSettled"/>: new filings whose visit was never settled (abandoned, revoked,
/// or stopped by a refusal). <paramref name="Refused"/>: calls answered with infcode -1 (each ends its case).
/// </summary>
public sealed record SimulationReport(int Filings, int Settlements, int Reversals, int Resettlements, int NeverSettled, int Refused,
    decimal MedfeeSumamt, decimal FundPaySumamt, decimal HifpPay = 0m, decimal HifobPay = 0m, decimal HifmiPay = 0m, decimal MafPay = 0m);

/// <summary>
/// Drives realistic cross-region emergency traffic through the real transaction API
/// (<see cref="TransactionApi.CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, Transactions.Groups.SettlementGroups?)"/>,
/// the code path behind HTTP) on a simulated clock, so that a database gets months of history: hospitals' HIS sign in,
/// look the patient up, file the emergency, register or admit, upload fee lines, discharge, pre-settle, settle, and now
/// and then reverse and settle again or retry a settlement with the same msgid. The traffic is shaped after the launch
/// figures of DESIGN.md: about 64 % of filings settled, 80 % of settlements emergency admissions, an average settled bill
/// near 35,800 yuan with the funds paying about 55 %. Deterministic for a given seed and database contents.
/// </summary>
public sealed class ProvinceSimulator(Database database)
{
    public async Task<SimulationReport> RunAsync(SimulationOptions options, IProgress<(int Day, int Days)>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.To < options.From)
            throw new ArgumentException($"The simulation ends ({options.To:yyyy-MM-dd}) before it starts ({options.From:yyyy-MM-dd}).", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.FilingsPerDay);
        var world = await World.LoadAsync(database, options.Spare ?? new HashSet<string>(), cancel);
        var run = new Run(database, world, options, cancel);
        return await run.ExecuteAsync(progress);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tuning: the shape of the traffic. Ratios are per case; money in yuan.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Share of filings that go on to a settlement (the rest are abandoned); reversals not settled again take ~1 % more.</summary>
    private const double SettledShare = 0.65;
    private const double InpatientShareOfSettled = 0.80;
    private const double ReversalShare = 0.03;
    private const double ResettleShareOfReversals = 2.0 / 3.0;
    private const double RetryShare = 0.01;
    private const double PreSettleShare = 0.8;
    private const double AccountUseShare = 0.9;

    /// <summary>Median of an admission's target bill; lognormal with <see cref="InpatientSigma"/> gives the long tail.</summary>
    private const double InpatientMedian = 31_300;
    private const double InpatientSigma = 0.85;
    private const double OutpatientMedian = 650;
    private const double OutpatientSigma = 0.9;

    /// <summary>How often a priced item is charged above its catalogue ceiling, and how often a 丙类 item is chosen.</summary>
    private const double OverCeilingShare = 0.12;
    private const double ClassCShareServices = 0.05;
    private const double ClassCShareFill = 0.13;

    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>Relative emergency arrivals by hour of day (quiet before dawn, busiest late morning and evening).</summary>
    private static readonly double[] ArrivalsByHour =
        [2, 1.5, 1.2, 1, 1, 1.2, 2, 3, 4.5, 5, 5, 4.5, 4, 4, 4, 4, 4.2, 4.5, 5, 5, 4.5, 4, 3, 2.5];

    private static readonly string[] Clerks = ["王丽", "李静", "张敏", "刘洋", "陈晨", "杨帆", "赵雪", "孙悦"];

    private sealed record Diagnosis(string Code, string Name, double InpatientWeight, double OutpatientWeight, bool Surgical, string Dept,
        string[] SurgeryWords, string[] ConsumableWords);

    private static readonly Diagnosis[] Diagnoses =
    [
        new("I21.0", "急性前壁心肌梗死", 10, 1, true, "心血管内科", ["冠状动脉"], ["支架", "球囊", "导管"]),
        new("I63.9", "脑梗死", 10, 1, false, "神经内科", [], ["留置针"]),
        new("I61.9", "脑出血", 4, 0, true, "神经外科", ["开颅"], ["引流"]),
        new("I50.9", "心力衰竭", 5, 1, false, "心血管内科", [], ["电极"]),
        new("J18.9", "肺炎", 7, 5, false, "呼吸内科", [], ["吸氧", "雾化"]),
        new("J44.1", "慢性阻塞性肺病急性加重", 6, 3, false, "呼吸内科", [], ["呼吸", "吸氧"]),
        new("S06.0", "脑震荡", 3, 5, false, "神经外科", [], ["颈托"]),
        new("K35.8", "急性阑尾炎", 6, 1, true, "普通外科", ["阑尾", "麻醉"], ["缝线", "引流"]),
        new("S72.0", "股骨颈骨折", 6, 1, true, "骨科", ["骨折", "麻醉"], ["夹板", "石膏", "绷带"]),
        new("K92.2", "消化道出血", 5, 2, false, "消化内科", [], ["胃管", "输血"]),
        new("T14.9", "多发伤", 5, 2, true, "急诊外科", ["清创", "剖腹", "胸腔"], ["缝线", "引流", "中心静脉"]),
        new("R07.4", "胸痛", 2, 8, false, "急诊科", [], ["电极"]),
        new("A09.9", "急性胃肠炎", 1, 6, false, "急诊科", [], ["输液器"]),
        new("N23", "肾绞痛", 1, 4, false, "泌尿外科", [], ["输液器"]),
        new("T62.9", "食物中毒", 1, 3, false, "急诊科", [], ["胃管"]),
        new("E11.1", "2型糖尿病伴酮症酸中毒", 3, 1, false, "内分泌科", [], ["采血"]),
    ];

    // ---------------------------------------------------------------------------------------------------------------
    // Reference data
    // ---------------------------------------------------------------------------------------------------------------

    private sealed class HospitalData
    {
        public string FixmedinsCode { get; set; } = "";
        public string FixmedinsName { get; set; } = "";
        public string Admdvs { get; set; } = "";
        public long HospLv { get; set; }
    }

    private sealed class PersonData
    {
        public string PsnNo { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string Insutype { get; set; } = "";
    }

    private sealed class ItemData
    {
        public string MedListCodg { get; set; } = "";
        public string MedListName { get; set; } = "";
        public string ListType { get; set; } = "";
        public string MedChrgitmType { get; set; } = "";
        public long ChrgitmLv { get; set; }
        public string? PricUplmtAmt { get; set; }
    }

    private sealed class MsgidData
    {
        public string FixmedinsCode { get; set; } = "";
        public string? Msgid { get; set; }
    }

    private sealed record Hospital(int Index, string Code, string Name, string Admdvs, int Level, string Mac, string Ip);

    private sealed record Person(string PsnNo, string Admdvs, string Insutype);

    /// <summary>A catalogue item; <paramref name="ListPrice"/> is its ceiling, or else a stable price of its own (the catalogue carries none).</summary>
    private sealed record Item(string Code, string Name, string Type, int Level, decimal? Ceiling, decimal ListPrice);

    /// <summary>The hospitals a person of one home region may be treated at (any other region), with cumulative weights.</summary>
    private sealed record Choices(Hospital[] Hospitals, double[] Cumulative);

    private sealed class World
    {
        public required Hospital[] Hospitals { get; init; }
        public required Person[] Persons { get; init; }
        public required Dictionary<string, Item[]> ItemsByType { get; init; }
        public required Dictionary<string, (DateTime Time, int Sequence)> LastMsgids { get; init; }

        public static async Task<World> LoadAsync(Database database, IReadOnlySet<string> spare, CancellationToken cancel)
        {
            await using var c = await database.OpenConnectionAsync(cancel);
            var hospitals = (await c.QueryAsync<HospitalData>(new CommandDefinition(
                "SELECT fixmedins_code, fixmedins_name, admdvs, hosp_lv FROM hospitals WHERE cross_region_enabled = 1 ORDER BY fixmedins_code",
                cancellationToken: cancel))).ToList();
            var persons = (await c.QueryAsync<PersonData>(new CommandDefinition(
                "SELECT psn_no, insuplc_admdvs, insutype FROM persons WHERE psn_insu_stas = '1' ORDER BY insuplc_admdvs, psn_no, insutype",
                cancellationToken: cancel))).Where(p => !spare.Contains(p.PsnNo)).ToList();
            var items = (await c.QueryAsync<ItemData>(new CommandDefinition(
                "SELECT med_list_codg, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, pric_uplmt_amt FROM catalogue ORDER BY med_list_codg",
                cancellationToken: cancel))).ToList();
            // The last msgid each hospital used in the national shape (code + 14-digit time + 4-digit sequence), so that a run never repeats one.
            var marks = (await c.QueryAsync<MsgidData>(new CommandDefinition(
                """
                SELECT fixmedins_code, MAX(msgid) AS msgid FROM messages
                WHERE LENGTH(msgid) = LENGTH(fixmedins_code) + 18 AND SUBSTR(msgid, 1, LENGTH(fixmedins_code)) = fixmedins_code
                GROUP BY fixmedins_code ORDER BY fixmedins_code
                """, cancellationToken: cancel))).ToList();

            if (hospitals.Count == 0) throw new InvalidOperationException("No hospital is open for cross-region settlement: import a reference-data bundle first.");
            if (persons.Count == 0) throw new InvalidOperationException("No insured person with an active scheme: import a reference-data bundle first.");
            if (items.Count == 0) throw new InvalidOperationException("The catalogue is empty: import a reference-data bundle first.");
            if (hospitals.Select(h => h.Admdvs).Distinct().Count() < 2 && persons.All(p => p.InsuplcAdmdvs == hospitals[0].Admdvs))
                throw new InvalidOperationException("Every open hospital lies in the home region of every person: there is no cross-region care to simulate.");

            var lastMsgids = new Dictionary<string, (DateTime, int)>(StringComparer.Ordinal);
            foreach (var mark in marks)
            {
                var tail = mark.Msgid?[mark.FixmedinsCode.Length..] ?? "";
                if (DateTime.TryParseExact(tail[..Math.Min(14, tail.Length)], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                    && tail.Length == 18 && int.TryParse(tail.AsSpan(14), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                    lastMsgids[mark.FixmedinsCode] = (time, sequence);
            }

            return new World
            {
                Hospitals = hospitals.Select((h, i) => new Hospital(i, h.FixmedinsCode, h.FixmedinsName, h.Admdvs, (int)Math.Clamp(h.HospLv, 1, 3),
                    $"00-16-3E-{i / 256 % 256:X2}-{i % 256:X2}-{h.Admdvs.Length:X2}", $"10.{22}.{i / 250 % 250 + 1}.{i % 250 + 1}")).ToArray(),
                Persons = persons.Select(p => new Person(p.PsnNo, p.InsuplcAdmdvs, p.Insutype)).ToArray(),
                ItemsByType = items
                    .Select(i =>
                    {
                        var level = (int)Math.Clamp(i.ChrgitmLv, 1, 3);
                        decimal? ceiling = decimal.TryParse(i.PricUplmtAmt, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : null;
                        return new Item(i.MedListCodg, i.MedListName, i.MedChrgitmType, level, ceiling, ceiling ?? ListPrice(i.MedListCodg, i.MedChrgitmType, level));
                    })
                    .GroupBy(i => i.Type, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
                LastMsgids = lastMsgids,
            };
        }
    }

    /// <summary>
    /// The price of an item without a ceiling: the same for every case (a drug costs what it costs), spread log-uniformly
    /// over a range typical of its charge-item type by a hash of its code, so it depends on nothing but the catalogue.
    /// </summary>
    private static decimal ListPrice(string code, string type, int level)
    {
        var hash = 14695981039346656037UL;
        foreach (var ch in code) hash = (hash ^ ch) * 1099511628211UL;
        var u = (hash >> 11) / (double)(1UL << 53);
        var (low, high) = type switch
        {
            "01" => level == 3 ? (150.0, 400.0) : (40.0, 120.0),
            "02" => level == 3 ? (50.0, 300.0) : (10.0, 50.0),
            "03" => (60.0, 800.0),
            "04" => (5.0, 150.0),
            "05" => (3.0, 300.0),
            "06" => (300.0, 6000.0),
            "07" => (10.0, 100.0),
            "08" => (2.0, 2000.0),
            "09" => (1.0, 1500.0),
            "10" => (0.5, 30.0),
            "11" => (5.0, 300.0),
            _ => (5.0, 300.0),
        };
        return RoundPrice((decimal)Math.Exp(Math.Log(low) + (Math.Log(high) - Math.Log(low)) * u), type);
    }

    /// <summary>Services are priced in whole yuan (or 0.1 below 10 yuan), goods to the fen.</summary>
    private static decimal RoundPrice(decimal price, string type)
    {
        var service = type is "01" or "02" or "03" or "04" or "05" or "06" or "07";
        var places = !service ? 2 : price >= 10m ? 0 : 1;
        return Math.Max(0.01m, Math.Round(price, places, MidpointRounding.AwayFromZero));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // One run
    // ---------------------------------------------------------------------------------------------------------------

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

    private sealed record FeeLine(string Sn, string Code, decimal Price, decimal Count, decimal Amount);

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
    }

    private sealed class Run
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
                standing.Sum(s => s.Hifp), standing.Sum(s => s.Hifob), standing.Sum(s => s.Hifmi), standing.Sum(s => s.Maf));
        }

        // -------- steps ------------------------------------------------------------------------------------------

        private Task RunStepAsync(Case? c, Step step) => step switch
        {
            Step.Arrive => ArriveAsync(),
            Step.Admit => AdmitAsync(c!),
            Step.Upload => UploadAsync(c!),
            Step.Discharge => DischargeAsync(c!),
            Step.Settle => SettleAsync(c!, again: false),
            Step.Reverse => ReverseAsync(c!),
            Step.Resettle => ResettleAsync(c!),
            Step.Revoke => RevokeAsync(c!),
            Step.CancelVisit => CancelVisitAsync(c!),
            _ => Task.CompletedTask,
        };

        /// <summary>A patient arrives at the emergency department: look up, file, then register (or later admit).</summary>
        private async Task ArriveAsync()
        {
            var c = NewCase();
            if (!await SignInAsync(c)) return;

            // the card in front of the clerk: 1101 by identity number, as a hospital meeting the person for the first time must
            var certno = await CertnoOfAsync(c.Person);
            using (var found = await CallAsync(c, "1101", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", certno);
                       w.WriteEndObject();
                   }))
                if (found is null) return;

            var today = DateOnly.FromDateTime(_time.Now);
            using (var filed = await CallAsync(c, "2551", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begndate", today.ToText());
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteString("main_cond_dscr", $"急诊就诊：{c.Diagnosis.Name}");
                       w.WriteString("tel", Phone());
                       w.WriteEndObject();
                   }))
            {
                if (filed is null) return;
                c.FilingSn = Text(filed.RootElement.GetProperty("output"), "trt_dcla_detl_sn");
                var warned = filed.RootElement.TryGetProperty("warn_msg", out var warn) && warn.ValueKind == JsonValueKind.String;
                if (!warned && _filingsSeen.Add(c.FilingSn))
                {
                    c.NewFiling = true;
                    _filings++;
                }
            }

            switch (c.Plan)
            {
                case Plan.FilingOnly:
                    return;
                case Plan.RevokeFiling:
                    if (c.NewFiling) Schedule(c, Step.Revoke, _time.Now.AddMinutes(_random.Next(10, 120)));
                    return;
            }

            if (c.Inpatient)
            {
                // Seen in the emergency department first; admitted after examination.
                Schedule(c, Step.Admit, _time.Now.AddMinutes(_random.Next(20, 180)));
                return;
            }

            Pause(30, 300);
            var registerMsgid = NextMsgid(c);
            var number = "MZ" + registerMsgid[^18..];
            using (var registered = await CallAsync(c, "2201", registerMsgid, w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", "");
                       w.WriteString("ipt_otp_no", number);
                       w.WriteString("atddr_no", "D" + _random.Next(1, 60).ToString("D3", CultureInfo.InvariantCulture));
                       w.WriteString("dr_name", Doctor());
                       w.WriteString("dept_code", "A03");
                       w.WriteString("dept_name", "急诊科");
                       w.WriteString("caty", "A03");
                       w.WriteEndObject();
                   }))
            {
                if (registered is null) return;
                c.MdtrtId = Text(registered.RootElement.GetProperty("output"), "data", "mdtrt_id");
            }

            using (var info = await CallAsync(c, "2203", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("mdtrtinfo");
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("med_type", "13");
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("main_cond_dscr", $"急诊就诊：{c.Diagnosis.Name}");
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
                if (info is null) return;

            OutpatientBill(c);
            c.BatchEnds.Add(c.Lines.Count);
            Schedule(c, Step.Upload, _time.Now.AddMinutes(_random.Next(20, 150)));
        }

        private async Task AdmitAsync(Case c)
        {
            var admitMsgid = NextMsgid(c);
            var number = "ZY" + admitMsgid[^18..];
            using (var admitted = await CallAsync(c, "2401", admitMsgid, w =>
                   {
                       w.WriteStartObject("mdtrtinfo");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", "");
                       w.WriteString("med_type", "24");
                       w.WriteString("ipt_no", number);
                       w.WriteString("atddr_no", "D" + _random.Next(1, 60).ToString("D3", CultureInfo.InvariantCulture));
                       w.WriteString("chfpdr_name", Doctor());
                       w.WriteString("adm_diag_dscr", c.Diagnosis.Name);
                       w.WriteString("adm_dept_codg", "A03");
                       w.WriteString("adm_dept_name", c.Diagnosis.Dept);
                       w.WriteString("adm_bed", _random.Next(1, 60).ToString(CultureInfo.InvariantCulture));
                       w.WriteString("dscg_maindiag_code", c.Diagnosis.Code);
                       w.WriteString("dscg_maindiag_name", c.Diagnosis.Name);
                       w.WriteString("main_cond_dscr", $"急诊转住院：{c.Diagnosis.Name}");
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
            {
                if (admitted is null) return;
                c.MdtrtId = Text(admitted.RootElement.GetProperty("output"), "result", "mdtrt_id");
            }
            c.AdmittedAt = _time.Now;

            if (c.Plan == Plan.Settle)
            {
                InpatientBill(c);
                // Discharge on the morning 1-10 days later; the fee lines go up in 1-3 batches during the stay.
                var discharge = DateOnly.FromDateTime(c.AdmittedAt).AddDays(c.StayDays).ToDateTime(new TimeOnly(8, 30))
                    .AddMinutes(_random.Next(0, 180));
                var batches = Math.Min(c.StayDays, _random.Next(1, 4));
                for (var b = 1; b <= batches; b++)
                    c.BatchEnds.Add(b == batches ? c.Lines.Count : Math.Max(1, c.Lines.Count * b / (batches + 1)));
                var span = discharge - c.AdmittedAt - TimeSpan.FromHours(1);
                for (var b = 0; b < batches; b++)
                    Schedule(c, Step.Upload, c.AdmittedAt.AddTicks(span.Ticks * (b + 1) / (batches + 1)).AddMinutes(_random.Next(0, 30)));
                Schedule(c, Step.Discharge, discharge);
                _busyUntil[Key(c.Person)] = discharge.AddDays(1);
            }
            else
            {
                // Admitted and charged, then transferred or left: the visit is never settled here.
                c.StayDays = 1;
                InpatientBill(c);
                c.BatchEnds.Add(c.Lines.Count);
                Schedule(c, Step.Upload, _time.Now.AddMinutes(_random.Next(60, 600)));
            }
        }

        private async Task UploadAsync(Case c)
        {
            var from = c.BatchesSent == 0 ? 0 : c.BatchEnds[c.BatchesSent - 1];
            var to = c.BatchEnds[c.BatchesSent];
            var batch = (c.BatchesSent + 1).ToString(CultureInfo.InvariantCulture);
            var earliest = c.Inpatient ? c.AdmittedAt : _time.Now.AddMinutes(-30);
            var now = _time.Now;
            using (var uploaded = await CallAsync(c, c.Inpatient ? "2301" : "2204", NextMsgid(c), w =>
                   {
                       w.WriteStartArray("feedetail");
                       for (var i = from; i < to; i++)
                       {
                           var line = c.Lines[i];
                           var occurred = earliest.AddTicks((long)((now - earliest).Ticks * _random.NextDouble()));
                           w.WriteStartObject();
                           w.WriteString("feedetl_sn", line.Sn);
                           w.WriteString("mdtrt_id", c.MdtrtId);
                           w.WriteString("psn_no", c.Person.PsnNo);
                           w.WriteString("chrg_bchno", batch);
                           w.WriteString("dise_codg", c.Diagnosis.Code);
                           w.WriteString("rxno", "");
                           w.WriteString("rx_circ_flag", "0");
                           w.WriteString("fee_ocur_time", new DateTime(occurred.Ticks - occurred.Ticks % TimeSpan.TicksPerSecond).ToText());
                           w.WriteString("med_list_codg", line.Code);
                           w.WriteString("medins_list_codg", line.Code);
                           w.WriteNumber("det_item_fee_sumamt", line.Amount);
                           w.WriteNumber("cnt", line.Count);
                           w.WriteNumber("pric", line.Price);
                           w.WriteString("bilg_dept_codg", "A03");
                           w.WriteString("bilg_dept_name", c.Inpatient ? c.Diagnosis.Dept : "急诊科");
                           w.WriteString("bilg_dr_codg", "D001");
                           w.WriteString("bilg_dr_name", "值班医生");
                           w.WriteString("hosp_appr_flag", "1");
                           w.WriteEndObject();
                       }
                       w.WriteEndArray();
                   }))
                if (uploaded is null) return;
            c.BatchesSent++;
            if (c.BatchesSent < c.BatchEnds.Count) return; // the next batch is already scheduled

            switch (c.Plan)
            {
                case Plan.Settle when !c.Inpatient:
                    Schedule(c, Step.Settle, _time.Now.AddMinutes(_random.Next(5, 40)));
                    break;
                case Plan.RegisterAndStop or Plan.AdmitAndStop when c.CancelLater:
                    Schedule(c, Step.CancelVisit, _time.Now.AddMinutes(_random.Next(30, 300)));
                    break;
            }
        }

        private async Task DischargeAsync(Case c)
        {
            using (var discharged = await CallAsync(c, "2402", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("dscginfo");
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("endtime", _time.Now.ToText());
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteString("dscg_way", "1");
                       w.WriteString("dscg_dept_codg", "A03");
                       w.WriteString("dscg_dept_name", c.Diagnosis.Dept);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
                if (discharged is null) return;
            Schedule(c, Step.Settle, _time.Now.AddMinutes(_random.Next(10, 60)));
        }

        private async Task SettleAsync(Case c, bool again)
        {
            c.Medfee = 0m;
            foreach (var line in c.Lines) c.Medfee += line.Amount;

            if (_random.NextDouble() < PreSettleShare)
            {
                using var preview = await CallAsync(c, c.Inpatient ? "2303" : "2206", NextMsgid(c), w => WriteSettleInput(w, c));
                if (preview is null) return;
                Pause(20, 240);
            }

            var body = Envelope(c, c.Inpatient ? "2304" : "2207", NextMsgid(c), w => WriteSettleInput(w, c));
            string setlId;
            using (var settled = await SendAsync(c, body))
            {
                if (settled is null) return;
                var info = settled.RootElement.GetProperty("output").GetProperty("setlinfo");
                setlId = Text(info, "setl_id");
                var medfee = info.GetProperty("medfee_sumamt").GetDecimal();
                if (medfee != c.Medfee)
                    throw new InvalidOperationException($"Settlement {setlId} came to medfee_sumamt {medfee} for a bill of {c.Medfee}: {Show(body)}");
                decimal Pay(string name) => info.GetProperty(name).GetDecimal();
                _standing.Add(setlId, (medfee, Pay("fund_pay_sumamt"), Pay("hifp_pay"), Pay("hifob_pay"), Pay("hifmi_pay"), Pay("maf_pay")));
            }
            c.SetlId = setlId;
            if (!c.EverSettled)
            {
                c.EverSettled = true;
                if (c.NewFiling) _settledFilings++;
            }
            if (again) _resettlements++;

            if (_random.NextDouble() < RetryShare)
            {
                // The HIS did not see the answer (a timeout) and sends the same message again: the stored answer comes back.
                Pause(5, 60);
                using var retried = await SendAsync(c, body);
                if (retried is null) return;
                var replayed = Text(retried.RootElement.GetProperty("output"), "setlinfo", "setl_id");
                if (replayed != setlId)
                    throw new InvalidOperationException($"Retrying a settlement with the same msgid settled again ({replayed} after {setlId}): {Show(body)}");
            }

            if (!again && _random.NextDouble() < ReversalShare)
                Schedule(c, Step.Reverse, ReversalTime());
        }

        private async Task ReverseAsync(Case c)
        {
            using (var reversed = await CallAsync(c, c.Inpatient ? "2305" : "2208", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("setl_id", c.SetlId);
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteEndObject();
                   }))
                if (reversed is null) return;
            _standing.Remove(c.SetlId);
            _reversals++;
            if (_random.NextDouble() < ResettleShareOfReversals)
                Schedule(c, Step.Resettle, _random.NextDouble() < 0.6
                    ? _time.Now.AddMinutes(_random.Next(5, 90))
                    : BusinessHours(DateOnly.FromDateTime(_time.Now).AddDays(_random.Next(1, 4))));
        }

        /// <summary>Settles a reversed visit again, often after withdrawing the fee line that was charged by mistake.</summary>
        private async Task ResettleAsync(Case c)
        {
            if (c.Lines.Count > 2 && _random.NextDouble() < 0.5)
            {
                var wrong = c.Lines[^1];
                using (var withdrawn = await CallAsync(c, c.Inpatient ? "2302" : "2205", NextMsgid(c), w =>
                       {
                           w.WriteStartObject("data");
                           w.WriteString("mdtrt_id", c.MdtrtId);
                           w.WriteString("psn_no", c.Person.PsnNo);
                           w.WriteString("feedetl_sn", wrong.Sn);
                           w.WriteEndObject();
                       }))
                    if (withdrawn is null) return;
                c.Lines.RemoveAt(c.Lines.Count - 1);
                Pause(20, 180);
            }
            await SettleAsync(c, again: true);
        }

        private async Task RevokeAsync(Case c)
        {
            using var revoked = await CallAsync(c, "2552", NextMsgid(c), w =>
            {
                w.WriteStartObject("data");
                w.WriteString("trt_dcla_detl_sn", c.FilingSn);
                w.WriteString("psn_no", c.Person.PsnNo);
                w.WriteString("memo", "患者转回参保地治疗");
                w.WriteEndObject();
            });
        }

        private async Task CancelVisitAsync(Case c)
        {
            using var cancelled = await CallAsync(c, c.Inpatient ? "2404" : "2202", NextMsgid(c), w =>
            {
                w.WriteStartObject("data");
                w.WriteString("mdtrt_id", c.MdtrtId);
                w.WriteString("psn_no", c.Person.PsnNo);
                w.WriteString("ipt_otp_no", "");
                w.WriteEndObject();
            });
        }

        private async Task<bool> SignInAsync(Case c)
        {
            var today = DateOnly.FromDateTime(_time.Now);
            if (_signIns.TryGetValue(c.Hospital.Code, out var signIn) && signIn.Day == today) return true;
            using var signed = await CallAsync(c, "9001", NextMsgid(c), w =>
            {
                w.WriteStartObject("signIn");
                w.WriteString("opter_no", c.Opter);
                w.WriteString("mac", c.Hospital.Mac);
                w.WriteString("ip", c.Hospital.Ip);
                w.WriteEndObject();
            });
            if (signed is null) return false;
            _signIns[c.Hospital.Code] = (today, Text(signed.RootElement.GetProperty("output"), "signinoutb", "sign_no"));
            Pause(5, 60);
            return true;
        }

        // -------- the case: who, where, what -------------------------------------------------------------------------

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
            var diagnosis = PickDiagnosis(inpatient);
            var clerk = _random.Next(Clerks.Length);
            _busyUntil[Key(person)] = now.AddDays(3);
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

        // -------- the wire -----------------------------------------------------------------------------------------

        private static void WriteSettleInput(Utf8JsonWriter w, Case c)
        {
            w.WriteStartObject("data");
            w.WriteString("psn_no", c.Person.PsnNo);
            w.WriteString("mdtrt_cert_type", "02");
            w.WriteString("mdtrt_cert_no", "");
            w.WriteString("med_type", c.Inpatient ? "24" : "13");
            w.WriteNumber("medfee_sumamt", c.Medfee);
            w.WriteString("psn_setlway", "01");
            w.WriteString("mdtrt_id", c.MdtrtId);
            w.WriteString("chrg_bchno", "0000");
            w.WriteString("insutype", c.Person.Insutype);
            w.WriteString("acct_used_flag", c.UseAccount ? "1" : "0");
            if (c.Inpatient) w.WriteString("mid_setl_flag", "0");
            w.WriteEndObject();
        }

        private void WriteDiseInfo(Utf8JsonWriter w, Case c)
        {
            w.WriteStartArray("diseinfo");
            w.WriteStartObject();
            w.WriteString("diag_type", "1");
            w.WriteString("diag_srt_no", "1");
            w.WriteString("diag_code", c.Diagnosis.Code);
            w.WriteString("diag_name", c.Diagnosis.Name);
            w.WriteString("diag_dept", c.Inpatient ? c.Diagnosis.Dept : "急诊科");
            w.WriteString("dise_dor_no", "D001");
            w.WriteString("dise_dor_name", "值班医生");
            w.WriteString("diag_time", _time.Now.ToText());
            w.WriteString("vali_flag", "1");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        /// <summary>The person's identity number, as their card shows it.</summary>
        private async Task<string> CertnoOfAsync(Person person) =>
            MedSettle.Privacy.PersonalData.Open(await _database.ReadAsync(unit => unit.FirstOrDefaultAsync<byte[]>(
                "SELECT certno_enc FROM persons WHERE insuplc_admdvs = @Admdvs AND psn_no = @PsnNo AND insutype = @Insutype", person), _cancel)
                ?? throw new InvalidOperationException($"Person {person.PsnNo} has no identity number"));

        private async Task<JsonDocument?> CallAsync(Case c, string infno, string msgid, Action<Utf8JsonWriter> input) =>
            await SendAsync(c, Envelope(c, infno, msgid, input));

        /// <summary>One call of the transaction API; a refusal ends the case (null), any status but 200 is a platform bug.</summary>
        private async Task<JsonDocument?> SendAsync(Case c, byte[] body)
        {
            var (status, text) = await TransactionApi.CallAsync(_database, _clock, body, _cancel);
            if (status != 200)
                throw new InvalidOperationException($"The transaction API answered HTTP {status} to {Show(body)}: {text}");
            var document = JsonDocument.Parse(text);
            Pause(2, 20);
            if (document.RootElement.GetProperty("infcode").GetInt32() == 0) return document;
            document.Dispose();
            _refused++;
            c.Stopped = true;
            return null;
        }

        /// <summary>The national request envelope around <paramref name="input"/>.</summary>
        private byte[] Envelope(Case c, string infno, string msgid, Action<Utf8JsonWriter> input)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            var w = _writer;
            RequestEnvelope.Write(w, new RequestHeader(infno, msgid, c.Hospital.Code, c.Hospital.Name, c.Hospital.Admdvs,
                infno is "9001" or "1101" ? "" : c.Person.Admdvs, c.Opter, c.Clerk, _time.Now,
                _signIns.TryGetValue(c.Hospital.Code, out var signIn) ? signIn.SignNo : ""), input);
            w.Flush();
            return _buffer.WrittenSpan.ToArray();
        }

        /// <summary>
        /// fixmedins_code + yyyyMMddHHmmss + 4-digit sequence: the time from the simulated clock, the sequence restarting each
        /// second; never at or before the hospital's last msgid (of this run or any earlier one), so none repeats.
        /// </summary>
        private string NextMsgid(Case c)
        {
            var code = c.Hospital.Code;
            var now = _time.Now;
            now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond);
            var (time, sequence) = _msgids.TryGetValue(code, out var last) ? last : (DateTime.MinValue, 0);
            if (now > time) (time, sequence) = (now, 0);
            sequence++;
            if (sequence > 9999) (time, sequence) = (time.AddSeconds(1), 1);
            _msgids[code] = (time, sequence);
            return string.Create(CultureInfo.InvariantCulture, $"{code}{time:yyyyMMddHHmmss}{sequence:D4}");
        }

        private static string Text(JsonElement element, params string[] path)
        {
            foreach (var name in path) element = element.GetProperty(name);
            return element.GetString() ?? "";
        }

        private static string Show(byte[] body) => System.Text.Encoding.UTF8.GetString(body);

        // -------- time and chance ----------------------------------------------------------------------------------

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
