using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>The emergency admission (急诊转住院): 2401/2402/2404/2405, 2301/2302, 2303/2304/2305.</summary>
public abstract class InpatientTests(DatabaseTarget target) : PlatformTests(target, Yanbian)
{

    private async Task<string> AdmittedAsync()
    {
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        return (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8]))
            .ShouldSucceed().Text("result", "mdtrt_id");
    }

    [Fact]
    public async Task The_names_real_clients_give_to_national_fields_are_read_as_those_fields()
    {
        // dise_code for dise_codg (2551, 2203, 2402), 2402's node named mdtrtinfo, medins_code for fixmedins_code, 2203A for 2203.
        (await Platform.CallAsync("2551", Yanbian, new { data = new { psn_no = WangFang, insutype = "390", begndate = "2026-03-14", dise_code = "I21.0", dise_name = "急性心肌梗死" } }))
            .ShouldSucceed();
        var outpatient = (await His.RegisterAsync(WangFang, "390", "2026-03-14 20:00:00", "MZ" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("data", "mdtrt_id");
        (await Platform.CallAsync("2203A", Yanbian, new { mdtrtinfo = new { mdtrt_id = outpatient, psn_no = WangFang, med_type = "13", dise_code = "R07.4", dise_name = "胸痛" } }))
            .ShouldSucceed();
        (await Platform.CallAsync("2202", Yanbian, new { data = new { mdtrt_id = outpatient, psn_no = WangFang } })).ShouldSucceed();
        var admission = (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        var discharge = Platform.Envelope("2402", Yanbian, new { mdtrtinfo = new { mdtrt_id = admission, psn_no = WangFang, insutype = "390", endtime = "2026-03-15 09:00:00", dise_code = "I21.9" } })
            .Replace("\"fixmedins_code\"", "\"medins_code\"");

        (await Platform.PostAsync(discharge, Yanbian)).ShouldSucceed();

        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal("I21.0", await connection.ExecuteScalarAsync<string>("SELECT dise_codg FROM filings WHERE psn_no = @WangFang", new { WangFang }));
        Assert.Equal("R07.4", await connection.ExecuteScalarAsync<string>("SELECT dise_codg FROM visits WHERE mdtrt_id = @outpatient", new { outpatient }));
        Assert.Equal(("2026-03-15 09:00:00", "I21.9"), await connection.QuerySingleAsync<(string, string)>(
            "SELECT endtime, dise_codg FROM visits WHERE mdtrt_id = @admission", new { admission }));
        (await Platform.CallAsync("2203B", Yanbian, new { mdtrtinfo = new { mdtrt_id = outpatient } })).ShouldFail("不支持的交易编号 2203B");
    }

    [Fact]
    public async Task An_admission_must_be_an_emergency_admission()
    {
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();

        (await Platform.CallAsync("2401", Yanbian, new { mdtrtinfo = new { psn_no = WangFang, insutype = "390", begntime = "2026-03-14 22:00:00", med_type = "21", ipt_no = "ZY1" } }))
            .ShouldFail("本平台只办理省内异地急诊直接结算");
    }

    [Fact]
    public async Task Discharge_can_be_cancelled_until_the_final_settlement_and_admission_until_any_settlement()
    {
        var mdtrtId = await AdmittedAsync();
        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 8)], inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-14 20:00:00")).ShouldFail("早于入院时间");
        (await His.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 10:00:00")).ShouldFail("已于 2026-03-15 09:00:00 办理出院");
        (await Platform.CallAsync("2404", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } })).ShouldFail("请先撤销出院（2405）");

        var setlId = (await His.SettleAsync(mdtrtId, WangFang, "390", 144.00m, useAccount: false, inpatient: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await Platform.CallAsync("2405", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } })).ShouldFail("须先撤销结算（2305）");
        (await His.ReverseAsync(setlId, mdtrtId, WangFang)).ShouldFail("请用 2305 撤销");
        (await His.ReverseAsync(setlId, mdtrtId, WangFang, inpatient: true)).ShouldSucceed();
        (await Platform.CallAsync("2405", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } })).ShouldSucceed();
        (await Platform.CallAsync("2404", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } })).ShouldSucceed();
        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 1)], inpatient: true, firstSn: 9)).ShouldFail("撤销入院");
    }

    [Fact]
    public async Task Inpatient_fee_lines_can_be_withdrawn_one_by_one_before_settlement()
    {
        var mdtrtId = await AdmittedAsync();
        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 8), ("110900001", 55.00m, 4)], inpatient: true)).ShouldSucceed();

        (await Platform.CallAsync("2302", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang, feedetl_sn = "0002" } })).ShouldSucceed();
        (await Platform.CallAsync("2302", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang, feedetl_sn = "0002" } })).ShouldFail("没有收费批次/明细 0002");

        var pre = (await His.PreSettleAsync(mdtrtId, WangFang, "390", 144.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(144.00m, pre.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal("", pre.Text("setlinfo", "setl_id"));
    }

    [Fact]
    public async Task Outpatient_transactions_do_not_act_on_an_admission()
    {
        var mdtrtId = await AdmittedAsync();

        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 8)])).ShouldFail("请使用住院交易");
        (await Platform.CallAsync("2202", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } })).ShouldFail("请使用住院交易");
    }
}

public sealed class InpatientTests_Sqlite() : InpatientTests(new SqliteTarget());

public sealed class InpatientTests_Postgres() : InpatientTests(new PostgresTarget());
