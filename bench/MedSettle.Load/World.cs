using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using Npgsql;

namespace MedSettle.Load;

public sealed record Person(string PsnNo, string Admdvs, string Insutype);

public sealed record Item(string Code, int Level, decimal? Ceiling);

public sealed record FeeLine(string Sn, Item Item, decimal Price, decimal Count, decimal Amount);

/// <summary>A visit filed, registered and billed, ready for 2207: one line of the visits file.</summary>
public sealed record PreparedVisit(string HospitalCode, string HospitalName, string HospitalAdmdvs, string MdtrtId, string PsnNo, string Insutype,
    string InsuplcAdmdvs, decimal MedfeeSumamt)
{
    public const string Header = "fixmedins_code\tfixmedins_name\tmdtrtarea_admvs\tmdtrt_id\tpsn_no\tinsutype\tinsuplc_admdvs\tmedfee_sumamt";

    public Hospital Hospital => new(HospitalCode, HospitalName, HospitalAdmdvs, 0);

    public string ToLine() => string.Join('\t', HospitalCode, HospitalName, HospitalAdmdvs, MdtrtId, PsnNo, Insutype, InsuplcAdmdvs,
        MedfeeSumamt.ToString("0.00", CultureInfo.InvariantCulture));

    public static PreparedVisit Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 8) throw new FormatException($"a visits line has 8 tab-separated fields: {line}");
        return new PreparedVisit(f[0], f[1], f[2], f[3], f[4], f[5], f[6], decimal.Parse(f[7], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// What the driver reads from the database once: hospitals open for cross-region care, the catalogue by class (甲/乙/丙),
/// and samples of active insured people. Bills are drawn from it: 10 lines, ~55 % 甲类, 35 % 乙类, 10 % 丙类, one in
/// eight priced items charged above its ceiling.
/// </summary>
public sealed class World
{
    private static readonly (string Code, string Name)[] Diagnoses =
    [
        ("J18.9", "肺炎"), ("R07.4", "胸痛"), ("A09.9", "急性胃肠炎"), ("N23", "肾绞痛"), ("S06.0", "脑震荡"),
        ("T62.9", "食物中毒"), ("J44.1", "慢性阻塞性肺病急性加重"), ("I50.9", "心力衰竭"),
    ];

    private readonly Dictionary<string, Hospital[]> _elsewhere = new(StringComparer.Ordinal);
    private readonly Item[][] _itemsByLevel;

    private World(Hospital[] hospitals, Item[][] itemsByLevel)
    {
        Hospitals = hospitals;
        _itemsByLevel = itemsByLevel;
    }

    public Hospital[] Hospitals { get; }

    public int CatalogueSize => _itemsByLevel.Sum(l => l.Length);

    public static async Task<World> LoadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var hospitals = new List<Hospital>();
        await using (var command = new NpgsqlCommand(
                         "SELECT fixmedins_code, fixmedins_name, admdvs, hosp_lv FROM hospitals WHERE cross_region_enabled = 1 ORDER BY fixmedins_code", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                hospitals.Add(new Hospital(reader.GetString(0), reader.GetString(1), reader.GetString(2), Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture)));

        var levels = new List<Item>[] { [], [], [] };
        // clean traffic: no item a supervision limit could make a bill break (docs/SUPERVISION.md), as the simulator's
        await using (var command = new NpgsqlCommand(
                         """
                         SELECT med_list_codg, chrgitm_lv, pric_uplmt_amt FROM catalogue
                         WHERE lmt_gend IS NULL AND lmt_age_min IS NULL AND lmt_age_max IS NULL AND lmt_daily_cnt IS NULL AND excl_group IS NULL
                         ORDER BY med_list_codg
                         """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var level = Math.Clamp(Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), 1, 3);
                decimal? ceiling = !reader.IsDBNull(2) && decimal.TryParse(reader.GetString(2), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var c) && c > 0
                    ? c : null;
                levels[level - 1].Add(new Item(reader.GetString(0), level, ceiling));
            }

        if (hospitals.Count == 0) throw new InvalidOperationException("No hospital is open for cross-region care: import a bundle first.");
        if (levels.All(l => l.Count == 0)) throw new InvalidOperationException("The catalogue is empty: import a bundle first.");
        return new World(hospitals.ToArray(), levels.Select(l => l.ToArray()).ToArray());
    }

    /// <summary>
    /// About how many people have no visit yet: the table's size less those with one (visits are few, so they are
    /// counted). The size is the planner's estimate (pg_class.reltuples), instant at any size; a table never analysed
    /// (reltuples -1, as after the demo's import alone) is counted instead.
    /// </summary>
    public static async Task<double> FreshPersonsEstimateAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var estimate = new NpgsqlCommand(
            """
            SELECT (SELECT CASE WHEN reltuples >= 0 THEN reltuples::float8 ELSE (SELECT COUNT(*) FROM persons)::float8 END
                    FROM pg_class WHERE relname = 'persons')
                 - (SELECT COUNT(DISTINCT (psn_no, insutype)) FROM visits)
            """, connection);
        return await estimate.ExecuteScalarAsync() is double rows && rows > 0 ? rows : 0;
    }

    /// <summary>
    /// Up to <paramref name="count"/> active insured people in random order, drawn from a block sample of the table (so a
    /// 25-million-row table is not sorted whole); <paramref name="fresh"/> keeps to people with no visit yet.
    /// </summary>
    public static async Task<List<Person>> SampleAsync(string connectionString, int count, bool fresh, IReadOnlySet<string>? exclude = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        double rows;
        await using (var estimate = new NpgsqlCommand("SELECT reltuples::float8 FROM pg_class WHERE relname = 'persons'", connection))
            rows = await estimate.ExecuteScalarAsync() is double r ? r : -1;
        var wanted = count + (exclude?.Count ?? 0);
        var percent = rows <= 0 ? 100 : Math.Min(100, 100.0 * wanted * 4 / rows + 0.01);

        var people = new List<Person>(count);
        foreach (var p in percent < 100 ? new[] { percent, 100.0 } : [100.0])
        {
            people.Clear();
            var sample = p >= 100 ? "" : $" TABLESAMPLE SYSTEM ({p.ToString("0.####", CultureInfo.InvariantCulture)})";
            var freshOnly = fresh ? " AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.psn_no = p.psn_no AND v.insutype = p.insutype)" : "";
            await using var command = new NpgsqlCommand(
                $"SELECT psn_no, insuplc_admdvs, insutype FROM persons p{sample} WHERE psn_insu_stas = '1'{freshOnly} ORDER BY random() LIMIT @limit",
                connection) { CommandTimeout = 600 };
            command.Parameters.AddWithValue("limit", wanted);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync() && people.Count < count)
            {
                var person = new Person(reader.GetString(0), reader.GetString(1), reader.GetString(2));
                if (exclude is null || !exclude.Contains(person.PsnNo)) people.Add(person);
            }
            if (people.Count >= count) break;
        }
        return people;
    }

    /// <summary>A hospital open for cross-region care outside the person's home region.</summary>
    public Hospital HospitalFor(Person person, Random random)
    {
        Hospital[] choices;
        lock (_elsewhere)
            if (!_elsewhere.TryGetValue(person.Admdvs, out choices!))
                _elsewhere[person.Admdvs] = choices = Hospitals.Where(h => h.Admdvs != person.Admdvs).ToArray();
        if (choices.Length == 0) throw new InvalidOperationException($"No hospital outside region {person.Admdvs} is open for cross-region care.");
        return choices[random.Next(choices.Length)];
    }

    public static (string Code, string Name) Diagnosis(Random random) => Diagnoses[random.Next(Diagnoses.Length)];

    /// <summary>Ten fee lines with a realistic class mix; amounts are round(pric × cnt, 2) as the platform checks.</summary>
    public List<FeeLine> Bill(Random random, int lines = 10)
    {
        var bill = new List<FeeLine>(lines);
        for (var i = 0; i < lines; i++)
        {
            var roll = random.Next(100);
            var level = roll < 55 ? 0 : roll < 90 ? 1 : 2;
            while (_itemsByLevel[level].Length == 0) level = (level + 1) % 3;
            var items = _itemsByLevel[level];
            var item = items[random.Next(items.Length)];
            // one line per item: the same item at the same time and amount twice would be R04 重复收费
            if (bill.Any(l => l.Item.Code == item.Code)) { i--; continue; }
            var price = item.Ceiling is { } ceiling
                ? random.Next(8) == 0 ? Money.Round(ceiling * 1.15m) : ceiling
                : ListPrice(item.Code);
            var count = (decimal)(random.Next(100) switch { < 60 => 1, < 85 => 2, _ => 3 });
            bill.Add(new FeeLine((i + 1).ToString("D4", CultureInfo.InvariantCulture), item, price, count, LineGrading.ExpectedAmount(price, count)));
        }
        return bill;
    }

    /// <summary>An item without a ceiling costs the same in every bill: 5 to 300 yuan, log-uniform by a hash of its code.</summary>
    private static decimal ListPrice(string code)
    {
        var hash = 14695981039346656037UL;
        foreach (var ch in code) hash = (hash ^ ch) * 1099511628211UL;
        var u = (hash >> 11) / (double)(1UL << 53);
        return Math.Max(0.01m, Money.Round((decimal)Math.Exp(Math.Log(5) + (Math.Log(300) - Math.Log(5)) * u)));
    }
}

/// <summary>The steps of the outpatient emergency flow, as the HIS sends them.</summary>
public sealed class His(Platform platform, World world)
{
    public Task<Reply> FileAsync(Hospital hospital, Person person, (string Code, string Name) diagnosis) =>
        platform.CallAsync("2551", hospital, person.Admdvs, w =>
        {
            w.WriteStartObject("data");
            w.WriteString("psn_no", person.PsnNo);
            w.WriteString("insutype", person.Insutype);
            w.WriteString("begndate", Platform.Text(DateOnly.FromDateTime(Platform.ChinaNow)));
            w.WriteString("dise_codg", diagnosis.Code);
            w.WriteString("dise_name", diagnosis.Name);
            w.WriteString("main_cond_dscr", "急诊就诊：" + diagnosis.Name);
            w.WriteEndObject();
        });

    public Task<Reply> RegisterAsync(Hospital hospital, Person person)
    {
        var msgid = platform.NextMsgid(hospital.Code);
        return platform.CallAsync("2201", hospital, person.Admdvs, w =>
        {
            w.WriteStartObject("data");
            w.WriteString("psn_no", person.PsnNo);
            w.WriteString("insutype", person.Insutype);
            w.WriteString("begntime", Platform.Text(Platform.ChinaNow));
            w.WriteString("mdtrt_cert_type", "02");
            w.WriteString("mdtrt_cert_no", "");
            w.WriteString("ipt_otp_no", "MZ" + msgid[^18..]);
            w.WriteString("atddr_no", "D001");
            w.WriteString("dr_name", "值班医生");
            w.WriteString("dept_code", "A03");
            w.WriteString("dept_name", "急诊科");
            w.WriteString("caty", "A03");
            w.WriteEndObject();
        }, msgid);
    }

    public Task<Reply> VisitInfoAsync(Hospital hospital, Person person, string mdtrtId, (string Code, string Name) diagnosis) =>
        platform.CallAsync("2203", hospital, person.Admdvs, w =>
        {
            w.WriteStartObject("mdtrtinfo");
            w.WriteString("mdtrt_id", mdtrtId);
            w.WriteString("psn_no", person.PsnNo);
            w.WriteString("med_type", "13");
            w.WriteString("begntime", Platform.Text(Platform.ChinaNow));
            w.WriteString("main_cond_dscr", "急诊就诊：" + diagnosis.Name);
            w.WriteString("dise_codg", diagnosis.Code);
            w.WriteString("dise_name", diagnosis.Name);
            w.WriteEndObject();
            w.WriteStartArray("diseinfo");
            w.WriteStartObject();
            w.WriteString("diag_type", "1");
            w.WriteString("diag_srt_no", "1");
            w.WriteString("diag_code", diagnosis.Code);
            w.WriteString("diag_name", diagnosis.Name);
            w.WriteString("diag_dept", "急诊科");
            w.WriteString("dise_dor_no", "D001");
            w.WriteString("dise_dor_name", "值班医生");
            w.WriteString("diag_time", Platform.Text(Platform.ChinaNow));
            w.WriteEndObject();
            w.WriteEndArray();
        });

    public Task<Reply> UploadAsync(Hospital hospital, Person person, string mdtrtId, List<FeeLine> bill) =>
        platform.CallAsync("2204", hospital, person.Admdvs, w =>
        {
            var now = Platform.Text(Platform.ChinaNow);
            w.WriteStartArray("feedetail");
            foreach (var line in bill)
            {
                w.WriteStartObject();
                w.WriteString("feedetl_sn", line.Sn);
                w.WriteString("mdtrt_id", mdtrtId);
                w.WriteString("psn_no", person.PsnNo);
                w.WriteString("chrg_bchno", "B1");
                w.WriteString("fee_ocur_time", now);
                w.WriteString("med_list_codg", line.Item.Code);
                w.WriteString("medins_list_codg", "H-" + line.Item.Code);
                w.WriteNumber("det_item_fee_sumamt", line.Amount);
                w.WriteNumber("cnt", line.Count);
                w.WriteNumber("pric", line.Price);
                w.WriteString("bilg_dept_codg", "A03");
                w.WriteString("bilg_dept_name", "急诊科");
                w.WriteString("hosp_appr_flag", "1");
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

    public Task<Reply> SettleAsync(Hospital hospital, string insuplcAdmdvs, string psnNo, string insutype, string mdtrtId, decimal medfee,
        string? msgid = null) =>
        platform.CallAsync("2207", hospital, insuplcAdmdvs, w =>
        {
            w.WriteStartObject("data");
            w.WriteString("psn_no", psnNo);
            w.WriteString("mdtrt_cert_type", "02");
            w.WriteString("mdtrt_cert_no", "");
            w.WriteString("med_type", "13");
            w.WriteNumber("medfee_sumamt", medfee);
            w.WriteString("psn_setlway", "01");
            w.WriteString("mdtrt_id", mdtrtId);
            w.WriteString("chrg_bchno", "B1");
            w.WriteString("insutype", insutype);
            w.WriteString("acct_used_flag", "1");
            w.WriteEndObject();
        }, msgid);

    /// <summary>2551 → 2201 → (2203) → 2204 for one person at one hospital; null when a step was refused (noted in <paramref name="tally"/>).</summary>
    public async Task<PreparedVisit?> OpenVisitAsync(Hospital hospital, Person person, Random random, bool visitInfo, Tally tally, List<double> latencies)
    {
        var diagnosis = World.Diagnosis(random);
        using (var filed = await Step("2551", FileAsync(hospital, person, diagnosis), tally, latencies))
            if (filed is null) return null;

        string mdtrtId;
        using (var registered = await Step("2201", RegisterAsync(hospital, person), tally, latencies))
        {
            if (registered is null) return null;
            mdtrtId = registered.Output.GetProperty("data").GetProperty("mdtrt_id").GetString()!;
        }

        if (visitInfo)
            using (var info = await Step("2203", VisitInfoAsync(hospital, person, mdtrtId, diagnosis), tally, latencies))
                if (info is null) return null;

        var bill = world.Bill(random);
        using (var uploaded = await Step("2204", UploadAsync(hospital, person, mdtrtId, bill), tally, latencies))
            if (uploaded is null) return null;

        return new PreparedVisit(hospital.Code, hospital.Name, hospital.Admdvs, mdtrtId, person.PsnNo, person.Insutype, person.Admdvs,
            bill.Sum(l => l.Amount));
    }

    /// <summary>Awaits one call: the reply when accepted, else null with the refusal or failure noted.</summary>
    public static async Task<Reply?> Step(string infno, Task<Reply> call, Tally tally, List<double> latencies)
    {
        Reply reply;
        try
        {
            reply = await call;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            tally.Failed(infno, e);
            return null;
        }
        latencies.Add(reply.Milliseconds);
        if (reply.Ok) return reply;
        tally.Refused(infno, reply.ErrMsg);
        reply.Dispose();
        return null;
    }
}

/// <summary>prepare or flow found nobody left to give a first visit: the province is too small for the run.</summary>
public sealed class NoFreshPerson()
    : Exception("No active insured person without a visit is left: load more people (bench/run.sh --persons N; 100,000 by default).");
