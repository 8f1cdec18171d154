using Dapper;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 异地急诊视同备案 (MedSettle:Filing:ImplicitEmergency): a hospital that never sends 2551 settles its emergencies, each
/// filed once by the admission or settlement itself with 2551's verification; without the setting nothing changes.
/// </summary>
public abstract class ImplicitFilingTests(DatabaseTarget target) : IAsyncLifetime
{
    private const string LiNa = "22020000000000000003";
    private const string LiuYang = "22070000000000000005";
    private const string ChangchunFirst = "H22010000001";
    private const string ChangchunCommunity = "H22010000002";

    private static readonly Dictionary<string, string?> ImplicitOn = new() { [TransactionSettings.ImplicitEmergencyFilingSetting] = "true" };

    private static readonly (string, decimal, decimal)[] AdmissionBill =
    [
        ("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
        ("120400001", 18.00m, 8), ("210102001", 240.00m, 2),
    ];

    private RunningPlatform Platform { get; set; } = null!;
    private His His { get; set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await RunningPlatform.StartAsync(target, settings: ImplicitOn);
        His = new His(Platform, JilinCentral);
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();

    private sealed class StoredFiling
    {
        public string TrtDclaDetlSn { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string Begndate { get; set; } = "";
        public string Enddate { get; set; } = "";
        public string DiseCodg { get; set; } = "";
        public string Msgid { get; set; } = "";
        public long FiledImplicitly { get; set; }
        public string? RevokedAt { get; set; }
    }

    private static async Task<List<StoredFiling>> FilingsAsync(RunningPlatform platform)
    {
        await using var connection = await platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<StoredFiling>(
            "SELECT trt_dcla_detl_sn, psn_no, fixmedins_code, begndate, enddate, dise_codg, msgid, filed_implicitly, revoked_at FROM filings ORDER BY created_at")).AsList();
    }

    private static async Task<long> CountAsync(RunningPlatform platform, string sql)
    {
        await using var connection = await platform.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static Task<StatsReport> FiguresAsync(RunningPlatform platform) =>
        Stats.ComputeAsync(platform.Database, new StatsQuery(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31)));

    /// <summary>Registered (2201), its diagnosis uploaded (2203) and its bill (2204), with no 2551 anywhere: ready to settle.</summary>
    private static async Task<string> UnfiledVisitAsync(RunningPlatform platform, His his, string psnNo, string insutype, bool withDiagnosis = true)
    {
        var mdtrtId = (await his.RegisterAsync(psnNo, insutype, "2026-03-15 09:00:00", "MZ" + Guid.NewGuid().ToString("N")[..10]))
            .ShouldSucceed().Text("data", "mdtrt_id");
        if (withDiagnosis)
            (await platform.CallAsync("2203", his.Hospital, new { mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = psnNo, med_type = "13", dise_codg = "J18.9", dise_name = "肺炎" } }))
                .ShouldSucceed();
        (await his.UploadAsync(mdtrtId, psnNo, SecondVisitBill)).ShouldSucceed();
        return mdtrtId;
    }

    [Fact]
    public async Task Without_the_setting_a_settlement_without_a_filing_is_refused_as_before()
    {
        await using var platform = await RunningPlatform.StartAsync(target);
        var his = new His(platform, JilinCentral);
        var mdtrtId = await UnfiledVisitAsync(platform, his, ZhangWei, "310");

        (await his.PreSettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false))
            .ShouldFail($"人员 {ZhangWei} 在本院没有覆盖 2026-03-15 的有效异地急诊备案，请先办理备案（2551）后再结算");
        (await his.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false))
            .ShouldFail($"人员 {ZhangWei} 在本院没有覆盖 2026-03-15 的有效异地急诊备案，请先办理备案（2551）后再结算");
        var admitted = (await new His(platform, Yanbian).AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001")).ShouldSucceed();
        Assert.Contains("结算前须办理备案（2551）", admitted.WarnMsg);

        Assert.Empty(await FilingsAsync(platform));
        Assert.Equal(0, await CountAsync(platform, "SELECT COUNT(*) FROM settlements"));
        Assert.Equal(0, (await FiguresAsync(platform)).Filings);
    }

    [Fact]
    public async Task An_emergency_visit_without_a_filing_settles_and_is_filed_once_implicitly_and_counted()
    {
        var mdtrtId = await UnfiledVisitAsync(Platform, His, ZhangWei, "310");

        var preview = (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed();
        Assert.Contains("结算时将按异地急诊视同备案自动办理备案", preview.WarnMsg);
        Assert.Empty(await FilingsAsync(Platform));

        var msgid = Platform.NewMsgid(JilinCentral);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false, msgid: msgid)).ShouldSucceed();

        var filing = Assert.Single(await FilingsAsync(Platform));
        Assert.Equal(1, filing.FiledImplicitly);
        Assert.Equal((ZhangWei, JilinCentral, "2026-03-15", "2026-03-17", "J18.9", msgid),
            (filing.PsnNo, filing.FixmedinsCode, filing.Begndate, filing.Enddate, filing.DiseCodg, filing.Msgid));
        Assert.Contains("已按异地急诊视同备案自动办理", settled.WarnMsg);
        Assert.Contains($"trt_dcla_detl_sn {filing.TrtDclaDetlSn}", settled.WarnMsg);
        Assert.Equal(75.00m, settled.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(filing.TrtDclaDetlSn, await Platform.Database.ReadAsync(unit =>
            unit.FirstOrDefaultAsync<string>("SELECT trt_dcla_detl_sn FROM settlements WHERE setl_id = @setlId", new { setlId = settled.Text("setlinfo", "setl_id") })));
        var figures = await FiguresAsync(Platform);
        Assert.Equal((1L, 1L, 75.00m), (figures.Filings, figures.Settlements, figures.MedfeeSumamt));

        // the same msgid again: the stored answer, nothing filed or settled twice
        var again = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Equal(settled.Text("setlinfo", "setl_id"), again.Text("setlinfo", "setl_id"));
        Assert.Equal(settled.WarnMsg, again.WarnMsg);
        Assert.Single(await FilingsAsync(Platform));
        Assert.Equal(1, await CountAsync(Platform, "SELECT COUNT(*) FROM settlements"));
        Assert.Equal(1, (await FiguresAsync(Platform)).Filings);

        // a second visit in the filing's window is covered by it: nothing more is filed
        var second = await UnfiledVisitAsync(Platform, His, ZhangWei, "310");
        var covered = (await His.SettleAsync(second, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed();
        Assert.Null(covered.WarnMsg);
        Assert.Single(await FilingsAsync(Platform));
    }

    [Fact]
    public async Task An_emergency_admission_without_a_filing_is_filed_implicitly_once_and_its_settlement_uses_that_filing()
    {
        var his = new His(Platform, Yanbian);
        var msgid = Platform.NewMsgid(Yanbian);

        var admitted = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001", msgid)).ShouldSucceed();
        var again = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001", msgid)).ShouldSucceed();

        var filing = Assert.Single(await FilingsAsync(Platform));
        Assert.Equal((1L, "2026-03-14", "2026-03-16", "I21.0", msgid), (filing.FiledImplicitly, filing.Begndate, filing.Enddate, filing.DiseCodg, filing.Msgid));
        Assert.Contains($"trt_dcla_detl_sn {filing.TrtDclaDetlSn}", admitted.WarnMsg);
        Assert.Equal((admitted.Text("result", "mdtrt_id"), admitted.WarnMsg), (again.Text("result", "mdtrt_id"), again.WarnMsg));
        Assert.Equal(1, await CountAsync(Platform, "SELECT COUNT(*) FROM visits"));

        var mdtrtId = admitted.Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang, AdmissionBill, inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        var settled = (await his.SettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldSucceed();

        Assert.Equal(160.93m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Null(settled.WarnMsg);
        Assert.Single(await FilingsAsync(Platform));
        Assert.Equal(filing.TrtDclaDetlSn, await Platform.Database.ReadAsync(unit =>
            unit.FirstOrDefaultAsync<string>("SELECT trt_dcla_detl_sn FROM settlements WHERE setl_id = @setlId", new { setlId = settled.Text("setlinfo", "setl_id") })));
        Assert.Equal(1, (await FiguresAsync(Platform)).Filings);
    }

    [Theory]
    [InlineData("99999999999999999999", "310", JilinCentral)]    // unknown
    [InlineData(LiuYang, "310", JilinCentral)]                   // paused
    [InlineData(ZhangWei, "390", JilinCentral)]                  // not in that scheme
    [InlineData(ZhangWei, "310", ChangchunFirst)]                // not cross-region
    [InlineData(LiNa, "310", ChangchunCommunity)]                // hospital not open for cross-region settlement
    public async Task An_admission_that_2551_would_refuse_is_refused_with_2551s_reason_and_changes_nothing(string psnNo, string insutype, string hospital)
    {
        var his = new His(Platform, hospital);
        var byFiling = (await his.FileAsync(psnNo, insutype, "2026-03-15", "I21.0")).ShouldFail("");

        var byAdmission = (await his.AdmitAsync(psnNo, insutype, "2026-03-15 08:00:00", "ZY0002")).ShouldFail("");

        Assert.Equal(byFiling.ErrMsg, byAdmission.ErrMsg);
        Assert.Empty(await FilingsAsync(Platform));
        Assert.Equal(0, await CountAsync(Platform, "SELECT COUNT(*) FROM visits"));
    }

    [Fact]
    public async Task A_settlement_that_2551_would_refuse_is_refused_with_2551s_reason_and_changes_nothing()
    {
        // registered while the hospital was open for cross-region settlement; closed before the visit is settled
        var mdtrtId = await UnfiledVisitAsync(Platform, His, ZhangWei, "310");
        await Platform.Database.WriteAsync(async unit =>
            (await unit.ExecuteAsync("UPDATE hospitals SET cross_region_enabled = 0 WHERE fixmedins_code = @code", new { code = JilinCentral }), true));
        var byFiling = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldFail("未开通省内异地就医直接结算");

        var bySettlement = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("");

        Assert.Equal(byFiling.ErrMsg, bySettlement.ErrMsg);
        Assert.Empty(await FilingsAsync(Platform));
        Assert.Equal(0, await CountAsync(Platform, "SELECT COUNT(*) FROM settlements"));
    }

    [Fact]
    public async Task A_visit_without_a_diagnosis_is_refused_as_2551_refuses_a_filing_without_one()
    {
        var mdtrtId = await UnfiledVisitAsync(Platform, His, ZhangWei, "310", withDiagnosis: false);

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false))
            .ShouldFail("缺少诊断编码 dise_codg：异地急诊备案须填写ICD-10诊断（如 J18.9）（视同备案取本次就诊的诊断");
        (await Platform.CallAsync("2401", Yanbian, new { mdtrtinfo = new { psn_no = WangFang, insutype = "390", begntime = "2026-03-15 08:00:00", med_type = "24", ipt_no = "ZY0003" } }))
            .ShouldFail("缺少诊断编码 dise_codg：异地急诊备案须填写ICD-10诊断（如 J18.9）（视同备案取入院办理的诊断");

        Assert.Empty(await FilingsAsync(Platform));
        Assert.Equal(0, await CountAsync(Platform, "SELECT COUNT(*) FROM settlements"));
        Assert.Equal(1, await CountAsync(Platform, "SELECT COUNT(*) FROM visits"));
    }

    [Fact]
    public async Task A_care_category_other_than_emergency_is_refused_and_files_nothing()
    {
        var mdtrtId = await UnfiledVisitAsync(Platform, His, ZhangWei, "310");
        var ordinary = new
        {
            data = new { psn_no = ZhangWei, med_type = "11", medfee_sumamt = 75m, mdtrt_id = mdtrtId, insutype = "310", acct_used_flag = "0" },
        };

        (await Platform.CallAsync("2207", JilinCentral, ordinary)).ShouldFail("医疗类别 11 不在本平台受理范围");
        (await Platform.CallAsync("2401", Yanbian, new
        {
            mdtrtinfo = new { psn_no = WangFang, insutype = "390", begntime = "2026-03-15 08:00:00", med_type = "21", ipt_no = "ZY0004", dise_codg = "I21.0", dise_name = "急性心肌梗死" },
        })).ShouldFail("医疗类别 21 不在本平台受理范围");

        Assert.Empty(await FilingsAsync(Platform));
        Assert.Equal(0, (await FiguresAsync(Platform)).Filings);
    }

    [Fact]
    public async Task Undoing_the_settlement_that_filed_implicitly_revokes_that_filing_too()
    {
        var mdtrtId = await UnfiledVisitAsync(Platform, His, ZhangWei, "310");
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false, msgid: msgid)).ShouldSucceed();

        (await His.UndoAsync(ZhangWei, msgid, "2207")).ShouldSucceed();

        Assert.NotNull(Assert.Single(await FilingsAsync(Platform)).RevokedAt);
        var figures = await FiguresAsync(Platform);
        Assert.Equal((0L, 0L), (figures.Filings, figures.Settlements));
    }

    [Fact]
    public async Task A_filing_made_by_2551_is_used_as_before_and_nothing_is_filed_implicitly()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);

        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed();

        Assert.Null(settled.WarnMsg);
        Assert.Equal(0, Assert.Single(await FilingsAsync(Platform)).FiledImplicitly);
    }
}

public sealed class ImplicitFilingTests_Sqlite() : ImplicitFilingTests(new SqliteTarget());

public sealed class ImplicitFilingTests_Postgres() : ImplicitFilingTests(new PostgresTarget());
