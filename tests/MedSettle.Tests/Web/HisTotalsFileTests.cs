using System.Text;
using MedSettle.Web;

namespace MedSettle.Tests.Web;

/// <summary>The day's totals file a hospital's system exports for 对总账, read as the window reads it (no database involved).</summary>
public sealed class HisTotalsFileTests
{
    private const string Day = "2026-03-15";
    private static readonly Dictionary<string, string> Regions = new() { ["220100"] = "长春市", ["220200"] = "吉林市" };
    private static readonly Encoding Gbk = CodePagesEncodingProvider.Instance.GetEncoding(936)!;

    private static (IReadOnlyList<HisTotals> Rows, IReadOnlyList<string> Problems) Read(string text, Encoding? encoding = null, bool byteOrderMark = false) =>
        HisTotalsFile.Read([.. byteOrderMark ? Encoding.UTF8.GetPreamble() : [], .. (encoding ?? Encoding.UTF8).GetBytes(text)], Day, Regions);

    [Fact]
    public void A_GBK_file_with_Chinese_headers_in_another_order_and_names_for_codes_is_read()
    {
        var text = "医疗费总额,清算机构,险种,个人账户,备注,清算类别,基金支付,笔数\r\n"
                   + "\"1,605.35\",长春市,职工基本医疗保险,445.90,急诊,门诊,159.45,2\r\n"
                   + "958.76,220200,390,0,,21,160.93,1\r\n";
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(Gbk.GetBytes(text))); // really not UTF-8

        var (rows, problems) = Read(text, Gbk);

        Assert.Empty(problems);
        Assert.Equal(
        [
            new HisTotals(2, "310", "11", "220100", 2, 1605.35m, 159.45m, 445.90m),
            new HisTotals(3, "390", "21", "220200", 1, 958.76m, 160.93m, 0m),
        ], rows);
    }

    [Fact]
    public void A_UTF8_file_with_a_byte_order_mark_and_the_national_field_names_is_read()
    {
        var (rows, problems) = Read(
            "insutype,clr_type,setl_optins,stmt_begndate,stmt_enddate,fixmedins_setl_cnt,medfee_sumamt,fund_pay_sumamt,acct_pay\n"
            + "310,11,220100,2026-03-15,2026-03-15,-1,-50.00,-32.50,0\n", byteOrderMark: true);

        Assert.Empty(problems);
        Assert.Equal(new HisTotals(2, "310", "11", "220100", -1, -50.00m, -32.50m, 0m), Assert.Single(rows));
        Assert.Equal(2, Read("险种,清算类别,清算机构,setl_cnt,医疗费总额（元）,基金支付,个人账户\n310,11,220100,1,50,0,0\n").Rows.Single().Line);
    }

    [Fact]
    public void A_missing_column_is_named_and_no_row_is_taken()
    {
        var (rows, problems) = Read("险种,清算类别,清算机构,笔数,医疗费总额,个人账户\n310,11,220100,1,50.00,0\n");

        Assert.Empty(rows);
        Assert.Equal("第 1 行（表头）：缺少“基金支付”列（可写作 fund_pay_sumamt、基金支付、基金支付总额）", Assert.Single(problems));
    }

    [Fact]
    public void Bad_values_and_a_line_that_does_not_fit_the_header_are_named_by_line_and_column_and_refuse_the_whole_file()
    {
        var (rows, problems) = Read(
            "险种,清算类别,清算机构,笔数,医疗费总额,基金支付,个人账户\n"
            + "310,11,220100,1,50.00,32.50,0\n"
            + "310,11,220200,1,5O.00,32.50,0\n"
            + "390,11,220100,1.5,50.001,0,0\n"
            + "310,11,220100,1,1,520.50,0,0\n"
            + "399,13,松原,1,0,0,0\n"
            + "310,门诊,长春市,2,0,0,0\n");

        Assert.Empty(rows);
        Assert.Equal(
        [
            "第 3 行“医疗费总额”列：“5O.00”不是金额（元，最多两位小数，如 1520.50）",
            "第 4 行“笔数”列：“1.5”不是笔数（整数，撤销多于结算时可为负数）",
            "第 4 行“医疗费总额”列：“50.001”不是金额（元，最多两位小数，如 1520.50）",
            "第 5 行：有 8 个字段，表头有 7 个（含逗号的数值请加引号，如 \"1,520.50\"）",
            "第 6 行“险种”列：“399”不是险种（310 职工基本医疗保险 或 390 城乡居民基本医疗保险）",
            "第 6 行“清算类别”列：“13”不是清算类别（11 门诊 或 21 住院）",
            "第 6 行“清算机构”列：“松原”不是清算机构（6 位医保区划代码，如 220100，或统筹区名称，如 长春市）",
            "第 7 行：与第 2 行是同一组（职工基本医疗保险、门诊、清算机构 220100），每组只能有一行",
        ], problems);
    }

    [Fact]
    public void A_file_of_another_day_an_empty_file_and_bytes_that_are_not_text_are_refused()
    {
        Assert.Equal("第 2 行“对账开始日期”列：日期 2026-03-14 不是所查看的日期 2026-03-15：请先在上方选择该日期，或导入 2026-03-15 的文件",
            Assert.Single(Read("对账开始日期,险种,清算类别,清算机构,笔数,医疗费总额,基金支付,个人账户\n2026-03-14,310,11,220100,1,50,0,0\n").Problems));
        Assert.StartsWith("文件是空的", Assert.Single(Read("\n\n").Problems));
        Assert.Equal("文件只有表头，没有数据行", Assert.Single(Read("险种,清算类别,清算机构,笔数,医疗费总额,基金支付,个人账户\n").Problems));
        Assert.StartsWith("文件不是 UTF-8 或 GBK/GB18030 编码的文本", Assert.Single(HisTotalsFile.Read([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF], Day, Regions).Problems));
    }
}
