using System.Text.Json;
using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 5201 就诊信息查询, 5203 结算信息查询 and 5204 费用明细查询 over HTTP: a hospital asks about its own visits and settlements
/// (DESIGN.md's worked example settled first) and learns nothing of another hospital's.
/// </summary>
public abstract class VisitQueryTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private His Yanbian => new(Platform, WorkedExampleTests.Yanbian);

    /// <summary>张伟's first visit of the year at 吉林市示例中心医院, settled: its mdtrt_id and 2207's answer.</summary>
    private async Task<(string MdtrtId, Reply Settled)> SettledFirstVisitAsync()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        return (mdtrtId, settled);
    }

    private static JsonElement[] Items(Reply reply, string node) => [.. reply.Output.GetProperty(node).EnumerateArray()];

    private static string Text(JsonElement item, string field) => item.GetProperty(field).GetString()!;

    private static decimal Amount(JsonElement item, string field) => item.GetProperty(field).GetDecimal();

    [Fact]
    public async Task Visit_query_lists_the_persons_visits_at_this_hospital_with_what_they_were()
    {
        var (first, _) = await SettledFirstVisitAsync();
        var second = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 14:00:00", "MZ-Q-2")).ShouldSucceed().Text("data", "mdtrt_id");

        var visits = Items((await His.CallAsync("5201", new { data = new { psn_no = ZhangWei } })).ShouldSucceed(), "mdtrtinfo");

        Assert.Equal([first, second], visits.Select(v => Text(v, "mdtrt_id")));
        var visit = visits[0];
        Assert.Equal((ZhangWei, "310", "220100", "13"), (Text(visit, "psn_no"), Text(visit, "insutype"), Text(visit, "insuplc_admdvs"), Text(visit, "med_type")));
        Assert.Equal(("2026-03-15 09:00:00", JilinCentral, "急诊科", "李医生"),
            (Text(visit, "begntime"), Text(visit, "fixmedins_code"), Text(visit, "adm_dept_name"), Text(visit, "chfpdr_name")));
        Assert.Equal(("J18.9", "1"), (Text(visit, "dise_codg"), Text(visit, "vali_flag")));
        Assert.StartsWith("B", Text(visit, "trt_dcla_detl_sn"));
        Assert.Equal(JsonValueKind.Null, visit.GetProperty("inhosp_stas").ValueKind);
        // it names the visit, never the person: no name, no identity number
        Assert.False(visit.TryGetProperty("psn_name", out _));
        Assert.False(visit.TryGetProperty("certno", out _));

        // filters: the visit asked for; a period (a bare endtime takes in its whole day); a medical type
        Assert.Equal([second], Items((await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, mdtrt_id = second } })).ShouldSucceed(), "mdtrtinfo")
            .Select(v => Text(v, "mdtrt_id")));
        Assert.Equal(2, Items((await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, begntime = "2026-03-15", endtime = "2026-03-15" } }))
            .ShouldSucceed(), "mdtrtinfo").Length);
        Assert.Equal([second], Items((await His.CallAsync("5201", new { psn_no = ZhangWei, begntime = "2026-03-15 12:00:00", endtime = "2026-03-31 00:00:00" }))
            .ShouldSucceed(), "mdtrtinfo").Select(v => Text(v, "mdtrt_id")));
        Assert.Empty(Items((await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, med_type = "24" } })).ShouldSucceed(), "mdtrtinfo"));
        // data sent as a one-element list, as some clients send it
        Assert.Equal(2, Items((await His.CallAsync("5201", new { data = new[] { new { psn_no = ZhangWei } } })).ShouldSucceed(), "mdtrtinfo").Length);
        // a cancelled registration is no visit
        (await His.CallAsync("2202", new { data = new { mdtrt_id = second, psn_no = ZhangWei } })).ShouldSucceed();
        Assert.Equal([first], Items((await His.CallAsync("5201", new { data = new { psn_no = ZhangWei } })).ShouldSucceed(), "mdtrtinfo").Select(v => Text(v, "mdtrt_id")));
    }

    [Fact]
    public async Task Visit_query_shows_an_admission_in_hospital_and_after_discharge()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        (await Yanbian.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var admission = (await Yanbian.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY-Q-1")).ShouldSucceed().Text("result", "mdtrt_id");

        var inHospital = Items((await Yanbian.CallAsync("5201", new { data = new { psn_no = WangFang } })).ShouldSucceed(), "mdtrtinfo").Single();
        Assert.Equal(("24", "1", "ZY-Q-1"), (Text(inHospital, "med_type"), Text(inHospital, "inhosp_stas"), Text(inHospital, "ipt_otp_no")));
        Assert.Equal(JsonValueKind.Null, inHospital.GetProperty("endtime").ValueKind);

        (await Yanbian.DischargeAsync(admission, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        var discharged = Items((await Yanbian.CallAsync("5201", new { data = new { psn_no = WangFang, med_type = "24" } })).ShouldSucceed(), "mdtrtinfo").Single();
        Assert.Equal(("0", 1, "2026-03-15 09:00:00"), (Text(discharged, "inhosp_stas"), discharged.GetProperty("ipt_days").GetInt32(), Text(discharged, "endtime")));
    }

    [Fact]
    public async Task Visit_query_of_a_person_with_no_visit_here_is_an_empty_list_and_another_hospital_sees_none_of_ours()
    {
        var (first, _) = await SettledFirstVisitAsync();

        Assert.Equal("[]", (await His.CallAsync("5201", new { data = new { psn_no = WangFang } })).ShouldSucceed().Output.GetProperty("mdtrtinfo").GetRawText());
        var asked = (await Yanbian.CallAsync("5201", new { data = new { psn_no = ZhangWei } })).ShouldSucceed();
        Assert.Equal("[]", asked.Output.GetProperty("mdtrtinfo").GetRawText());
        var byId = (await Yanbian.CallAsync("5201", new { data = new { psn_no = ZhangWei, mdtrt_id = first } })).ShouldSucceed();
        Assert.Equal("[]", byId.Output.GetProperty("mdtrtinfo").GetRawText());
    }

    [Fact]
    public async Task Visit_query_refuses_a_bad_field_by_its_name()
    {
        (await His.CallAsync("5201", new { data = new { begntime = "2026-03-01" } })).ShouldFail("缺少必填字段 input.data.psn_no");
        (await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, begntime = "2026/03/01" } })).ShouldFail("字段 input.data.begntime 的值 \"2026/03/01\" 不是时间");
        (await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, begntime = "2026-03-15", endtime = "2026-03-01" } }))
            .ShouldFail("input.data.endtime 2026-03-01 23:59:59 早于 input.data.begntime 2026-03-15 00:00:00");
        (await His.CallAsync("5201", new { data = new { psn_no = ZhangWei, med_type = "急诊" } })).ShouldFail("字段 input.data.med_type 的值 \"急诊\" 不是医疗类别代码");
        (await His.CallAsync("5201", new { data = new[] { new { psn_no = ZhangWei }, new { psn_no = WangFang } } })).ShouldFail("输入节点 input.data 应为一个对象");
    }

    [Fact]
    public async Task Settlement_query_answers_exactly_what_the_settlement_answered_and_audits_the_read()
    {
        var (mdtrtId, settled) = await SettledFirstVisitAsync();
        var setlId = settled.Text("setlinfo", "setl_id");
        var readsBefore = (await ReadsAsync("5203 结算信息查询")).Select(r => r.Id).ToList();

        var queried = (await His.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = setlId, mdtrt_id = mdtrtId } })).ShouldSucceed();

        Assert.Equal(settled.Output.GetProperty("setlinfo").GetRawText(), queried.Output.GetProperty("setlinfo").GetRawText());
        Assert.Equal(settled.Output.GetProperty("setldetail").GetRawText(), queried.Output.GetProperty("setldetail").GetRawText());
        Assert.Equal(159.45m, queried.Money("setlinfo", "hifp_pay"));
        Assert.Equal("220102********0110", queried.Text("setlinfo", "certno"));
        var read = Assert.Single(await ReadsAsync("5203 结算信息查询"), r => !readsBefore.Contains(r.Id));
        Assert.Equal((ZhangWei, "220100", JilinCentral, "api"), (read.PsnNo, read.InsuplcAdmdvs, read.FixmedinsCode, read.Channel));

        // without mdtrt_id, as some clients ask; and the reversal, under its own id, negative, with the original still answering
        Assert.Equal(setlId, (await His.CallAsync("5203", new { psn_no = ZhangWei, setl_id = setlId })).ShouldSucceed().Text("setlinfo", "setl_id"));
        var reversal = (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        var reversalId = reversal.Text("setlinfo", "setl_id");
        var queriedReversal = (await His.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = reversalId } })).ShouldSucceed();
        Assert.Equal(reversal.Output.GetProperty("setlinfo").GetRawText(), queriedReversal.Output.GetProperty("setlinfo").GetRawText());
        Assert.Equal((-159.45m, "1"), (queriedReversal.Money("setlinfo", "hifp_pay"), queriedReversal.Text("setlinfo", "refd_setl_flag")));
        Assert.Equal(settled.Output.GetProperty("setlinfo").GetRawText(),
            (await His.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = setlId } })).ShouldSucceed().Output.GetProperty("setlinfo").GetRawText());
    }

    [Fact]
    public async Task Another_hospitals_settlement_is_refused_as_one_that_does_not_exist_and_nothing_is_audited()
    {
        var (mdtrtId, settled) = await SettledFirstVisitAsync();
        var setlId = settled.Text("setlinfo", "setl_id");
        var madeUp = setlId[..^4] + "0000";
        var readsBefore = (await ReadsAsync("5203 结算信息查询")).Count;

        var ours = (await Yanbian.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = setlId, mdtrt_id = mdtrtId } })).ShouldFail($"未找到结算 {setlId}（或不属于本机构）");
        var nobodys = (await Yanbian.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = madeUp, mdtrt_id = mdtrtId } })).ShouldFail("未找到结算");

        Assert.Equal(nobodys.ErrMsg!.Replace(madeUp, "«id»", StringComparison.Ordinal), ours.ErrMsg!.Replace(setlId, "«id»", StringComparison.Ordinal));
        Assert.DoesNotContain("张", ours.Body);
        Assert.Equal(readsBefore, (await ReadsAsync("5203 结算信息查询")).Count);
        (await His.CallAsync("5203", new { data = new { psn_no = WangFang, setl_id = setlId } })).ShouldFail($"结算 {setlId} 不属于人员 {WangFang}");
        (await His.CallAsync("5203", new { data = new { psn_no = ZhangWei, setl_id = setlId, mdtrt_id = "M000" } })).ShouldFail($"结算 {setlId} 不属于就诊 M000");
        (await His.CallAsync("5203", new { data = new { psn_no = ZhangWei, mdtrt_id = mdtrtId } })).ShouldFail("缺少必填字段 input.data.setl_id");
    }

    [Fact]
    public async Task Fee_detail_query_answers_the_settlements_lines_graded_as_the_upload_answered_them()
    {
        var (mdtrtId, settled) = await SettledFirstVisitAsync();
        var setlId = settled.Text("setlinfo", "setl_id");

        var lines = Items((await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, setl_id = setlId, mdtrt_id = mdtrtId } })).ShouldSucceed(), "feedetail");

        Assert.Equal(["0001", "0002", "0003", "0004", "0005", "0006"], lines.Select(l => Text(l, "feedetl_sn")));
        Assert.All(lines, l => Assert.Equal((setlId, mdtrtId, "13", "B1"), (Text(l, "setl_id"), Text(l, "mdtrt_id"), Text(l, "med_type"), Text(l, "chrg_bchno"))));
        Assert.Equal(605.35m, lines.Sum(l => Amount(l, "det_item_fee_sumamt")));
        Assert.Equal(445.31m, lines.Sum(l => Amount(l, "inscp_scp_amt")));
        var monitoring = lines[2];
        Assert.Equal(("311201001", "H-311201001", 2m, 72.00m), (Text(monitoring, "med_list_codg"), Text(monitoring, "medins_list_codg"), Amount(monitoring, "cnt"), Amount(monitoring, "pric")));
        Assert.Equal((144.00m, 24.00m, 12.00m, 108.00m, "02"),
            (Amount(monitoring, "det_item_fee_sumamt"), Amount(monitoring, "overlmt_amt"), Amount(monitoring, "preselfpay_amt"), Amount(monitoring, "inscp_scp_amt"),
                Text(monitoring, "chrgitm_lv")));
        Assert.Equal(88.00m, Amount(lines[5], "fulamt_ownpay_amt"));
        Assert.Equal("2026-03-15 10:30:00", Text(lines[0], "fee_ocur_time"));

        // the same as the upload answered, field for field
        Platform.Clock.Set(new DateTime(2026, 3, 16, 18, 0, 0));
        var another = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill, day: "2026-03-16");
        var uploadedAgain = (await His.UploadAsync(another, ZhangWei, FirstVisitBill, firstSn: 11)).ShouldSucceed();
        var open = Items((await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = another } })).ShouldSucceed(), "feedetail");
        Assert.Equal(8, open.Length);
        Assert.All(open, l => Assert.Equal(JsonValueKind.Null, l.GetProperty("setl_id").ValueKind));
        foreach (var answered in Items(uploadedAgain, "result"))
        {
            var line = open.Single(l => Text(l, "feedetl_sn") == Text(answered, "feedetl_sn"));
            foreach (var field in new[] { "det_item_fee_sumamt", "cnt", "pric", "pric_uplmt_amt", "selfpay_prop", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt",
                         "inscp_scp_amt", "chrgitm_lv", "med_chrgitm_type", "bas_medn_flag", "lmt_used_flag", "memo" })
                Assert.Equal(answered.GetProperty(field).GetRawText(), line.GetProperty(field).GetRawText());
        }
    }

    [Fact]
    public async Task Fee_detail_query_follows_a_reversal_and_a_visit_without_lines_has_none()
    {
        var (mdtrtId, settled) = await SettledFirstVisitAsync();
        var setlId = settled.Text("setlinfo", "setl_id");
        var reversalId = (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed().Text("setlinfo", "setl_id");

        // the reversed settlement still lists the lines it took, the reversal those it gave back; the visit has them open again
        Assert.Equal(6, Items((await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, setl_id = setlId } })).ShouldSucceed(), "feedetail").Length);
        Assert.All(Items((await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, setl_id = reversalId } })).ShouldSucceed(), "feedetail"),
            l => Assert.Equal(reversalId, Text(l, "setl_id")));
        var visitLines = Items((await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = mdtrtId } })).ShouldSucceed(), "feedetail");
        Assert.Equal(6, visitLines.Length);
        Assert.All(visitLines, l => Assert.Equal(JsonValueKind.Null, l.GetProperty("setl_id").ValueKind));

        var empty = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 15:00:00", "MZ-Q-EMPTY")).ShouldSucceed().Text("data", "mdtrt_id");
        Assert.Equal("[]", (await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = empty } })).ShouldSucceed().Output.GetProperty("feedetail").GetRawText());
    }

    [Fact]
    public async Task Fee_detail_query_refuses_a_bad_field_by_name_and_another_hospitals_ids_as_missing_ones()
    {
        var (mdtrtId, settled) = await SettledFirstVisitAsync();
        var setlId = settled.Text("setlinfo", "setl_id");

        (await His.CallAsync("5204", new { data = new { psn_no = ZhangWei } })).ShouldFail("缺少必填字段 input.data.mdtrt_id");
        (await His.CallAsync("5204", new { data = new { mdtrt_id = mdtrtId } })).ShouldFail("缺少必填字段 input.data.psn_no");
        (await His.CallAsync("5204", new { data = new { psn_no = WangFang, mdtrt_id = mdtrtId } })).ShouldFail($"就诊 {mdtrtId} 不属于人员 {WangFang}");

        var bySetl = (await Yanbian.CallAsync("5204", new { data = new { psn_no = ZhangWei, setl_id = setlId } })).ShouldFail($"未找到结算 {setlId}（或不属于本机构）");
        var byVisit = (await Yanbian.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = mdtrtId } })).ShouldFail($"未找到就诊 {mdtrtId}（或不属于本机构）");
        var madeUpVisit = mdtrtId[..^4] + "0000";
        var nothing = (await Yanbian.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = madeUpVisit } })).ShouldFail("未找到就诊");
        Assert.Equal(nothing.ErrMsg!.Replace(madeUpVisit, "«id»", StringComparison.Ordinal), byVisit.ErrMsg!.Replace(mdtrtId, "«id»", StringComparison.Ordinal));
        Assert.DoesNotContain("311201001", bySetl.Body + byVisit.Body);
    }

    private async Task<List<MedSettle.Transactions.PersonalDataReadRow>> ReadsAsync(string source)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<MedSettle.Transactions.PersonalDataReadRow>(
            "SELECT * FROM personal_data_reads WHERE source = @source ORDER BY id", new { source })).ToList();
    }
}

public sealed class VisitQueryTests_Sqlite() : VisitQueryTests(new SqliteTarget());

public sealed class VisitQueryTests_Postgres() : VisitQueryTests(new PostgresTarget());
