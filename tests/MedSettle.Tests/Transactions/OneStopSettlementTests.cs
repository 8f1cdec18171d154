using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// One-stop settlement (DESIGN.md rules 11–15) end to end over HTTP: DESIGN.md's v2 worked examples, each fund in
/// setlinfo and setldetail, reversals taking every fund's pay and base back, 1101's idetinfo.
/// </summary>
public abstract class OneStopSettlementTests(DatabaseTarget target) : PlatformTests(target, WorkedExampleTests.JilinCentral)
{
    private const string SunLi = "22010000000000000006";
    private const string ChenGang = "22010000000000000007";
    private const string ZhaoMin = "22010000000000000008";

    /// <summary>Files, admits (on <paramref name="day"/> at 08:00), uploads and discharges: the admission's mdtrt_id.</summary>
    private async Task<string> AdmissionAsync(string psnNo, string insutype, string day, params (string, decimal, decimal)[] items)
    {
        Platform.Clock.Set(DateTime.Parse(day + " 18:00:00", System.Globalization.CultureInfo.InvariantCulture));
        (await His.FileAsync(psnNo, insutype, day)).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(psnNo, insutype, day + " 08:00:00", "ZY" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, psnNo, items, inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, psnNo, insutype, day + " 17:00:00")).ShouldSucceed();
        return mdtrtId;
    }

    private static (string Type, decimal Base, decimal CapLeft, decimal Pay)[] Detail(Reply reply) =>
        reply.Output.GetProperty("setldetail").EnumerateArray()
            .Select(d => (d.GetProperty("fund_pay_type").GetString()!, d.GetProperty("inscp_scp_amt").GetDecimal(),
                d.GetProperty("crt_payb_lmt_amt").GetDecimal(), d.GetProperty("fund_payamt").GetDecimal()))
            .ToArray();

    private Task<Reply> SunLisSecondAdmissionAsync(string mdtrtId) => His.SettleAsync(mdtrtId, SunLi, "390", 54938.00m, useAccount: false, inpatient: true);

    [Fact]
    public async Task Sun_Lis_second_admission_is_paid_by_major_illness_insurance_in_the_same_settlement()
    {
        var first = await AdmissionAsync(SunLi, "390", "2026-04-02",
            ("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10));
        var one = (await His.SettleAsync(first, SunLi, "390", 39180.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(24232.00m, one.Money("setlinfo", "hifp_pay"));
        Assert.Equal(0.00m, one.Money("setlinfo", "hifmi_pay"));
        Assert.Equal(14948.00m, one.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal([("390100", 37280.00m, 120000.00m, 24232.00m), ("390200", 13648.00m, 300000.00m, 0.00m)], Detail(one));

        var second = await AdmissionAsync(SunLi, "390", "2026-05-10", ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));
        var preview = (await His.PreSettleAsync(second, SunLi, "390", 54938.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(10940.08m, preview.Money("setlinfo", "hifmi_pay"));
        var two = (await SunLisSecondAdmissionAsync(second)).ShouldSucceed();

        Assert.Equal(93.80m, two.Money("setlinfo", "preselfpay_amt"));
        Assert.Equal(54844.20m, two.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(600.00m, two.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(35258.73m, two.Money("setlinfo", "hifp_pay"));
        Assert.Equal(10940.08m, two.Money("setlinfo", "hifmi_pay"));
        Assert.Equal(0.00m, two.Money("setlinfo", "hifob_pay"));
        Assert.Equal(0.00m, two.Money("setlinfo", "maf_pay"));
        Assert.Equal(46198.81m, two.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Equal(8739.19m, two.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal([("390100", 54244.20m, 95768.00m, 35258.73m), ("390200", 19585.47m, 300000.00m, 10940.08m)], Detail(two));
    }

    [Fact]
    public async Task Reversing_a_settlement_takes_every_funds_pay_and_base_back_and_settling_again_gives_the_same()
    {
        var first = await AdmissionAsync(SunLi, "390", "2026-04-02",
            ("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10));
        var one = (await His.SettleAsync(first, SunLi, "390", 39180.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        var second = await AdmissionAsync(SunLi, "390", "2026-05-10", ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));
        var two = (await SunLisSecondAdmissionAsync(second)).ShouldSucceed();

        var reversed = (await His.ReverseAsync(two.Text("setlinfo", "setl_id"), second, SunLi, inpatient: true)).ShouldSucceed();
        Assert.Equal(-10940.08m, reversed.Money("setlinfo", "hifmi_pay"));
        Assert.Equal(-46198.81m, reversed.Money("setlinfo", "fund_pay_sumamt"));
        // the first settlement is reversed too, out of order with nothing between: the year is back to nothing
        (await His.ReverseAsync(one.Text("setlinfo", "setl_id"), first, SunLi, inpatient: true)).ShouldSucceed();
        var year = await Platform.Database.ReadAsync(u => u.FirstOrDefaultAsync<(long, long, long)>(
            "SELECT hifp_paid_fen, hifmi_base_fen, hifmi_paid_fen FROM year_accumulators WHERE psn_no = @psn AND year = 2026", new { psn = SunLi }));
        Assert.Equal((0L, 0L, 0L), year);

        // settled again in the same order, the same figures to the fen
        (await His.SettleAsync(first, SunLi, "390", 39180.00m, useAccount: false, inpatient: true, msgid: null)).ShouldSucceed();
        var again = (await SunLisSecondAdmissionAsync(second)).ShouldSucceed();
        Assert.Equal(10940.08m, again.Money("setlinfo", "hifmi_pay"));
        Assert.Equal(8739.19m, again.Money("setlinfo", "psn_cash_pay"));
        var stored = await Platform.Database.ReadAsync(u => u.FirstOrDefaultAsync<(long, long)>(
            "SELECT hifmi_base_fen, hifmi_paid_fen FROM year_accumulators WHERE psn_no = @psn AND year = 2026", new { psn = SunLi }));
        Assert.Equal((1364800L + 1958547L, 1094008L), stored);
    }

    [Fact]
    public async Task Chen_Gangs_admission_beyond_the_basic_cap_is_paid_by_the_large_expense_subsidy()
    {
        var mdtrtId = await AdmissionAsync(ChenGang, "310", "2026-04-20", ("311300001", 1800.00m, 120), ("210102001", 240.00m, 4));

        var settled = (await His.SettleAsync(mdtrtId, ChenGang, "310", 216960.00m, useAccount: true, inpatient: true)).ShouldSucceed();

        Assert.Equal(216864.00m, settled.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(800.00m, settled.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(150000.00m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(35634.07m, settled.Money("setlinfo", "hifob_pay"));
        Assert.Equal(185634.07m, settled.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Equal(31325.93m, settled.Money("setlinfo", "psn_part_amt"));
        Assert.Equal(800.00m, settled.Money("setlinfo", "acct_pay"));
        Assert.Equal(30525.93m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(0.00m, settled.Money("setlinfo", "balc"));
        Assert.Equal([("310100", 216064.00m, 150000.00m, 150000.00m), ("330100", 39593.41m, 400000.00m, 35634.07m)], Detail(settled));
    }

    [Fact]
    public async Task Zhao_Min_on_minimum_living_allowance_pays_what_medical_assistance_leaves()
    {
        var mdtrtId = await AdmissionAsync(ZhaoMin, "390", "2026-06-01",
            ("311300001", 1800.00m, 25), ("XJ01DDA036B001010178838", 23.45m, 20), ("XS0000000001", 88.00m, 5));

        var settled = (await His.SettleAsync(mdtrtId, ZhaoMin, "390", 45909.00m, useAccount: false, inpatient: true)).ShouldSucceed();

        Assert.Equal(45422.10m, settled.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(29134.37m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(772.64m, settled.Money("setlinfo", "hifmi_pay"));
        Assert.Equal(10160.56m, settled.Money("setlinfo", "maf_pay"));
        Assert.Equal(40067.57m, settled.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Equal(5841.43m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(
            [("390100", 44822.10m, 120000.00m, 29134.37m), ("390200", 16287.73m, 300000.00m, 772.64m), ("610100", 15515.09m, 30000.00m, 10160.56m)],
            Detail(settled));

        var person = (await Platform.CallAsync("1101", WorkedExampleTests.JilinCentral,
            new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220106197212040749" } })).ShouldSucceed();
        var idet = person.Output.GetProperty("idetinfo");
        Assert.Equal(1, idet.GetArrayLength());
        Assert.Equal("2", idet[0].GetProperty("psn_idet_type").GetString());
    }

    [Fact]
    public async Task The_v1_examples_settle_as_before_with_a_supplementary_row_paying_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(WorkedExampleTests.ZhangWei, "310", WorkedExampleTests.FirstVisitBill);
        var settled = (await His.SettleAsync(mdtrtId, WorkedExampleTests.ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();

        Assert.Equal(159.45m, settled.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Equal(0.00m, settled.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal([("310100", 245.31m, 150000.00m, 159.45m), ("330100", 0.00m, 400000.00m, 0.00m)], Detail(settled));

        var person = (await Platform.CallAsync("1101", WorkedExampleTests.JilinCentral,
            new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110" } })).ShouldSucceed();
        Assert.Equal(0, person.Output.GetProperty("idetinfo").GetArrayLength());
    }
}

public sealed class OneStopSettlementTests_Sqlite() : OneStopSettlementTests(new SqliteTarget());

public sealed class OneStopSettlementTests_Postgres() : OneStopSettlementTests(new PostgresTarget());
