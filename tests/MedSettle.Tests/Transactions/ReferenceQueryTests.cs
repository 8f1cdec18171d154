using System.Text.Json;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 1201 医疗机构信息获取 and 1901 字典表查询 over HTTP: the province's hospitals, and the code tables of what the platform
/// reads and answers, in the variants real clients send.
/// </summary>
public abstract class ReferenceQueryTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private static JsonElement[] Items(Reply reply, string node) => [.. reply.ShouldSucceed().Output.GetProperty(node).EnumerateArray()];

    private static string Text(JsonElement item, string field) => item.GetProperty(field).GetString()!;

    [Fact]
    public async Task Institution_query_finds_hospitals_by_code_name_and_type_in_each_node_clients_use()
    {
        var found = Items(await His.CallAsync("1201", new { medinsinfo = new { fixmedins_type = "1", fixmedins_code = WorkedExampleTests.Yanbian } }), "medinsinfo").Single();
        Assert.Equal((WorkedExampleTests.Yanbian, "延边示例医院", "1", "3", "222400", "1"),
            (Text(found, "fixmedins_code"), Text(found, "fixmedins_name"), Text(found, "fixmedins_type"), Text(found, "hosp_lv"), Text(found, "admdvs"),
                Text(found, "cross_region_flag")));
        Assert.Equal(JsonValueKind.Null, found.GetProperty("uscc").ValueKind);

        Assert.Equal(["H22020000001", "H22020000002"], Items(await His.CallAsync("1201", new { data = new { fixmedins_name = "吉林市" } }), "medinsinfo")
            .Select(h => Text(h, "fixmedins_code")));
        Assert.Equal("0", Text(Items(await His.CallAsync("1201", new { fixmedins_code = "H22010000002" }), "medinsinfo").Single(), "cross_region_flag"));
        Assert.Equal(6, Items(await His.CallAsync("1201", new { medinsinfo = new { fixmedins_type = "1" } }), "medinsinfo").Length);
        Assert.Equal(6, Items(await His.CallAsync("1201", new { data = new[] { new { fixmedins_type = "1" } } }), "medinsinfo").Length);
    }

    [Fact]
    public async Task Institution_query_of_no_such_hospital_or_a_pharmacy_is_empty_and_a_bad_type_is_refused_by_name()
    {
        Assert.Equal("[]", (await His.CallAsync("1201", new { medinsinfo = new { fixmedins_code = "H00000000000" } })).ShouldSucceed().Output.GetProperty("medinsinfo").GetRawText());
        Assert.Equal("[]", (await His.CallAsync("1201", new { medinsinfo = new { fixmedins_type = "2" } })).ShouldSucceed().Output.GetProperty("medinsinfo").GetRawText());
        Assert.Equal("[]", (await His.CallAsync("1201", new { medinsinfo = new { fixmedins_name = "上海" } })).ShouldSucceed().Output.GetProperty("medinsinfo").GetRawText());

        (await His.CallAsync("1201", new { medinsinfo = new { fixmedins_type = "医院" } })).ShouldFail("字段 input.medinsinfo.fixmedins_type 的值 \"医院\" 不是定点医药机构类型代码");
    }

    [Fact]
    public async Task Institution_query_answers_every_hospital_alike_what_hospitals_csv_says()
    {
        var asked = await His.CallAsync("1201", new { medinsinfo = new { fixmedins_type = "1" } });
        var askedByAnother = await new His(Platform, WorkedExampleTests.Yanbian).CallAsync("1201", new { medinsinfo = new { fixmedins_type = "1" } });

        Assert.Equal(asked.ShouldSucceed().Output.GetRawText(), askedByAnother.ShouldSucceed().Output.GetRawText());
    }

    [Fact]
    public async Task Dictionary_query_answers_a_type_s_codes_and_every_dictionary_without_one()
    {
        var medTypes = Items(await His.CallAsync("1901", new { data = new { type = "med_type", admdvs = "220200", date = "2026-03-15" } }), "list");
        Assert.Equal([("med_type", "13", "急诊", 1), ("med_type", "24", "急诊转住院", 2)],
            medTypes.Select(e => (Text(e, "type"), Text(e, "value"), Text(e, "label"), e.GetProperty("sort").GetInt32())));
        Assert.All(medTypes, e => Assert.Equal("1", Text(e, "vali_flag")));

        var all = Items(await His.CallAsync("1901", new { data = new { } }), "list");
        var types = all.Select(e => Text(e, "type")).Distinct().ToList();
        foreach (var type in new[] { "insutype", "med_type", "fund_pay_type", "psn_idet_type", "clr_type", "psn_type", "chrgitm_lv", "list_type",
                     "med_chrgitm_type", "mdtrt_cert_type", "psn_setlway", "cum_type_code", "hosp_lv", "admdvs" })
            Assert.Contains(type, types);
        Assert.Contains(all, e => Text(e, "type") == "admdvs" && Text(e, "value") == "220100" && Text(e, "label") == "长春市");
        Assert.Contains(all, e => Text(e, "type") == "cum_type_code" && Text(e, "value") == "Q0000");

        // the funds under a scheme; vali_flag spelled as clients spell it
        Assert.Equal(["310100", "330100"], Items(await His.CallAsync("1901", new { data = new { type = "fund_pay_type", parentValue = "310", valiFlag = "1" } }), "list")
            .Select(e => Text(e, "value")));
        Assert.Empty(Items(await His.CallAsync("1901", new { data = new { type = "insutype", vali_Flag = "0" } }), "list"));
    }

    [Fact]
    public async Task Every_code_a_settlement_answers_is_in_the_dictionary()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var uploaded = (await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = mdtrtId } })).ShouldSucceed();
        var dictionary = Items(await His.CallAsync("1901", new { }), "list").Select(e => (Text(e, "type"), Text(e, "value"))).ToHashSet();

        var setlinfo = settled.Output.GetProperty("setlinfo");
        foreach (var field in new[] { "insutype", "med_type", "clr_type", "clr_way", "psn_type", "psn_cert_type", "mdtrt_cert_type", "gend", "mid_setl_flag", "refd_setl_flag" })
            Assert.Contains((field, Text(setlinfo, field)), dictionary);
        Assert.Contains(("admdvs", Text(setlinfo, "clr_optins")), dictionary);
        foreach (var detail in settled.Output.GetProperty("setldetail").EnumerateArray())
            Assert.Contains(("fund_pay_type", Text(detail, "fund_pay_type")), dictionary);
        foreach (var line in uploaded.Output.GetProperty("feedetail").EnumerateArray())
        {
            Assert.Contains(("chrgitm_lv", Text(line, "chrgitm_lv")), dictionary);
            Assert.Contains(("med_chrgitm_type", Text(line, "med_chrgitm_type")), dictionary);
        }
    }

    [Fact]
    public async Task Dictionary_query_of_an_unknown_type_is_empty_and_says_which_there_are_and_a_bad_field_is_refused_by_name()
    {
        var unknown = (await His.CallAsync("1901", new { data = new { type = "dscg_way" } })).ShouldSucceed();
        Assert.Equal("[]", unknown.Output.GetProperty("list").GetRawText());
        Assert.Contains("本平台没有字典类型 dscg_way", unknown.WarnMsg);
        Assert.Contains("insutype、med_type", unknown.WarnMsg);

        (await His.CallAsync("1901", new { data = new { type = "med_type", vali_flag = "Y" } })).ShouldFail("字段 input.data.vali_flag 的值 \"Y\" 不是有效标志");
        (await His.CallAsync("1901", new { data = new { type = "med_type", date = "15/03/2026" } })).ShouldFail("字段 input.data.date 的值 \"15/03/2026\" 不是日期");
    }
}

public sealed class ReferenceQueryTests_Sqlite() : ReferenceQueryTests(new SqliteTarget());

public sealed class ReferenceQueryTests_Postgres() : ReferenceQueryTests(new PostgresTarget());
