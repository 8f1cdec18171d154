using System.Globalization;
using System.Text;
using nietras.SeparatedValues;

namespace MedSettle.Web;

/// <summary>One group's day totals as the hospital's own system (HIS) has them: the input of one 对总账 (3201).</summary>
public sealed record HisTotals(long Line, string Insutype, string ClrType, string SetlOptins, long Count, decimal Medfee, decimal Fund, decimal Acct)
{
    public string Key => $"{Insutype}/{ClrType}/{SetlOptins}";
}

/// <summary>
/// The day's totals file a HIS exports for 对总账: CSV in UTF-8 (with or without a byte order mark) or GB18030/GBK, as
/// Chinese desktop software often saves it; columns found by header, 3201's field names or their Chinese names, in any
/// order, unknown columns ignored. A file is taken whole or refused whole, each problem named by line and column in the
/// clerk's words.
/// </summary>
public static class HisTotalsFile
{
    /// <summary>The largest file taken: a day's groups are a few dozen lines (2 schemes × 2 types × the pooling regions).</summary>
    public const int MaxBytes = 64 * 1024;

    public const int MaxRows = 200;
    private const int MaxProblems = 20;

    /// <summary>The size limit in the clerk's words, for a file of <paramref name="bytes"/> bytes.</summary>
    public static string TooLarge(long bytes) =>
        $"文件过大（{bytes / 1024.0:0.#} KB），对总账文件不能超过 {MaxBytes / 1024} KB：请确认选择的是本院系统（HIS）导出的当日对总账合计文件";

    private sealed record Column(string Field, string Name, bool Required, params string[] Headers);

    private static readonly Column[] Columns =
    [
        new("insutype", "险种", true, "insutype", "险种", "险种类型", "险种编码"),
        new("clr_type", "清算类别", true, "clr_type", "清算类别", "清算类型"),
        new("setl_optins", "清算机构", true, "setl_optins", "clr_optins", "清算机构", "清算经办机构", "参保地"),
        new("fixmedins_setl_cnt", "笔数", true, "fixmedins_setl_cnt", "setl_cnt", "笔数", "结算笔数"),
        new("medfee_sumamt", "医疗费总额", true, "medfee_sumamt", "医疗费总额", "医疗费用总额"),
        new("fund_pay_sumamt", "基金支付", true, "fund_pay_sumamt", "基金支付", "基金支付总额", "基金支付金额"),
        new("acct_pay", "个人账户", true, "acct_pay", "个人账户", "个人账户支出", "个人账户支付"),
        new("stmt_begndate", "对账开始日期", false, "stmt_begndate", "对账开始日期", "开始日期"),
        new("stmt_enddate", "对账结束日期", false, "stmt_enddate", "对账结束日期", "结束日期"),
    ];

    /// <summary>GB18030 (a superset of GBK and GB2312), strict: bytes that are not GB18030 either are refused, not guessed.</summary>
    private static readonly Encoding Gb18030 =
        CodePagesEncodingProvider.Instance.GetEncoding(54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The rows of <paramref name="bytes"/> for the day <paramref name="day"/>, or the problems that refuse the file.
    /// <paramref name="regions"/> (code → name) lets a clearing agency be written by name (长春市) as well as by code.
    /// </summary>
    public static (IReadOnlyList<HisTotals> Rows, IReadOnlyList<string> Problems) Read(byte[] bytes, string day, IReadOnlyDictionary<string, string> regions)
    {
        if (Decode(bytes) is not { } text)
            return ([], ["文件不是 UTF-8 或 GBK/GB18030 编码的文本（CSV），无法读取：请在本院系统（HIS）中导出为 CSV 文件后再导入"]);
        var problems = new List<string>();
        var rows = new List<HisTotals>();
        var byName = regions.GroupBy(r => r.Value).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Key, StringComparer.Ordinal);
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true, Trim = SepTrim.Outer }).FromText(text);
        Dictionary<string, int>? index = null;
        var width = 0;
        var firstLineOf = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in reader)
        {
            var line = row.LineNumberFrom;
            if (row.ColCount == 1 && row[0].Span.IsEmpty) continue; // a blank line
            if (index is null)
            {
                width = row.ColCount;
                index = Header(row, problems);
                if (index is null) return ([], problems);
                continue;
            }
            if (rows.Count >= MaxRows)
                return ([], [$"文件超过 {MaxRows} 行数据：对总账文件每个险种、清算类别和清算机构一行，请确认选择的是当日对总账合计文件"]);
            if (row.ColCount != width)
            {
                problems.Add($"第 {line} 行：有 {row.ColCount} 个字段，表头有 {width} 个（含逗号的数值请加引号，如 \"1,520.50\"）");
            }
            else
            {
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (field, column) in index) values[field] = row[column].ToString();
                if (ReadRow(line, values, day, byName, problems) is { } totals)
                {
                    if (firstLineOf.TryGetValue(totals.Key, out var first))
                        problems.Add($"第 {line} 行：与第 {first} 行是同一组（{Formats.InsutypeName(totals.Insutype)}、{ClrTypeName(totals.ClrType)}、清算机构 {totals.SetlOptins}），每组只能有一行");
                    else
                    {
                        firstLineOf[totals.Key] = line;
                        rows.Add(totals);
                    }
                }
            }
            if (problems.Count >= MaxProblems) break;
        }
        if (index is null) problems.Add("文件是空的：第 1 行应为表头（险种、清算类别、清算机构、笔数、医疗费总额、基金支付、个人账户）");
        else if (rows.Count == 0 && problems.Count == 0) problems.Add("文件只有表头，没有数据行");
        return problems.Count > 0 ? ([], problems) : (rows, []);
    }

    public static string ClrTypeName(string clrType) => clrType == "21" ? "住院" : "门诊";

    /// <summary>The text of the file: UTF-8 (a byte order mark skipped), UTF-16 with its byte order mark, else GB18030; null when none fits.</summary>
    private static string? Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith("\uFEFF"u8)) return Strict(StrictUtf8, bytes, 3);
        if (bytes.AsSpan().StartsWith((byte[])[0xFF, 0xFE])) return Strict(new UnicodeEncoding(false, false, true), bytes, 2);
        if (bytes.AsSpan().StartsWith((byte[])[0xFE, 0xFF])) return Strict(new UnicodeEncoding(true, false, true), bytes, 2);
        return Strict(StrictUtf8, bytes, 0) ?? Strict(Gb18030, bytes, 0);
    }

    private static string? Strict(Encoding encoding, byte[] bytes, int start)
    {
        try
        {
            var text = encoding.GetString(bytes, start, bytes.Length - start);
            return text.Contains('\0') ? null : text;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static string Normalized(string header) =>
        header.Trim().Replace(" ", "").Replace("（元）", "").Replace("(元)", "").ToLowerInvariant();

    /// <summary>Where each field's column is; null (with the problems) when a required one is missing or one is given twice.</summary>
    private static Dictionary<string, int>? Header(SepReader.Row header, List<string> problems)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.ColCount; i++)
        {
            var name = Normalized(header[i].ToString());
            if (Columns.FirstOrDefault(c => c.Headers.Contains(name)) is not { } column) continue;
            if (index.TryGetValue(column.Field, out var earlier))
                problems.Add($"第 1 行（表头）：第 {earlier + 1} 列和第 {i + 1} 列都是“{column.Name}”，请只保留一列");
            else index[column.Field] = i;
        }
        foreach (var missing in Columns.Where(c => c.Required && !index.ContainsKey(c.Field)))
            problems.Add($"第 1 行（表头）：缺少“{missing.Name}”列（可写作 {string.Join("、", missing.Headers.Take(3))}）");
        return problems.Count > 0 ? null : index;
    }

    private static HisTotals? ReadRow(long line, Dictionary<string, string> values, string day, Dictionary<string, string> regionsByName, List<string> problems)
    {
        var before = problems.Count;
        void Problem(string field, string message) => problems.Add($"第 {line} 行“{Columns.Single(c => c.Field == field).Name}”列：{message}");

        var insutypeText = values["insutype"];
        var insutype = insutypeText switch
        {
            "310" or "职工基本医疗保险" or "职工医保" => "310",
            "390" or "城乡居民基本医疗保险" or "居民医保" => "390",
            _ => null,
        };
        if (insutype is null) Problem("insutype", $"“{insutypeText}”不是险种（310 职工基本医疗保险 或 390 城乡居民基本医疗保险）");

        var clrTypeText = values["clr_type"];
        var clrType = clrTypeText switch
        {
            "11" or "门诊" or "急诊门诊" => "11",
            "21" or "住院" or "急诊转住院" => "21",
            _ => null,
        };
        if (clrType is null) Problem("clr_type", $"“{clrTypeText}”不是清算类别（11 门诊 或 21 住院）");

        var optinsText = values["setl_optins"];
        var optins = optinsText.Length == 6 && optinsText.All(char.IsAsciiDigit) ? optinsText : regionsByName.GetValueOrDefault(optinsText);
        if (optins is null) Problem("setl_optins", $"“{optinsText}”不是清算机构（6 位医保区划代码，如 220100，或统筹区名称，如 长春市）");

        long count = 0;
        if (!long.TryParse(values["fixmedins_setl_cnt"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count) || Math.Abs(count) > 1_000_000_000)
            Problem("fixmedins_setl_cnt", $"“{values["fixmedins_setl_cnt"]}”不是笔数（整数，撤销多于结算时可为负数）");

        decimal Amount(string field)
        {
            var text = values[field];
            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var amount)
                && decimal.Round(amount, 2) == amount && Math.Abs(amount) < 1_000_000_000_000m)
                return amount;
            Problem(field, text.Length == 0 ? "未填写金额" : $"“{text}”不是金额（元，最多两位小数，如 1520.50）");
            return 0;
        }
        var medfee = Amount("medfee_sumamt");
        var fund = Amount("fund_pay_sumamt");
        var acct = Amount("acct_pay");

        foreach (var field in new[] { "stmt_begndate", "stmt_enddate" })
        {
            if (!values.TryGetValue(field, out var text)) continue;
            var normalized = DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyyMMdd", "yyyy/M/d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date.ToText() : null;
            if (normalized is null) Problem(field, $"“{text}”不是日期（年-月-日，如 {day}）");
            else if (normalized != day) Problem(field, $"日期 {normalized} 不是所查看的日期 {day}：请先在上方选择该日期，或导入 {day} 的文件");
        }
        return problems.Count == before ? new HisTotals(line, insutype!, clrType!, optins!, count, medfee, fund, acct) : null;
    }
}
