using System.Globalization;
using MedSettle.Engine;
using MedSettle.Privacy;
using Npgsql;
using NpgsqlTypes;

namespace MedSettle.Tools.Demo;

/// <summary>
/// Generates insured people at province scale (Jilin: about 25 million) straight into <c>persons</c> with binary COPY,
/// streaming, for benchmarks. Regions get Jilin's shares (长春 35 %, 吉林 ~15 %, …); every person has a unique psn_no
/// (region + a 14-digit sequence above 90000000000000, so bulk people never meet the demo's or an import's), a valid
/// GB 11643 identity number unique across the table, a cheap deterministic name, and one scheme; name and identity number
/// sealed (AES-GCM) with the lookup hash, as everywhere. Loads of a million
/// rows or more drop the two secondary indexes of <c>persons</c> and build them again afterwards, in the same database
/// transaction as the COPY: all of it or nothing; the table is vacuumed and analysed afterwards. Deterministic for a given
/// table content.
/// </summary>
public static class BulkPersons
{
    /// <summary>psn_no = admdvs + (this + n), n = 1, 2, … per region.</summary>
    public const long SequenceBase = 90_000_000_000_000;

    /// <summary>From this many rows on, the secondary indexes are rebuilt rather than maintained row by row.</summary>
    public const long RebuildIndexesFrom = 1_000_000;

    private const int RegionSlots = 16;
    private const int SequencesPerDay = 1000;
    private static readonly DateOnly FirstBirthday = new(1940, 1, 1);
    private static readonly DateOnly LastBirthday = new(2020, 12, 31);
    private static readonly DateOnly FirstWorker = new(1950, 1, 1);
    private static readonly DateOnly LastWorker = new(2004, 12, 31);

    private sealed record Region(string Admdvs, int Weight, string[] Counties);

    private static readonly Region[] JilinRegions =
        DemoProvince.JilinRegions.Select(r => new Region(r.Admdvs, r.Weight, r.Counties)).ToArray();

    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    ];

    private static readonly string[] MaleCharacters =
    [
        "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩",
        "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "博", "文", "志", "国", "建", "海", "东", "峰", "成", "亮",
    ];

    private static readonly string[] FemaleCharacters =
    [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂", "英", "秀", "兰", "梅", "琳", "婷", "雪", "慧", "颖",
        "倩", "佳", "欣", "悦", "萍", "红", "玉", "洁", "晶", "凤", "淑", "珍", "丹", "莉", "妍", "琪", "涵", "思", "雨", "月",
    ];

    private static readonly string[] KoreanSurnames = ["金", "李", "朴", "崔", "郑", "姜", "韩", "全", "玄", "俞"];
    private static readonly string[] KoreanMale = ["明哲", "成浩", "永哲", "光日", "哲洙", "英洙", "东哲", "昌浩", "龙范", "俊植", "世勋", "相宇"];
    private static readonly string[] KoreanFemale = ["春花", "英姬", "美兰", "顺姬", "贞淑", "美玉", "京花", "惠善", "秀贤", "玉子", "恩静", "海燕"];

    /// <summary>
    /// Adds <paramref name="count"/> people to <c>persons</c> of the PostgreSQL database at <paramref name="npgsqlConnectionString"/>
    /// (its regions table already imported); <paramref name="progress"/> hears the rows written so far. Returns the rows written.
    /// </summary>
    /// <remarks>Names and identity numbers are sealed with <paramref name="keys"/> (the database's keys: <c>Database.Keys</c> after
    /// <c>Schema.MigrateAsync</c>), a batch at a time on every core, then copied in order.</remarks>
    public static Task<long> LoadAsync(string npgsqlConnectionString, KeyRing keys, long count, IProgress<long>? progress, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(npgsqlConnectionString);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Task.Run(() => Load(npgsqlConnectionString, keys, count, progress, cancel), cancel);
    }

    private const int SealBatch = 8192;

    private static long Load(string connectionString, KeyRing keys, long count, IProgress<long>? progress, CancellationToken cancel)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0, Enlist = false };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();

        var regions = Regions(connection);
        var generator = new Generator(regions, NextSequences(connection, regions), ExistingCertnos(connection));
        if (count == 0) return 0;

        var rebuild = count >= RebuildIndexesFrom;
        using var transaction = connection.BeginTransaction();
        if (rebuild)
            Execute(connection, "DROP INDEX IF EXISTS persons_by_psn_no; DROP INDEX IF EXISTS persons_by_certno_hash;");

        using (var writer = connection.BeginBinaryImport(
                   """
                   COPY persons (insuplc_admdvs, psn_no, insutype, psn_name_enc, certno_enc, certno_hash, pd_digest, gend, brdy, psn_insu_stas,
                       acct_balc_fen, acct_imported_fen) FROM STDIN (FORMAT BINARY)
                   """))
        {
            writer.Timeout = TimeSpan.FromHours(1);
            var batch = new Person[SealBatch];
            var sealed_ = new SealedPerson[SealBatch];
            for (long i = 0; i < count;)
            {
                var size = (int)Math.Min(SealBatch, count - i);
                for (var j = 0; j < size; j++) batch[j] = generator.Next();
                Parallel.For(0, size, j => sealed_[j] = keys.SealPerson(batch[j].Name, batch[j].Certno));
                for (var j = 0; j < size; j++, i++)
                {
                    var p = batch[j];
                    var s = sealed_[j];
                    writer.StartRow();
                    writer.Write(p.Admdvs, NpgsqlDbType.Text);
                    writer.Write(p.PsnNo, NpgsqlDbType.Text);
                    writer.Write(p.Insutype, NpgsqlDbType.Text);
                    writer.Write(s.PsnNameEnc, NpgsqlDbType.Bytea);
                    writer.Write(s.CertnoEnc, NpgsqlDbType.Bytea);
                    writer.Write(s.CertnoHash, NpgsqlDbType.Bytea);
                    writer.Write(s.PdDigest, NpgsqlDbType.Bytea);
                    writer.Write(p.Gend, NpgsqlDbType.Text);
                    writer.Write(p.Brdy, NpgsqlDbType.Text);
                    writer.Write(p.Status, NpgsqlDbType.Text);
                    writer.Write(p.BalanceFen, NpgsqlDbType.Bigint);
                    writer.Write(p.BalanceFen, NpgsqlDbType.Bigint);
                    if ((i + 1) % 100_000 == 0 && i + 1 < count)
                    {
                        cancel.ThrowIfCancellationRequested();
                        progress?.Report(i + 1);
                    }
                }
            }
            writer.Complete();
        }
        progress?.Report(count);

        if (rebuild)
            Execute(connection, """
                SET LOCAL maintenance_work_mem = '1GB';
                CREATE UNIQUE INDEX persons_by_psn_no ON persons (psn_no, insutype);
                CREATE INDEX persons_by_certno_hash ON persons (certno_hash);
                """);
        transaction.Commit();
        // Done here rather than by autovacuum minutes later, in the middle of whatever runs next: hint bits, visibility map, statistics.
        Execute(connection, "VACUUM (ANALYZE) persons");
        return count;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>The imported regions, with Jilin's weights and county codes; a region unknown here gets a small share of its own.</summary>
    private static List<(Region Region, int Slot)> Regions(NpgsqlConnection connection)
    {
        var imported = new List<string>();
        using (var command = new NpgsqlCommand("SELECT admdvs FROM regions ORDER BY admdvs", connection))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) imported.Add(reader.GetString(0));

        var regions = new List<(Region, int)>();
        foreach (var admdvs in imported)
        {
            var known = Array.FindIndex(JilinRegions, r => r.Admdvs == admdvs);
            if (known < 0 && !(admdvs.Length == 6 && admdvs.All(char.IsAsciiDigit))) continue; // no identity numbers can start with it
            regions.Add(known >= 0 ? (JilinRegions[known], known) : (new Region(admdvs, 10, [admdvs]), RegionSlots - 1));
        }
        if (regions.Count == 0)
            throw new InvalidOperationException("The regions table has no pooling region: import a reference-data bundle before loading people.");
        return regions;
    }

    /// <summary>Per region, the n to continue from: past the highest bulk psn_no already there (an index lookup each).</summary>
    private static long[] NextSequences(NpgsqlConnection connection, List<(Region Region, int Slot)> regions)
    {
        var next = new long[regions.Count];
        for (var i = 0; i < regions.Count; i++)
        {
            var admdvs = regions[i].Region.Admdvs;
            using var command = new NpgsqlCommand("SELECT MAX(psn_no) FROM persons WHERE psn_no >= @lo AND psn_no <= @hi", connection);
            command.Parameters.AddWithValue("lo", admdvs + SequenceBase.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("hi", admdvs + "99999999999999");
            if (command.ExecuteScalar() is string max && max.Length == 20
                && long.TryParse(max.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                next[i] = sequence - SequenceBase;
        }
        return next;
    }

    /// <summary>Identity numbers of everyone not loaded by this class (the demo's, an import's), which a new one must avoid.</summary>
    private static HashSet<string> ExistingCertnos(NpgsqlConnection connection)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        using var command = new NpgsqlCommand("SELECT certno_enc FROM persons WHERE SUBSTR(psn_no, 7, 1) <> '9'", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read()) taken.Add(PersonalData.Open(reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0)));
        return taken;
    }

    private readonly record struct Person(string Admdvs, string PsnNo, string Insutype, string Name, string Certno, string Gend, string Brdy,
        string Status, long BalanceFen);

    /// <summary>
    /// The n-th person of a region lives in county n mod k; the rest of n, with the region's slot, runs through a permutation
    /// of (birthday, 3-digit sequence) pairs, one per county, so identity numbers never repeat, even between regions that
    /// share counties, and neighbours differ. Everything else comes from a hash of (region, n).
    /// </summary>
    private sealed class Generator
    {
        private readonly (Region Region, int Slot)[] _regions;
        private readonly int[] _cumulative;
        private readonly long[] _next;
        private readonly long[][] _countyOffsets;
        private readonly HashSet<string> _taken;
        private readonly string[] _brdy;
        private readonly string[] _maleNames;
        private readonly string[] _femaleNames;
        private readonly string[] _koreanMaleNames;
        private readonly string[] _koreanFemaleNames;
        private readonly long _pairs;
        private readonly long _multiplier;
        private readonly int _firstWorkerDay;
        private readonly int _lastWorkerDay;
        private ulong _row;

        public Generator(List<(Region Region, int Slot)> regions, long[] next, HashSet<string> taken)
        {
            _regions = regions.ToArray();
            _next = next;
            _taken = taken;
            _cumulative = new int[_regions.Length];
            var total = 0;
            for (var i = 0; i < _regions.Length; i++) _cumulative[i] = total += _regions[i].Region.Weight;

            var days = LastBirthday.DayNumber - FirstBirthday.DayNumber + 1;
            _brdy = new string[days];
            for (var d = 0; d < days; d++) _brdy[d] = FirstBirthday.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            _pairs = (long)days * SequencesPerDay;
            _multiplier = Coprime((long)(_pairs * 0.6180339887), _pairs);
            _countyOffsets = _regions
                .Select(r => r.Region.Counties.Select(c => (long)(Mix(ulong.Parse(c, CultureInfo.InvariantCulture)) % (ulong)_pairs)).ToArray())
                .ToArray();
            _firstWorkerDay = FirstWorker.DayNumber - FirstBirthday.DayNumber;
            _lastWorkerDay = LastWorker.DayNumber - FirstBirthday.DayNumber;
            _row = (ulong)next.Sum();

            _maleNames = Names(Surnames, MaleCharacters);
            _femaleNames = Names(Surnames, FemaleCharacters);
            _koreanMaleNames = KoreanSurnames.SelectMany(s => KoreanMale.Select(g => s + g)).ToArray();
            _koreanFemaleNames = KoreanSurnames.SelectMany(s => KoreanFemale.Select(g => s + g)).ToArray();
        }

        public Person Next()
        {
            var r = PickRegion(Mix(_row++ ^ 0x5851F42D4C957F2DUL));
            var (region, slot) = _regions[r];
            while (true)
            {
                var n = _next[r]++;
                var counties = region.Counties;
                var c = (int)(n % counties.Length);
                var x = n / counties.Length * RegionSlots + slot;
                if (x >= _pairs)
                    throw new InvalidOperationException($"Region {region.Admdvs} has no identity numbers left for more people ({n:N0} loaded).");
                var pair = (x * _multiplier + _countyOffsets[r][c]) % _pairs;
                var day = (int)(pair / SequencesPerDay);
                var sequence = (int)(pair % SequencesPerDay);
                var certno = Certno(counties[c], FirstBirthday.AddDays(day), sequence);
                if (_taken.Count > 0 && _taken.Contains(certno)) continue;

                var hash = Mix(((ulong)slot << 48) ^ (ulong)n);
                var male = (sequence & 1) == 1;
                var worker = day >= _firstWorkerDay && day <= _lastWorkerDay && (hash & 0xFF) < 141; // ~55 % of working age
                var statusRoll = (hash >> 8) % 100;
                var u = ((hash >> 16) & 0xFFFF) / 65535.0;
                var names = region.Admdvs == "222400" && (hash >> 32) % 100 < 30
                    ? male ? _koreanMaleNames : _koreanFemaleNames
                    : male ? _maleNames : _femaleNames;
                return new Person(
                    region.Admdvs,
                    PsnNo(region.Admdvs, SequenceBase + n + 1),
                    worker ? "310" : "390",
                    names[(int)((hash >> 40) % (ulong)names.Length)],
                    certno,
                    male ? "1" : "2",
                    _brdy[day],
                    statusRoll < 95 ? "1" : statusRoll < 98 ? "2" : "4",
                    worker ? (long)(u * u * 800_000) : 0);
            }
        }

        private int PickRegion(ulong hash)
        {
            var roll = (int)(hash % (ulong)_cumulative[^1]);
            for (var i = 0; i < _cumulative.Length; i++)
                if (roll < _cumulative[i]) return i;
            return _cumulative.Length - 1;
        }

        private static string PsnNo(string admdvs, long sequence) => string.Create(20, (admdvs, sequence), static (span, s) =>
        {
            s.admdvs.AsSpan().CopyTo(span);
            s.sequence.TryFormat(span[6..], out _, "D14", CultureInfo.InvariantCulture);
        });

        private static string Certno(string county, DateOnly birthday, int sequence) => string.Create(18, (county, birthday, sequence), static (span, s) =>
        {
            s.county.AsSpan().CopyTo(span);
            s.birthday.TryFormat(span[6..], out _, "yyyyMMdd", CultureInfo.InvariantCulture);
            s.sequence.TryFormat(span[14..], out _, "D3", CultureInfo.InvariantCulture);
            span[17] = IdentityNumber.CheckCharacter(span[..17]);
        });

        /// <summary>Every surname with one or two given-name characters: a few tens of thousands of names, built once.</summary>
        private static string[] Names(string[] surnames, string[] characters)
        {
            var names = new List<string>(surnames.Length * characters.Length * (characters.Length + 1));
            foreach (var surname in surnames)
                foreach (var first in characters)
                {
                    names.Add(surname + first);
                    foreach (var second in characters)
                        if (second != first) names.Add(surname + first + second);
                }
            return names.ToArray();
        }

        private static long Coprime(long start, long modulus)
        {
            for (var candidate = start | 1; ; candidate += 2)
                if (Gcd(candidate, modulus) == 1) return candidate;
        }

        private static long Gcd(long a, long b)
        {
            while (b != 0) (a, b) = (b, a % b);
            return a;
        }

        /// <summary>SplitMix64's finaliser.</summary>
        private static ulong Mix(ulong z)
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
