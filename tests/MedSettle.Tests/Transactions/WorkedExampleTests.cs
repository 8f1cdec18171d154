using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Transactions;

/// <summary>DESIGN.md's worked examples, end to end over HTTP: file, register, upload, settle.</summary>
public abstract class WorkedExampleTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    internal const string ZhangWei = "22010000000000000001";
    internal const string WangFang = "22010000000000000002";
    internal const string JilinCentral = "H22020000001";
    internal const string Yanbian = "H22240000001";

    internal static readonly (string, decimal, decimal)[] FirstVisitBill =
    [
        ("110200001", 50.00m, 1), ("210102001", 240.00m, 1), ("311201001", 72.00m, 2),
        ("XJ01DDA036B001010178838", 23.45m, 3), ("C14010101001", 6.50m, 2), ("XS0000000001", 88.00m, 1),
    ];

    internal static readonly (string, decimal, decimal)[] SecondVisitBill = [("110200001", 50.00m, 1), ("250101001", 25.00m, 1)];

    [Fact]
    public async Task First_emergency_visit_of_the_year_settles_to_the_cent()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();

        Assert.Equal(605.35m, settled.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(88.00m, settled.Money("setlinfo", "fulamt_ownpay_amt"));
        Assert.Equal(27.00m, settled.Money("setlinfo", "overlmt_selfpay"));
        Assert.Equal(45.04m, settled.Money("setlinfo", "preselfpay_amt"));
        Assert.Equal(445.31m, settled.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(200.00m, settled.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(159.45m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(159.45m, settled.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Equal(445.90m, settled.Money("setlinfo", "psn_part_amt"));
        Assert.Equal(445.90m, settled.Money("setlinfo", "acct_pay"));
        Assert.Equal(0.00m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(1074.60m, settled.Money("setlinfo", "balc"));
        Assert.Equal(0.65m, settled.Money("setlinfo", "pool_prop_selfpay"));
        Assert.Equal("220100", settled.Text("setlinfo", "clr_optins"));
        Assert.Equal("11", settled.Text("setlinfo", "clr_type"));
        Assert.Contains("\"balc\":1074.60", settled.Body);
        var detail = settled.Output.GetProperty("setldetail")[0];
        Assert.Equal("310100", detail.GetProperty("fund_pay_type").GetString());
        Assert.Equal(159.45m, detail.GetProperty("fund_payamt").GetDecimal());
        Assert.Equal(150000.00m, detail.GetProperty("crt_payb_lmt_amt").GetDecimal());
    }

    [Fact]
    public async Task Second_visit_of_the_year_meets_no_deductible_and_shows_the_cap_left()
    {
        var first = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();

        var second = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill, day: "2026-03-15");
        var settled = (await His.SettleAsync(second, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed();

        Assert.Equal(0.00m, settled.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(48.75m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(26.25m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(0.00m, settled.Money("setlinfo", "acct_pay"));
        Assert.Equal(1074.60m, settled.Money("setlinfo", "balc"));
        Assert.Equal(149840.55m, settled.Output.GetProperty("setldetail")[0].GetProperty("crt_payb_lmt_amt").GetDecimal());
    }

    [Fact]
    public async Task Emergency_admission_settles_after_discharge_to_the_cent()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var admitted = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001")).ShouldSucceed();
        var mdtrtId = admitted.Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang,
        [
            ("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
            ("120400001", 18.00m, 8), ("210102001", 240.00m, 2),
        ], inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();

        var settled = (await his.SettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldSucceed();

        Assert.Equal(958.76m, settled.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(60.00m, settled.Money("setlinfo", "overlmt_selfpay"));
        Assert.Equal(51.17m, settled.Money("setlinfo", "preselfpay_amt"));
        Assert.Equal(847.59m, settled.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(600.00m, settled.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(160.93m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(797.83m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(0.00m, settled.Money("setlinfo", "balc"));
        Assert.Equal("21", settled.Text("setlinfo", "clr_type"));
        Assert.Equal("390100", settled.Output.GetProperty("setldetail")[0].GetProperty("fund_pay_type").GetString());
        // one-stop (v2): 大病's row on the in-scope burden 847.59 − 160.93, far below its threshold, paying nothing
        var major = settled.Output.GetProperty("setldetail")[1];
        Assert.Equal("390200", major.GetProperty("fund_pay_type").GetString());
        Assert.Equal(686.66m, major.GetProperty("inscp_scp_amt").GetDecimal());
        Assert.Equal(0.00m, major.GetProperty("fund_payamt").GetDecimal());
        Assert.Equal(0.00m, settled.Money("setlinfo", "hifmi_pay"));
    }

    [Fact]
    public async Task Fee_upload_answers_the_grading_of_every_line()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldSucceed().Text("data", "mdtrt_id");

        var uploaded = (await His.UploadAsync(mdtrtId, ZhangWei, FirstVisitBill)).ShouldSucceed();

        var lines = uploaded.Output.GetProperty("result");
        Assert.Equal(6, lines.GetArrayLength());
        var monitoring = lines[2];
        Assert.Equal(144.00m, monitoring.GetProperty("det_item_fee_sumamt").GetDecimal());
        Assert.Equal(24.00m, monitoring.GetProperty("overlmt_amt").GetDecimal());
        Assert.Equal(12.00m, monitoring.GetProperty("preselfpay_amt").GetDecimal());
        Assert.Equal(108.00m, monitoring.GetProperty("inscp_scp_amt").GetDecimal());
        Assert.Equal("02", monitoring.GetProperty("chrgitm_lv").GetString());
        Assert.Equal(7.04m, lines[3].GetProperty("preselfpay_amt").GetDecimal());
        Assert.Equal(88.00m, lines[5].GetProperty("fulamt_ownpay_amt").GetDecimal());
    }
}

public sealed class WorkedExampleTests_Sqlite() : WorkedExampleTests(new SqliteTarget());

public sealed class WorkedExampleTests_Postgres() : WorkedExampleTests(new PostgresTarget());
