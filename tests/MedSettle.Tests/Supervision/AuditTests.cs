using System.Globalization;
using Dapper;
using MedSettle.Admin;
using MedSettle.Engine;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Supervision;

/// <summary>
/// medsettle audit (事后审核) over traffic made through the transaction API: R07–R10 each find a planted case and not
/// its near-miss, a second run files nothing, the period bounds what is checked, and usage errors answer 2.
/// </summary>
public abstract class AuditTests(DatabaseTarget target) : PlatformTests(target, Central)
{
    private const string Central = "H22020000001";
    private const string ZhangWei = "22010000000000000001", WangFang = "22010000000000000002", JinMingzhe = "22240000000000000004",
        SunLi = "22010000000000000006", ChenGang = "22010000000000000007", ZhaoMin = "22010000000000000008";

    private static readonly DateTime Now = new(2026, 3, 20, 10, 0, 0);

    private static readonly DateOnly March1 = new(2026, 3, 1), March20 = new(2026, 3, 20);

    private Task<AuditReport> AuditAsync(DateOnly from, DateOnly to) => SupervisionAudit.RunAsync(Platform.Database, from, to, Now);

    private static AuditRuleCount Line(AuditReport report, SupervisionRule rule) => report.Rules.Single(r => r.Rule == rule);

    private async Task<List<(string CaseId, string RuleCode, string Related, string Moment)>> ViolationsAsync(string rule)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, string, string, string)>(
            "SELECT case_id, rule_code, COALESCE(related, lines), moment FROM supervision_violations WHERE rule_code = @rule ORDER BY case_id", new { rule })).ToList();
    }

    private async Task<string> AdmitAsync(string psnNo, string insutype, string begntime, string? endtime = null)
    {
        var mdtrtId = (await His.AdmitAsync(psnNo, insutype, begntime, "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        if (endtime is not null) (await His.DischargeAsync(mdtrtId, psnNo, insutype, endtime)).ShouldSucceed();
        return mdtrtId;
    }

    /// <summary>2301 with lines at their own times: (item, price, count, fee_ocur_time).</summary>
    private async Task UploadAsync(string mdtrtId, string psnNo, params (string Code, decimal Price, decimal Count, string At)[] lines)
    {
        var n = 1;
        var feedetail = lines.Select(l => new
        {
            feedetl_sn = (n++).ToString("D4", CultureInfo.InvariantCulture), mdtrt_id = mdtrtId, psn_no = psnNo, chrg_bchno = "B1", fee_ocur_time = l.At,
            med_list_codg = l.Code, medins_list_codg = "H-" + l.Code, det_item_fee_sumamt = l.Price * l.Count, cnt = l.Count, pric = l.Price,
        }).ToList();
        (await Platform.CallAsync("2301", Central, new { feedetail })).ShouldSucceed();
    }

    [Fact]
    public async Task R07_finds_a_readmission_within_15_days_and_not_one_after_16_and_a_second_run_files_nothing()
    {
        Platform.Clock.Set(Now);
        var first = await AdmitAsync(ZhangWei, "310", "2026-03-01 08:00:00", "2026-03-05 09:00:00");
        var again = await AdmitAsync(ZhangWei, "310", "2026-03-12 08:00:00", "2026-03-13 09:00:00"); // 7 days after
        var cancelled = await AdmitAsync(ZhangWei, "310", "2026-03-14 08:00:00");
        (await Platform.CallAsync("2404", Central, new { data = new { mdtrt_id = cancelled, psn_no = ZhangWei } })).ShouldSucceed();
        await AdmitAsync(WangFang, "390", "2026-02-01 08:00:00", "2026-02-10 09:00:00");
        await AdmitAsync(WangFang, "390", "2026-02-26 08:00:00", "2026-02-27 09:00:00"); // 16 days after: a near-miss

        var report = await AuditAsync(new DateOnly(2026, 2, 1), March20);

        Assert.Equal((4L, 1L, 1L), (Line(report, SupervisionRule.R07).Checked, Line(report, SupervisionRule.R07).Found, Line(report, SupervisionRule.R07).Filed));
        Assert.Equal([("V" + again, "R07", first, "audit")], await ViolationsAsync("R07"));

        var second = await AuditAsync(new DateOnly(2026, 2, 1), March20);
        Assert.Equal(1L, Line(second, SupervisionRule.R07).Found);
        Assert.All(second.Rules, r => Assert.Equal(0L, r.Filed));
        Assert.Single(await ViolationsAsync("R07"));
    }

    [Fact]
    public async Task The_period_bounds_what_is_checked_by_the_day_an_admission_began()
    {
        Platform.Clock.Set(Now);
        await AdmitAsync(ZhangWei, "310", "2026-03-01 08:00:00", "2026-03-05 09:00:00");
        await AdmitAsync(ZhangWei, "310", "2026-03-12 08:00:00", "2026-03-13 09:00:00");

        var before = await AuditAsync(March1, new DateOnly(2026, 3, 11));
        var after = await AuditAsync(new DateOnly(2026, 3, 13), March20);
        Assert.Equal((1L, 0L), (Line(before, SupervisionRule.R07).Checked, Line(before, SupervisionRule.R07).Found));
        Assert.Equal((0L, 0L), (Line(after, SupervisionRule.R07).Checked, Line(after, SupervisionRule.R07).Found));
        Assert.Empty(await ViolationsAsync("R07"));

        Assert.Equal(1L, Line(await AuditAsync(new DateOnly(2026, 3, 12), new DateOnly(2026, 3, 12)), SupervisionRule.R07).Filed);
    }

    [Fact]
    public async Task R08_finds_a_third_filing_in_30_days_and_not_a_second_nor_a_revoked_one()
    {
        Platform.Clock.Set(Now);
        var hospitals = new[] { "H22020000001", "H22020000002", "H22240000001" };
        var filed = new List<string>();
        foreach (var (hospital, i) in hospitals.Select((h, i) => (h, i)))
        {
            Platform.Clock.Set(Now.AddDays(-10 + i));
            filed.Add((await new His(Platform, hospital).FileAsync(ChenGang, "310", Now.AddDays(-10 + i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
                .ShouldSucceed().Text("result", "trt_dcla_detl_sn"));
        }
        // 孙丽: three filings, one of them revoked; 王芳: two
        Platform.Clock.Set(Now);
        var revoked = "";
        foreach (var hospital in hospitals)
        {
            var sn = (await new His(Platform, hospital).FileAsync(SunLi, "390", "2026-03-20")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
            if (revoked == "") revoked = sn;
        }
        (await new His(Platform, hospitals[0]).CallRevokeAsync(Platform, revoked, SunLi)).ShouldSucceed();
        foreach (var hospital in hospitals.Take(2))
            (await new His(Platform, hospital).FileAsync(WangFang, "390", "2026-03-20")).ShouldSucceed();

        var report = await AuditAsync(March1, March20);

        Assert.Equal((7L, 1L, 1L), (Line(report, SupervisionRule.R08).Checked, Line(report, SupervisionRule.R08).Found, Line(report, SupervisionRule.R08).Filed));
        Assert.Equal([("F" + filed[2], "R08", string.Join(",", filed), "audit")], await ViolationsAsync("R08"));
    }

    [Fact]
    public async Task R09_finds_a_bill_above_three_times_its_categorys_median_and_not_one_exactly_at_it()
    {
        Platform.Clock.Set(Now);
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            await connection.ExecuteAsync(
                """INSERT INTO supervision_rules (code, effective_from, enabled, severity, params) VALUES ('R09', '2026-01-01', 1, 'warn', '{"lookback_days":365,"min_cases":3,"multiple":3}')""");
        var setl = new Dictionary<string, string>();
        foreach (var (person, insutype, amount) in new[] { (ZhangWei, "310", 100m), (WangFang, "390", 100m), (SunLi, "390", 100m), (ChenGang, "310", 300m), (ZhaoMin, "390", 301m) })
        {
            var mdtrtId = await His.OutpatientVisitAsync(person, insutype, [("250101001", amount, 1m)], "2026-03-15");
            setl[person] = (await His.SettleAsync(mdtrtId, person, insutype, amount, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        }
        // a bill of another category (金明哲's filing is I21), five times the others, is not compared with them
        var other = await His.OutpatientVisitAsync(JinMingzhe, "390", [("250101001", 500m, 1m)], "2026-03-16");
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE visits SET dise_codg = 'I21.0' WHERE mdtrt_id = @other", new { other });
        (await His.SettleAsync(other, JinMingzhe, "390", 500m, useAccount: false)).ShouldSucceed();

        var report = await AuditAsync(March1, March20);

        Assert.Equal((6L, 1L), (Line(report, SupervisionRule.R09).Checked, Line(report, SupervisionRule.R09).Found));
        Assert.Equal(["S" + setl[ZhaoMin]], (await ViolationsAsync("R09")).Select(v => v.CaseId));
    }

    [Fact]
    public async Task R10_finds_three_bed_only_days_and_not_two_and_files_under_the_admissions_settlement()
    {
        Platform.Clock.Set(Now);
        (await His.FileAsync(ChenGang, "310", "2026-03-01")).ShouldSucceed();
        var hung = await AdmitAsync(ChenGang, "310", "2026-03-01 08:00:00");
        await UploadAsync(hung, ChenGang, ("110900001", 40m, 1m, "2026-03-01 20:00:00"), ("110900001", 40m, 1m, "2026-03-02 20:00:00"),
            ("110900001", 40m, 1m, "2026-03-03 20:00:00"), ("110900001", 40m, 1m, "2026-03-04 20:00:00"), ("250101001", 30m, 1m, "2026-03-04 09:00:00"));
        (await His.DischargeAsync(hung, ChenGang, "310", "2026-03-05 09:00:00")).ShouldSucceed();
        var setlId = (await His.SettleAsync(hung, ChenGang, "310", 190m, useAccount: false, inpatient: true)).ShouldSucceed().Text("setlinfo", "setl_id");

        var near = await AdmitAsync(SunLi, "390", "2026-03-01 08:00:00");
        await UploadAsync(near, SunLi, ("110900001", 40m, 1m, "2026-03-01 20:00:00"), ("110900001", 40m, 1m, "2026-03-02 20:00:00"),
            ("110900001", 40m, 1m, "2026-03-03 20:00:00"), ("250101001", 30m, 1m, "2026-03-03 09:00:00"));
        // an admission with no settlement yet: its finding goes to the visit's case
        var withdrawn = await AdmitAsync(WangFang, "390", "2026-03-01 08:00:00");
        await UploadAsync(withdrawn, WangFang, ("110900001", 40m, 1m, "2026-03-01 20:00:00"), ("110900001", 40m, 1m, "2026-03-02 20:00:00"),
            ("110900001", 40m, 1m, "2026-03-03 20:00:00"));

        var report = await AuditAsync(March1, March20);

        Assert.Equal((3L, 2L), (Line(report, SupervisionRule.R10).Checked, Line(report, SupervisionRule.R10).Found));
        Assert.Equal(["S" + setlId, "V" + withdrawn], (await ViolationsAsync("R10")).Select(v => v.CaseId));
        Assert.Equal("0001,0002,0003", (await ViolationsAsync("R10"))[0].Related);
    }

    [Fact]
    public async Task The_command_prints_a_table_per_rule_and_a_second_run_files_nothing()
    {
        Platform.Clock.Set(Now);
        await AdmitAsync(ZhangWei, "310", "2026-03-01 08:00:00", "2026-03-05 09:00:00");
        await AdmitAsync(ZhangWei, "310", "2026-03-12 08:00:00", "2026-03-13 09:00:00");

        var (code, output, errors) = await InProcessCli.RunAsync("audit", "--db", Platform.DatabaseValue, "--from", "2026-03-01", "--to", "2026-03-20");
        Assert.True(code == 0, errors + output);
        Assert.Contains("R07 分解住院", output);
        Assert.Contains("1 found, 1 newly filed", output);
        (code, output, errors) = await InProcessCli.RunAsync("audit", "--db", Platform.DatabaseValue, "--from", "2026-03-01", "--to", "2026-03-20");
        Assert.True(code == 0, errors + output);
        Assert.Contains("1 found, 0 newly filed", output);
    }

    [Theory]
    [InlineData("2026-3-1", "2026-03-20", "--from must be a day written yyyy-MM-dd")]
    [InlineData("2026-03-20", "2026-03-01", "--from must not be after --to")]
    public async Task A_bad_period_is_a_usage_error(string from, string to, string message)
    {
        var (code, _, errors) = await InProcessCli.RunAsync("audit", "--db", Platform.DatabaseValue, "--from", from, "--to", to);
        Assert.Equal(2, code);
        Assert.Contains(message, errors);
    }
}

public sealed class AnomaliesOptionTests
{
    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public async Task Simulate_refuses_an_anomaly_share_outside_0_to_1(string share)
    {
        var (code, _, errors) = await InProcessCli.RunAsync("simulate", "--db", "sqlite:" + Path.Combine(TestPaths.TempDirectory(), "x.db"),
            "--from", "2026-03-01", "--to", "2026-03-02", "--anomalies", share);
        Assert.Equal(2, code);
        Assert.Contains("--anomalies must be a share from 0 to 1", errors);
    }
}

internal static class RevokeCalls
{
    /// <summary>2552: revokes a filing.</summary>
    public static Task<Reply> CallRevokeAsync(this His his, RunningPlatform platform, string trtDclaDetlSn, string psnNo) =>
        platform.CallAsync("2552", his.Hospital, new { data = new { trt_dcla_detl_sn = trtDclaDetlSn, psn_no = psnNo, memo = "撤销" } });
}

public sealed class AuditTests_Sqlite() : AuditTests(new SqliteTarget());

public sealed class AuditTests_Postgres() : AuditTests(new PostgresTarget());
