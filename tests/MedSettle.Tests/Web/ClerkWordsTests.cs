using System.Text.Json;
using MedSettle.Transactions;
using MedSettle.Web;

namespace MedSettle.Tests.Web;

/// <summary>
/// How the window words a refusal for the clerk (ClerkWords): chosen by the refusal's code and field, never by matching
/// its sentence; the API's text, with each transaction it names given as where the clerk does it, for anything else.
/// </summary>
public sealed class ClerkWordsTests
{
    /// <summary>The refusal <see cref="Input"/> makes reading <paramref name="read"/> from <paramref name="json"/> (the transaction's input).</summary>
    private static Refusal RefusalReading(string json, Action<Input> read)
    {
        using var document = JsonDocument.Parse(json);
        return Assert.Throws<Refusal>(() => read(new Input(document.RootElement, "input")));
    }

    private const string TwoLines = """{"feedetail":[{"pric":"50.00","cnt":"1"},{"pric":"abc","cnt":"1.5"}]}""";

    [Fact]
    public void A_bill_line_value_that_is_no_number_is_named_by_its_line_on_screen_and_its_column()
    {
        var refusal = RefusalReading(TwoLines, input => input.Array("feedetail")[1].Decimal("pric"));

        Assert.Equal("字段 input.feedetail[1].pric 的值 \"abc\" 不是有效的数值", refusal.Message);
        Assert.Equal(RefusalCode.FieldInvalid, refusal.Code);
        Assert.Equal(new InputField("input.feedetail", 1, "pric"), refusal.Field);
        Assert.Equal("input.feedetail[1].pric", refusal.Field!.Path);
        Assert.Equal((FieldKind.Number, "abc"), (refusal.Kind!.Value, refusal.Value));
        Assert.Equal("第 2 行的单价“abc”不是有效的数值，请核对后重新填写", ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_count_with_a_fraction_is_asked_for_as_a_whole_number()
    {
        var refusal = RefusalReading(TwoLines, input => input.Array("feedetail")[1].Count("cnt"));

        Assert.Equal((RefusalCode.FieldInvalid, FieldKind.Count), (refusal.Code, refusal.Kind!.Value));
        Assert.Equal("第 2 行的数量“1.5”应为不小于 0 的整数，请核对后重新填写", ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_missing_visit_field_is_asked_for_by_its_label()
    {
        var refusal = RefusalReading("""{"data":{"psn_no":"1"}}""", input => input.Node("data").Time("begntime"));

        Assert.Equal("缺少必填字段 input.data.begntime", refusal.Message);
        Assert.Equal((RefusalCode.FieldMissing, FieldKind.Time), (refusal.Code, refusal.Kind!.Value));
        Assert.Equal("就诊时间未填写，请填写后重新提交", ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_visit_time_that_is_no_time_says_what_one_looks_like()
    {
        var refusal = RefusalReading("""{"dscginfo":{"endtime":"明天"}}""", input => input.Node("dscginfo").Time("endtime"));

        Assert.Equal("字段 input.dscginfo.endtime 的值 \"明天\" 不是时间（格式 yyyy-MM-dd HH:mm:ss）", refusal.Message);
        Assert.Equal("出院时间“明天”不是有效的时间（如 2026-03-15 09:30），请核对后重新填写", ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_field_the_window_has_no_label_for_keeps_the_api_text()
    {
        var missing = RefusalReading("""{"data":{}}""", input => input.Node("data").Text("psn_no"));
        var noNode = RefusalReading("""{"data":{}}""", input => input.Array("feedetail"));

        Assert.Equal((RefusalCode.FieldMissing, new InputField("input.data", null, "psn_no")), (missing.Code, missing.Field));
        Assert.Equal("缺少必填字段 input.data.psn_no", ClerkWords.ForClerk(missing));
        Assert.Equal((RefusalCode.FieldMissing, FieldKind.Array), (noNode.Code, noNode.Kind!.Value));
        Assert.Equal("缺少输入节点 input.feedetail（应为数组）", ClerkWords.ForClerk(noNode));
    }

    [Fact]
    public void A_sentence_that_reads_like_a_field_refusal_is_not_reworded_without_the_code()
    {
        const string Text = "字段 input.feedetail[0].pric 的值 \"abc\" 不是有效的数值";

        Assert.Equal(Text, ClerkWords.ForClerk(new Refusal(Text)));
        Assert.Equal(Text, ClerkWords.ForClerk(Text));
    }

    [Fact]
    public void A_stay_settled_before_discharge_names_the_button_and_the_box_not_the_transaction_and_the_flag()
    {
        var refusal = new Refusal("就诊 M1 尚未办理出院，出院结算前须先办理出院（2402）；中途结算请传 mid_setl_flag = 1")
        {
            Code = RefusalCode.NotDischarged, Field = new InputField("input.data", null, "mid_setl_flag"), Value = "M1", Resolves = "2402",
        };

        Assert.Equal("尚未办理出院：出院结算前须先办理出院（在就诊页点击“办理出院”）；如需不出院先结算，请勾选“中途结算（未出院）”后重新预结算",
            ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_visit_no_filing_covers_names_where_the_clerk_files()
    {
        var refusal = new Refusal("人员 P1 在本院没有覆盖 2026-03-15 的有效异地急诊备案，请先办理备案（2551）后再结算")
        {
            Code = RefusalCode.FilingRequired, Value = "2026-03-15", Resolves = "2551",
        };

        Assert.Equal("该参保人在本院没有覆盖 2026-03-15 的有效异地急诊备案，请先办理备案（在收费窗口点击“备案并核定”）后再结算", ClerkWords.ForClerk(refusal));
    }

    [Fact]
    public void A_visit_time_ahead_of_now_and_a_total_that_differs_from_the_bill_are_said_without_field_names()
    {
        var future = new Refusal("input.data.begntime 2026-03-16 09:00:00 晚于当前时间 2026-03-15 10:00:00：挂号只能在患者到院后办理，请核对开始时间")
        {
            Code = RefusalCode.InTheFuture, Field = new InputField("input.data", null, "begntime"), Kind = FieldKind.Time, Value = "2026-03-16 09:00:00",
        };
        var total = new Refusal("医疗费总额 medfee_sumamt 60.00 与已上传的费用明细合计 50.00 不一致，请核对明细后重新结算")
        {
            Code = RefusalCode.TotalMismatch, Field = new InputField("input.data", null, "medfee_sumamt"), Value = "60.00",
        };

        Assert.Equal("就诊时间“2026-03-16 09:00:00”晚于当前时间，请核对后重新填写", ClerkWords.ForClerk(future));
        Assert.Equal("医疗费总额 60.00 与已上传的费用明细合计不一致：费用明细已有变化，请重新预结算，核对后再确认结算", ClerkWords.ForClerk(total));
    }

    [Fact]
    public void Text_without_a_code_keeps_its_words_and_gives_each_transaction_it_names_as_where_the_clerk_does_it()
    {
        Assert.Equal("可先就诊，结算前须办理备案（在收费窗口点击“备案并核定”）", ClerkWords.ForClerk("可先就诊，结算前须办理备案（2551）"));
        Assert.Equal("已用于另一笔交易（9101）", ClerkWords.ForClerk("已用于另一笔交易（9101）")); // no button does 9101
        Assert.Equal("就诊 M1 已出院结算（S1），须先撤销结算（在结算单上点击“撤销结算”）才能撤销出院",
            ClerkWords.ForClerk(new Refusal("就诊 M1 已出院结算（S1），须先撤销结算（2305）才能撤销出院")));
        Assert.Equal("未找到就诊 M9（或不属于本机构）", ClerkWords.ForClerk(Refusal.NotFound("就诊", "M9")));
    }
}
