using System.Text.Json;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 5206 人员累计信息查询 and 5205 人员慢特病用药记录查询 over HTTP: the year's sums a patient asks about at the window, exactly
/// as the worked examples give them, through settlements and reversals; only for a person the hospital is treating.
/// </summary>
public abstract class PersonQueryTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string LiNa = "22020000000000000003";
    private const string SunLi = "22010000000000000006";

    private His Yanbian => new(Platform, WorkedExampleTests.Yanbian);

    /// <summary>cuminfo as (insutype, year, cum_ym, cum_type_code, cum), in the order answered.</summary>
    private static (string, string, string, string, decimal)[] Cumulated(Reply reply) =>
        [.. reply.ShouldSucceed().Output.GetProperty("cuminfo").EnumerateArray().Select(c => (c.GetProperty("insutype").GetString()!, c.GetProperty("year").GetString()!,
            c.GetProperty("cum_ym").GetString()!, c.GetProperty("cum_type_code").GetString()!, c.GetProperty("cum").GetDecimal()))];

    private static Task<Reply> AccumulatedAsync(His his, string psnNo, string? cumYm = "202603") => his.CallAsync("5206", new { data = new { psn_no = psnNo, cum_ym = cumYm } });

    [Fact]
    public async Task The_years_sums_after_two_settlements_a_reversal_and_settling_again_are_the_worked_examples()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        var first = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal([("310", "2026", "202603", "Q0000", 200.00m), ("310", "2026", "202603", "D310101", 159.45m),
            ("310", "2026", "202603", "TS330101", 0.00m), ("310", "2026", "202603", "D330101", 0.00m)], Cumulated(await AccumulatedAsync(His, ZhangWei)));

        var second = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var setlId = (await His.SettleAsync(second, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        Assert.Equal(159.45m + 48.75m, Cumulated(await AccumulatedAsync(His, ZhangWei)).Single(c => c.Item4 == "D310101").Item5);

        (await His.ReverseAsync(setlId, second, ZhangWei)).ShouldSucceed();
        Assert.Equal([("Q0000", 200.00m), ("D310101", 159.45m), ("TS330101", 0.00m), ("D330101", 0.00m)],
            Cumulated(await AccumulatedAsync(His, ZhangWei)).Select(c => (c.Item4, c.Item5)));

        (await His.SettleAsync(second, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed();
        Assert.Equal([("Q0000", 200.00m), ("D310101", 208.20m), ("TS330101", 0.00m), ("D330101", 0.00m)],
            Cumulated(await AccumulatedAsync(His, ZhangWei)).Select(c => (c.Item4, c.Item5)));
        // without cum_ym: the current month, the same year's sums; the year before holds nothing
        Assert.Equal(("202603", "2026", 208.20m), Cumulated(await AccumulatedAsync(His, ZhangWei, cumYm: null)).Where(c => c.Item4 == "D310101").Select(c => (c.Item3, c.Item2, c.Item5)).Single());
        Assert.All(Cumulated(await AccumulatedAsync(His, ZhangWei, "2025-12")), c => Assert.Equal(("2025", "202512", 0.00m), (c.Item2, c.Item3, c.Item5)));
    }

    [Fact]
    public async Task A_resident_s_major_illness_insurance_shows_its_cumulative_base_and_pay()
    {
        foreach (var (day, items, medfee) in new[]
        {
            ("2026-04-02", new[] { ("311300001", 1800.00m, 20m), ("210102001", 240.00m, 5m), ("110900001", 55.00m, 20m), ("XS0000000001", 88.00m, 10m) }, 39180.00m),
            ("2026-05-10", new[] { ("311300001", 1800.00m, 30m), ("XJ01DDA036B001010178838", 23.45m, 40m) }, 54938.00m),
        })
        {
            Platform.Clock.Set(DateTime.Parse(day + " 18:00:00", System.Globalization.CultureInfo.InvariantCulture));
            (await His.FileAsync(SunLi, "390", day)).ShouldSucceed();
            var mdtrtId = (await His.AdmitAsync(SunLi, "390", day + " 08:00:00", "ZY" + day)).ShouldSucceed().Text("result", "mdtrt_id");
            (await His.UploadAsync(mdtrtId, SunLi, items, inpatient: true)).ShouldSucceed();
            (await His.DischargeAsync(mdtrtId, SunLi, "390", day + " 17:00:00")).ShouldSucceed();
            (await His.SettleAsync(mdtrtId, SunLi, "390", medfee, useAccount: false, inpatient: true)).ShouldSucceed();
        }

        // the inpatient deductible is met per stay (DESIGN.md rule 5), so the year holds none of it
        Assert.Equal([("Q0000", 0.00m), ("D390101", 24232.00m + 35258.73m), ("TS390201", 13648.00m + 19585.47m), ("D390201", 10940.08m)],
            Cumulated(await AccumulatedAsync(His, SunLi, "202605")).Select(c => (c.Item4, c.Item5)));
    }

    [Fact]
    public async Task A_person_filed_here_with_nothing_settled_has_nothing_used_and_a_bad_field_is_refused_by_name()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        (await His.FileAsync(WangFang, "390", "2026-03-15")).ShouldSucceed();

        Assert.Equal([("390", "Q0000", 0.00m), ("390", "D390101", 0.00m), ("390", "TS390201", 0.00m), ("390", "D390201", 0.00m)],
            Cumulated(await AccumulatedAsync(His, WangFang)).Select(c => (c.Item1, c.Item4, c.Item5)));

        (await AccumulatedAsync(His, WangFang, "2026-13")).ShouldFail("字段 input.data.cum_ym 的值 \"2026-13\" 不是累计年月");
        (await AccumulatedAsync(His, WangFang, "三月")).ShouldFail("input.data.cum_ym");
        (await AccumulatedAsync(His, WangFang, "202604")).ShouldFail("累计年月 cum_ym 202604 晚于当前月份 202603");
        (await His.CallAsync("5206", new { data = new { cum_ym = "202603" } })).ShouldFail("缺少必填字段 input.data.psn_no");
    }

    [Fact]
    public async Task Only_a_hospital_treating_the_person_learns_the_years_sums_and_others_hear_what_they_would_of_nobody()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        var first = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();

        var ours = (await AccumulatedAsync(Yanbian, ZhangWei)).ShouldFail($"未查询到人员编号 {ZhangWei} 在本机构的备案或就诊");
        const string Nobody = "22010000000000009999";
        var nobodys = (await AccumulatedAsync(Yanbian, Nobody)).ShouldFail("未查询到人员编号");
        Assert.Equal(nobodys.ErrMsg!.Replace(Nobody, "«psn»", StringComparison.Ordinal), ours.ErrMsg!.Replace(ZhangWei, "«psn»", StringComparison.Ordinal));
        Assert.DoesNotContain("159.45", ours.Body);

        // looking a person up (1101) is not treating them
        (await His.CallAsync("1101", new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220202196201050349" } })).ShouldSucceed();
        (await AccumulatedAsync(His, LiNa)).ShouldFail($"未查询到人员编号 {LiNa} 在本机构的备案或就诊");
    }

    [Fact]
    public async Task Medication_records_are_an_empty_feedetail_as_5301_answers_for_the_same_persons()
    {
        Platform.Clock.Set(new DateTime(2026, 3, 15, 18, 0, 0));
        (await His.FileAsync(WangFang, "390", "2026-03-15")).ShouldSucceed();
        (await His.CallAsync("1101", new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220202196201050349" } })).ShouldSucceed();

        foreach (var psnNo in new[] { WangFang, LiNa })
        {
            var records = (await His.CallAsync("5205", new { data = new { psn_no = psnNo, begntime = "2026-01-01 00:00:00", endtime = "2026-03-15" } })).ShouldSucceed();
            Assert.Equal(JsonValueKind.Array, records.Output.GetProperty("feedetail").ValueKind);
            Assert.Equal("[]", records.Output.GetProperty("feedetail").GetRawText());
            Assert.Equal("[]", (await His.CallAsync("5301", new { data = new { psn_no = psnNo } })).ShouldSucceed().Output.GetProperty("feedetail").GetRawText());
        }

        // a person this hospital never looked up, filed or saw: refused as 5301 refuses, as for a psn_no that is nobody's
        var notSeen = (await His.CallAsync("5205", new { data = new { psn_no = ZhangWei, begntime = "2026-01-01 00:00:00" } })).ShouldFail("请先以身份证号码");
        var as5301 = (await His.CallAsync("5301", new { data = new { psn_no = ZhangWei } })).ShouldFail("请先以身份证号码");
        Assert.Equal(as5301.ErrMsg, notSeen.ErrMsg);
        (await Yanbian.CallAsync("5205", new { data = new { psn_no = WangFang } })).ShouldFail($"未查询到人员编号 {WangFang} 在本机构");

        (await His.CallAsync("5205", new { data = new { psn_no = WangFang, begntime = "2026-13-01" } })).ShouldFail("字段 input.data.begntime 的值 \"2026-13-01\" 不是时间");
        (await His.CallAsync("5205", new { data = new { begntime = "2026-01-01" } })).ShouldFail("缺少必填字段 input.data.psn_no");
    }
}

public sealed class PersonQueryTests_Sqlite() : PersonQueryTests(new SqliteTarget());

public sealed class PersonQueryTests_Postgres() : PersonQueryTests(new PostgresTarget());
