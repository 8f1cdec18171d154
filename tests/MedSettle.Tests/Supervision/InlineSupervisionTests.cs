using System.Globalization;
using Dapper;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Supervision;

/// <summary>
/// 事前 and 事中 over HTTP (docs/SUPERVISION.md, "Before and during settlement"): 2204/2301 answer each line's rules,
/// 2206/2303 list the visit's, 2207/2304 refuse a block rule the hospital did not approve (nothing written) and file the
/// rest for review exactly once. Each rule that runs inline has a planted case and a clean near-miss.
/// </summary>
public abstract class InlineSupervisionTests(DatabaseTarget target) : PlatformTests(target, Central)
{
    private const string Central = "H22020000001";
    private const string ZhangWei = "22010000000000000001", WangFang = "22010000000000000002";

    /// <summary>
    /// jilin-mini's catalogue with limits: 静脉输液 3 a day, 普通病房床位费 and 重症监护 in group 床位, and two items more:
    /// 宫颈细胞学检查 (female only) and 新生儿护理 (0 to 1 years old).
    /// </summary>
    private static readonly string[] Limits = [",,,,,", ",,,,3,", ",,,,,", ",,,,,", ",,,,,", ",,,,,床位", ",,,,,", ",,,,,", ",,18,,,", ",,,,,", ",,,,,", ",,,,,床位"];

    private static readonly string[] NewItems = ["310300001,宫颈细胞学检查,201,04,01,,,2,,,,", "121100001,新生儿护理,201,05,01,,,,0,1,,"];

    private const string RulesBlocking = """
        [
          {"code": "R01", "effective_from": "2025-01-01", "severity": "block"},
          {"code": "R02", "effective_from": "2025-01-01", "severity": "block"},
          {"code": "R03", "effective_from": "2025-01-01", "severity": "block"},
          {"code": "R04", "effective_from": "2025-01-01", "severity": "block"},
          {"code": "R05", "effective_from": "2025-01-01", "severity": "block"},
          {"code": "R06", "effective_from": "2025-01-01", "severity": "warn"},
          {"code": "R10", "effective_from": "2025-01-01", "severity": "warn"}
        ]
        """;

    /// <summary>Imports the limits (and <paramref name="rules"/> as rules.json, if any) over the running platform's jilin-mini.</summary>
    private Task ImportLimitsAsync(string? rules = RulesBlocking) => ImportLimitsAsync(Platform.Database, rules);

    /// <summary>Imports jilin-mini with <see cref="Limits"/>, <see cref="NewItems"/> and <paramref name="rules"/> (if any) as rules.json into <paramref name="database"/>.</summary>
    internal static async Task ImportLimitsAsync(Database database, string? rules = RulesBlocking)
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var lines = File.ReadAllLines(Path.Combine(directory, "catalogue.csv"));
        File.WriteAllLines(Path.Combine(directory, "catalogue.csv"),
            [lines[0] + ",lmt_gend,lmt_age_min,lmt_age_max,lmt_daily_cnt,excl_group", .. lines.Skip(1).Select((line, i) => line + Limits[i]), .. NewItems]);
        if (rules is not null) File.WriteAllText(Path.Combine(directory, "rules.json"), rules);
        await new BundleImporter(database).ImportAsync(directory);
    }

    /// <summary>A filed and registered outpatient visit on 2026-03-15; its mdtrt_id.</summary>
    private async Task<string> VisitAsync(string psnNo, string insutype)
    {
        (await His.FileAsync(psnNo, insutype, "2026-03-15")).ShouldSucceed();
        return (await His.RegisterAsync(psnNo, insutype, "2026-03-15 09:00:00", "MZ" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("data", "mdtrt_id");
    }

    /// <summary>2204/2301 of lines numbered from 0001: (item, price, count, fee_ocur_time, hosp_appr_flag, memo).</summary>
    private Task<Reply> UploadAsync(string mdtrtId, string psnNo, bool inpatient, params (string Code, decimal Price, decimal Count, string At, string? Flag, string? Memo)[] lines)
    {
        var n = 1;
        var feedetail = lines.Select(l => new
        {
            feedetl_sn = (n++).ToString("D4", CultureInfo.InvariantCulture), mdtrt_id = mdtrtId, psn_no = psnNo, chrg_bchno = "B1", fee_ocur_time = l.At,
            med_list_codg = l.Code, medins_list_codg = "H-" + l.Code, det_item_fee_sumamt = l.Price * l.Count, cnt = l.Count, pric = l.Price,
            hosp_appr_flag = l.Flag, memo = l.Memo,
        }).ToList();
        return Platform.CallAsync(inpatient ? "2301" : "2204", Central, new { feedetail });
    }

    private static (string, decimal, decimal, string, string?, string?) Line(string code, decimal price, decimal count, string at = "2026-03-15 10:00:00",
        string? flag = null, string? memo = null) => (code, price, count, at, flag, memo);

    /// <summary>Each answered line's feedetl_sn and its first rule's code (null: none).</summary>
    private static List<(string Sn, string? Rule)> Marks(Reply upload) =>
        upload.Output.GetProperty("result").EnumerateArray()
            .Select(l => (l.GetProperty("feedetl_sn").GetString()!, l.GetProperty("rule_code").GetString())).ToList();

    private static List<string> Codes(Reply answer) =>
        answer.Output.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("rule_code").GetString()!).ToList();

    private async Task<(long Settlements, long Cases, long Violations, long Events)> CountsAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_cases"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_violations"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_events"));
    }

    /// <summary>Uploads, pre-settles and settles an outpatient bill; asserts the rules marked and refused as <paramref name="rule"/> says (null: none).</summary>
    private async Task PlantedAsync(string psnNo, string insutype, string? rule, string[] markedLines, params (string, decimal, decimal, string, string?, string?)[] lines)
    {
        var mdtrtId = await VisitAsync(psnNo, insutype);
        var upload = (await UploadAsync(mdtrtId, psnNo, false, lines)).ShouldSucceed();
        Assert.Equal(lines.Select((_, i) => ((i + 1).ToString("D4", CultureInfo.InvariantCulture), markedLines.Contains((i + 1).ToString("D4", CultureInfo.InvariantCulture)) ? rule : null)),
            Marks(upload));
        var total = lines.Sum(l => l.Item2 * l.Item3);
        var preview = (await His.PreSettleAsync(mdtrtId, psnNo, insutype, total, useAccount: false)).ShouldSucceed();
        Assert.Equal(rule is null ? [] : [rule], Codes(preview).Distinct());
        var before = await CountsAsync();
        var settled = await His.SettleAsync(mdtrtId, psnNo, insutype, total, useAccount: false);
        if (rule is null)
        {
            settled.ShouldSucceed();
            Assert.Null(settled.WarnMsg);
            Assert.Equal((before.Settlements + 1, before.Cases), ((await CountsAsync()).Settlements, (await CountsAsync()).Cases));
        }
        else
        {
            Assert.Equal(-1, settled.Infcode);
            Assert.Contains($"{rule} ", settled.ErrMsg);
            Assert.Contains($"明细 {markedLines[0]}", settled.ErrMsg);
            Assert.Contains("hosp_appr_flag", settled.ErrMsg);
            Assert.Equal(before, await CountsAsync());
        }
    }

    [Fact]
    public async Task R01_an_item_for_women_only_is_marked_listed_and_refused_for_a_man_and_settles_for_a_woman()
    {
        await ImportLimitsAsync();
        await PlantedAsync(ZhangWei, "310", "R01", ["0002"], Line("110200001", 50m, 1), Line("310300001", 30m, 1));
        await PlantedAsync(WangFang, "390", null, [], Line("110200001", 50m, 1), Line("310300001", 30m, 1));
    }

    [Fact]
    public async Task R02_an_item_for_infants_is_refused_for_an_adult_and_one_from_18_is_not()
    {
        await ImportLimitsAsync();
        await PlantedAsync(ZhangWei, "310", "R02", ["0001"], Line("121100001", 20m, 1));
        await PlantedAsync(ZhangWei, "310", null, [], Line("ZA12BAD0011010103983", 20m, 1));
    }

    [Fact]
    public async Task R03_four_infusions_in_a_day_break_a_limit_of_three_and_three_do_not()
    {
        await ImportLimitsAsync();
        await PlantedAsync(ZhangWei, "310", "R03", ["0001", "0002"], Line("120400001", 15m, 2, "2026-03-15 10:00:00"), Line("120400001", 15m, 2, "2026-03-15 16:00:00"));
        await PlantedAsync(WangFang, "390", null, [], Line("120400001", 15m, 2, "2026-03-15 10:00:00"), Line("120400001", 15m, 1, "2026-03-15 16:00:00"));
    }

    [Fact]
    public async Task R04_the_same_item_time_and_amount_twice_is_refused_and_at_another_time_is_not()
    {
        await ImportLimitsAsync();
        await PlantedAsync(ZhangWei, "310", "R04", ["0002", "0003"], Line("110200001", 50m, 1), Line("210102001", 240m, 1), Line("210102001", 240m, 1));
        await PlantedAsync(WangFang, "390", null, [], Line("210102001", 240m, 1, "2026-03-15 10:00:00"), Line("210102001", 240m, 1, "2026-03-15 11:00:00"));
    }

    [Fact]
    public async Task R05_a_general_bed_and_intensive_care_on_one_day_are_refused_and_on_two_days_are_not()
    {
        await ImportLimitsAsync();
        var icu = File.ReadAllLines(Path.Combine(TestPaths.JilinMini, "catalogue.csv"))[12].Split(',')[0];
        await PlantedAsync(ZhangWei, "310", "R05", ["0001", "0002"], Line("110900001", 40m, 1, "2026-03-15 10:00:00"), Line(icu, 100m, 1, "2026-03-15 12:00:00"));
        await PlantedAsync(WangFang, "390", null, [], Line("110900001", 40m, 1, "2026-03-15 10:00:00"), Line(icu, 100m, 1, "2026-03-16 08:00:00"));
    }

    [Fact]
    public async Task A_block_rule_on_lines_the_hospital_approved_with_a_reason_settles_and_is_filed_once_and_the_flag_alone_is_not_approval()
    {
        await ImportLimitsAsync();
        var unreasoned = await VisitAsync(ZhangWei, "310");
        (await UploadAsync(unreasoned, ZhangWei, false, Line("310300001", 30m, 1, flag: "1"))).ShouldSucceed();
        (await His.SettleAsync(unreasoned, ZhangWei, "310", 30m, useAccount: false)).ShouldFail("R01 限性别");

        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:30:00", "MZ" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("data", "mdtrt_id");
        (await UploadAsync(mdtrtId, ZhangWei, false, Line("110200001", 50m, 1), Line("310300001", 30m, 1, flag: "1", memo: "性别登记有误，经医务科审批"))).ShouldSucceed();
        var msgid = PlatformClient.NewMsgid(Central);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 80m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Contains("R01 限性别（医院已审批）", settled.WarnMsg);
        Assert.Equal(["R01"], Codes(settled));
        var setlId = settled.Text("setlinfo", "setl_id");
        var counts = await CountsAsync();

        var again = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 80m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Equal(setlId, again.Text("setlinfo", "setl_id"));
        Assert.Equal(counts, await CountsAsync());

        await using var connection = await Platform.Database.OpenConnectionAsync();
        var filed = await connection.QuerySingleAsync<(string CaseId, string Status, string Home, long Approved, string? Reason, string Lines, string Moment)>(
            """
            SELECT c.case_id, c.status, c.insuplc_admdvs, v.approved, v.approval_reason, v.lines, v.moment
            FROM supervision_cases c JOIN supervision_violations v ON v.case_id = c.case_id
            """);
        Assert.Equal(("S" + setlId, "open", "220100", 1L, "性别登记有误，经医务科审批", "0002", "settlement"), filed);
    }

    [Fact]
    public async Task R06_and_R10_warn_an_admission_settles_with_its_flags_filed_and_a_stay_that_fits_has_none()
    {
        await ImportLimitsAsync();
        Platform.Clock.Set(new DateTime(2026, 3, 20, 10, 0, 0));
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var admission = (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        // three days charging the bed alone, and four bed-days over a stay of three days (14th to 16th)
        var upload = (await UploadAsync(admission, WangFang, true,
            Line("110900001", 40m, 1, "2026-03-14 23:00:00"), Line("110900001", 40m, 1, "2026-03-15 08:00:00"),
            Line("110900001", 40m, 1, "2026-03-16 08:00:00"), Line("110900001", 40m, 1, "2026-03-16 09:00:00"))).ShouldSucceed();
        Assert.All(Marks(upload), m => Assert.NotNull(m.Rule));
        (await His.DischargeAsync(admission, WangFang, "390", "2026-03-16 09:00:00")).ShouldSucceed();
        var preview = (await His.PreSettleAsync(admission, WangFang, "390", 160m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(["R06", "R10"], Codes(preview).Order());
        var settled = (await His.SettleAsync(admission, WangFang, "390", 160m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Contains("R06 超住院天数", settled.WarnMsg);
        Assert.Contains("R10 挂床住院", settled.WarnMsg);
        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(["R06", "R10"], (await connection.QueryAsync<string>("SELECT rule_code FROM supervision_violations ORDER BY rule_code")).ToList());

        // 张伟: two bed-days over a stay of two, and each day an examination too
        (await His.FileAsync(ZhangWei, "310", "2026-03-17")).ShouldSucceed();
        var fits = (await His.AdmitAsync(ZhangWei, "310", "2026-03-17 10:00:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        var clean = (await UploadAsync(fits, ZhangWei, true,
            Line("110900001", 40m, 1, "2026-03-17 11:00:00"), Line("210102001", 240m, 1, "2026-03-17 12:00:00"),
            Line("110900001", 40m, 1, "2026-03-18 08:00:00"), Line("110200001", 50m, 1, "2026-03-18 09:00:00"))).ShouldSucceed();
        Assert.All(Marks(clean), m => Assert.Null(m.Rule));
        (await His.DischargeAsync(fits, ZhangWei, "310", "2026-03-18 10:00:00")).ShouldSucceed();
        var plain = (await His.SettleAsync(fits, ZhangWei, "310", 370m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Null(plain.WarnMsg);
        Assert.False(plain.Output.TryGetProperty("violations", out _));
        Assert.Equal(1L, (await CountsAsync()).Cases);
    }

    [Fact]
    public async Task Without_rules_json_a_rule_warns_the_settlement_is_filed_silently_and_nothing_is_refused()
    {
        await ImportLimitsAsync(rules: null);
        var mdtrtId = await VisitAsync(ZhangWei, "310");
        var upload = (await UploadAsync(mdtrtId, ZhangWei, false, Line("310300001", 30m, 1))).ShouldSucceed();
        var line = upload.Output.GetProperty("result")[0];
        Assert.Equal(("R01", "限性别"), (line.GetProperty("rule_code").GetString(), line.GetProperty("rule_name").GetString()));
        Assert.Equal("warn", line.GetProperty("violations")[0].GetProperty("severity").GetString());
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 30m, useAccount: false)).ShouldSucceed();
        Assert.Null(settled.WarnMsg);
        Assert.Equal(["R01"], Codes(settled));
        Assert.Equal((1L, 1L, 1L), ((await CountsAsync()).Settlements, (await CountsAsync()).Cases, (await CountsAsync()).Violations));
    }

    [Fact]
    public async Task A_line_withdrawn_takes_its_mark_with_it_and_the_rest_settle_without_a_case()
    {
        await ImportLimitsAsync();
        var mdtrtId = await VisitAsync(ZhangWei, "310");
        (await UploadAsync(mdtrtId, ZhangWei, false, Line("110200001", 50m, 1), Line("310300001", 30m, 1))).ShouldSucceed();
        (await Platform.CallAsync("2205", Central, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, feedetl_sn = "0002" } })).ShouldSucceed();
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM fee_lines WHERE withdrawn_at IS NULL AND spvs_severity IS NOT NULL"));
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 50m, useAccount: false)).ShouldSucceed();
        Assert.Null(settled.WarnMsg);
        Assert.Equal(0L, (await CountsAsync()).Cases);
    }
}

public sealed class InlineSupervisionTests_Sqlite() : InlineSupervisionTests(new SqliteTarget());

public sealed class InlineSupervisionTests_Postgres() : InlineSupervisionTests(new PostgresTarget());
