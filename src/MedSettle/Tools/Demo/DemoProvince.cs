using System.Buffers;
using System.Globalization;
using System.Text;
using MedSettle.Engine;
using MedSettle.Tools.Simulation;

namespace MedSettle.Tools.Demo;

/// <summary>
/// A reference-data bundle for Jilin: the fixed tables in Tools/Demo/Province (the jilin-mini sample plus hospitals,
/// catalogue items, this year's and last year's policies and supplementary funds), shipped with the program, and
/// generated people.
/// </summary>
public static class DemoProvince
{
    private const int CommonSurnameCount = 10;

    /// <summary>
    /// The catalogue in Province/catalogue.csv was once priced with the bundle's Random (a self-pay share drawn for each of
    /// its 172 generated 乙类 items); the people's draws still come after those, so that a seed gives the people it gave.
    /// </summary>
    private const int CatalogueDraws = 172;

    private static readonly string[] Tables = ["regions.csv", "hospitals.csv", "catalogue.csv", "policies.json", "supplements.json", "rules.json"];

    /// <summary>A pooling region as generators of people see it: its share of the insured (per mille) and the county codes its
    /// people's identity numbers start with. Its name and policies are in the bundle's tables.</summary>
    public sealed record Region(string Admdvs, int Weight, string[] Counties);

    /// <summary>Jilin's 12 pooling regions, for every generator of people (the demo bundle and the bulk loader).</summary>
    public static IReadOnlyList<Region> JilinRegions => Regions;

    /// <summary>Where the fixed tables are: Tools/Demo/Province beside the program (copied there by the build).</summary>
    public static string TablesDirectory => Path.Combine(AppContext.BaseDirectory, "Tools", "Demo", "Province");

    private sealed record Person(string PsnNo, string Name, string Certno, string Gend, DateOnly Birthday, string Admdvs, string Insutype, string Status, decimal Balance,
        string AssistanceType = "");

    private static readonly UTF8Encoding Utf8 = new(false);
    private static readonly SearchValues<char> NeedsQuoting = SearchValues.Create(",\"\r\n");

    private static readonly Region[] Regions =
    [
        new("220100", 380, ["220102", "220103", "220104", "220105", "220106", "220112", "220113", "220122", "220182", "220183", "220184"]), // 长春市
        new("220200", 150, ["220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284"]), // 吉林市
        new("220300", 75, ["220302", "220303", "220322", "220323", "220382"]), // 四平市
        new("220400", 42, ["220402", "220403", "220421", "220422"]), // 辽源市
        new("220500", 50, ["220502", "220503", "220521", "220523", "220524", "220582"]), // 通化市
        new("220600", 40, ["220602", "220605", "220621", "220622", "220623", "220681"]), // 白山市
        new("220700", 93, ["220702", "220721", "220722", "220723", "220781"]), // 松原市
        new("220800", 64, ["220802", "220821", "220822", "220881", "220882"]), // 白城市
        new("222400", 80, ["222401", "222402", "222403", "222404", "222405", "222406", "222424", "222426"]), // 延边朝鲜族自治州
        new("220581", 25, ["220581"]), // 梅河口市
        new("229900", 10, ["220102", "220103", "220104", "220105", "220106"]), // 吉林省省本级
        new("229800", 3, ["222426", "220623", "220621"]), // 长白山保护开发区
    ];

    /// <summary>
    /// The share of the demo history's settled cases given a planted violation (simulate --anomalies), which the history's
    /// closing audit files: the 智能监管 page has cases to review on first start.
    /// </summary>
    public const double PlantedAnomalies = 0.05;

    /// <summary>How many people the demo generates (medsettle demo --persons).</summary>
    public const int DemoPersons = 3000;

    /// <summary>
    /// The demo's simulated history: <paramref name="days"/> days of traffic up to yesterday, six filings a day, the walkthrough's
    /// people left alone, anomalies planted in <see cref="PlantedAnomalies"/> of the cases.
    /// </summary>
    public static SimulationOptions History(DateOnly today, int days) =>
        new(today.AddDays(-days), today.AddDays(-1), 6, Spare: WalkthroughPeople, Anomalies: PlantedAnomalies);

    /// <summary>The sample's people (张伟, 王芳…), whom README's walkthrough settles: the demo's simulated history leaves them alone.</summary>
    public static IReadOnlySet<string> WalkthroughPeople => SamplePersons.Select(p => p.PsnNo).ToHashSet();

    private static readonly (string PsnNo, string Name, string Certno, string Gend, DateOnly Birthday, string Admdvs, string Insutype, string Status, decimal Balance,
        string AssistanceType)[] SamplePersons =
    [
        ("22010000000000000001", "张伟", "220102197503120110", "1", new(1975, 3, 12), "220100", "310", "1", 1520.50m, ""),
        ("22010000000000000002", "王芳", "220104198807210227", "2", new(1988, 7, 21), "220100", "390", "1", 0m, ""),
        ("22020000000000000003", "李娜", "220202196201050349", "2", new(1962, 1, 5), "220200", "310", "1", 86.20m, ""),
        ("22240000000000000004", "金明哲", "222401199909300454", "1", new(1999, 9, 30), "222400", "390", "1", 0m, ""),
        ("22070000000000000005", "刘洋", "220702197011180531", "1", new(1970, 11, 18), "220700", "310", "2", 300.00m, ""),
        ("22010000000000000006", "孙丽", "220103198405160523", "2", new(1984, 5, 16), "220100", "390", "1", 0m, ""),
        ("22010000000000000007", "陈刚", "220105196609090612", "1", new(1966, 9, 9), "220100", "310", "1", 800.00m, ""),
        ("22010000000000000008", "赵敏", "220106197212040749", "2", new(1972, 12, 4), "220100", "390", "1", 0m, "2"),
    ];

    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
        "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "常",
    ];

    private static readonly string[] MaleNameCharacters =
    [
        "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩",
        "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "博", "文", "志", "国", "建", "海", "东", "峰", "成", "亮",
        "振", "德", "庆", "春", "立", "永", "长", "福", "生", "广", "新", "铁", "金", "宏", "晨", "子", "轩", "睿", "泽", "恒",
    ];

    private static readonly string[] FemaleNameCharacters =
    [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂", "英", "秀", "兰", "梅", "琳", "婷", "雪", "慧", "颖",
        "倩", "佳", "欣", "悦", "萍", "红", "玉", "洁", "晶", "凤", "淑", "珍", "华", "丹", "莉", "宁", "妍", "琪", "涵", "思",
        "雨", "璐", "月", "春", "云", "彤", "瑶", "怡", "晓", "文", "美", "秋", "荣", "爱", "亚", "子", "梦", "诗", "可", "欢",
    ];

    private static readonly string[] KoreanSurnames = ["金", "李", "朴", "崔", "郑", "姜", "韩", "全", "玄", "俞"];

    private static readonly string[] KoreanMaleNames = ["明哲", "成浩", "永哲", "光日", "哲洙", "英洙", "东哲", "昌浩", "龙范", "俊植", "世勋", "相宇"];

    private static readonly string[] KoreanFemaleNames = ["春花", "英姬", "美兰", "顺姬", "贞淑", "美玉", "京花", "惠善", "秀贤", "玉子", "恩静", "海燕"];

    /// <summary>Writes a complete reference-data bundle for a demo province into <paramref name="directory"/> (created if missing):
    /// the fixed regions.csv, hospitals.csv, catalogue.csv, policies.json and supplements.json, and persons.csv with the sample's
    /// people and <paramref name="persons"/> generated ones. Deterministic for a given seed.</summary>
    public static void WriteBundle(string directory, int persons = 3000, int seed = 2026)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(persons);
        var tables = TablesDirectory;
        if (Tables.FirstOrDefault(table => !File.Exists(Path.Combine(tables, table))) is { } missing)
            throw new InvalidOperationException($"The demo province's table {missing} is missing from {tables}; it ships with the program.");
        Directory.CreateDirectory(directory);
        foreach (var table in Tables)
            File.Copy(Path.Combine(tables, table), Path.Combine(directory, table), overwrite: true);

        var random = new Random(seed);
        for (var i = 0; i < CatalogueDraws; i++) random.Next(7);
        WriteCsv(Path.Combine(directory, "persons.csv"), "psn_no,psn_name,certno,gend,brdy,insuplc_admdvs,insutype,psn_insu_stas,acct_balc,assistance_type",
            People(random, persons).Select(PersonFields));
    }


    private static IEnumerable<Person> People(Random random, int count)
    {
        var certnos = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in SamplePersons)
        {
            certnos.Add(p.Certno);
            yield return new Person(p.PsnNo, p.Name, p.Certno, p.Gend, p.Birthday, p.Admdvs, p.Insutype, p.Status, p.Balance, p.AssistanceType);
        }

        var totalWeight = Regions.Sum(r => r.Weight);
        for (var i = 0; i < count; i++)
        {
            var region = i < Regions.Length ? Regions[i] : PickRegion(random, totalWeight);
            var male = random.Next(2) == 0;
            var insutype = random.Next(100) < 45 ? "310" : "390";
            var birthday = insutype == "310" ? RandomDate(random, 1950, 2004) : RandomDate(random, 1940, 2020);
            var roll = random.Next(100);
            var status = roll < 95 ? "1" : roll < 98 ? "2" : "4";
            var balance = insutype == "310" ? Math.Round((decimal)Math.Pow(random.NextDouble(), 2) * 8000m, 2) : 0m;
            var name = PersonName(random, region, male);
            var certno = NewCertno(random, region, birthday, male, certnos);
            var psnNo = region.Admdvs + Text(100_001 + i, "D14");
            // 医疗救助: a few per cent of residents, most of them 低保 (1 特困人员 1 %, 2 低保对象 3 %, 3 返贫致贫/监测对象 1 %)
            var assistance = insutype != "390" ? "" : random.Next(100) switch { 0 => "1", < 4 => "2", 4 => "3", _ => "" };
            yield return new Person(psnNo, name, certno, male ? "1" : "2", birthday, region.Admdvs, insutype, status, balance, assistance);
        }
    }

    private static Region PickRegion(Random random, int totalWeight)
    {
        var roll = random.Next(totalWeight);
        foreach (var region in Regions)
        {
            if (roll < region.Weight) return region;
            roll -= region.Weight;
        }
        return Regions[0];
    }

    private static DateOnly RandomDate(Random random, int fromYear, int toYear)
    {
        var first = new DateOnly(fromYear, 1, 1);
        var days = new DateOnly(toYear, 12, 31).DayNumber - first.DayNumber + 1;
        return first.AddDays(random.Next(days));
    }

    private static string PersonName(Random random, Region region, bool male)
    {
        if (region.Admdvs == "222400" && random.Next(100) < 30)
            return Pick(random, KoreanSurnames) + Pick(random, male ? KoreanMaleNames : KoreanFemaleNames);

        var surname = random.Next(100) < 40 ? Surnames[random.Next(CommonSurnameCount)] : Surnames[random.Next(CommonSurnameCount, Surnames.Length)];
        var characters = male ? MaleNameCharacters : FemaleNameCharacters;
        var given = Pick(random, characters);
        if (random.Next(100) < 60)
        {
            var second = Pick(random, characters);
            if (second != given || random.Next(4) == 0) given += second;
        }
        return surname + given;
    }

    private static string NewCertno(Random random, Region region, DateOnly birthday, bool male, HashSet<string> taken)
    {
        var county = Pick(random, region.Counties);
        var date = birthday.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Span<char> first17 = stackalloc char[17];
        while (true)
        {
            var sequence = random.Next(500) * 2 + (male ? 1 : 0);
            var prefix = county + date + Text(sequence, "D3");
            prefix.AsSpan().CopyTo(first17);
            var certno = prefix + IdentityNumber.CheckCharacter(first17);
            if (taken.Add(certno)) return certno;
        }
    }

    private static string[] PersonFields(Person p) =>
    [
        p.PsnNo, p.Name, p.Certno, p.Gend, p.Birthday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        p.Admdvs, p.Insutype, p.Status, p.Insutype == "310" ? Money(p.Balance) : "0", p.AssistanceType,
    ];

    private static void WriteCsv(string path, string header, IEnumerable<string[]> rows)
    {
        using var writer = new StreamWriter(path, append: false, Utf8, bufferSize: 1 << 16);
        writer.Write(header);
        writer.Write('\n');
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) writer.Write(',');
                writer.Write(Quoted(row[i]));
            }
            writer.Write('\n');
        }
    }

    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(NeedsQuoting) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Text(int value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
}