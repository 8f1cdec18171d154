using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>Settling, pre-settling and reversing: what each may change, and every refusal on the way.</summary>
public abstract class SettlementFlowTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{

    private async Task<(long FundPaid, long Deductible, long Balance)> ZhangWeiStateAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var fund = await connection.ExecuteScalarAsync<long?>("SELECT hifp_paid_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = ZhangWei }) ?? 0;
        var dedc = await connection.ExecuteScalarAsync<long?>("SELECT dedc_outpatient_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = ZhangWei }) ?? 0;
        var balance = await connection.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei });
        return (fund, dedc, balance);
    }

    [Fact]
    public async Task Pre_settlement_explains_the_bill_and_changes_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var before = await ZhangWeiStateAsync();

        var first = (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var again = (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();

        Assert.Equal(159.45m, first.Money("setlinfo", "hifp_pay"));
        Assert.Equal(first.Money("setlinfo", "acct_pay"), again.Money("setlinfo", "acct_pay"));
        Assert.Equal(before, await ZhangWeiStateAsync());
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
    }

    [Fact]
    public async Task A_policy_row_with_a_deductible_basis_this_program_does_not_know_is_refused_not_read_as_per_visit()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var before = await ZhangWeiStateAsync();
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            // written past the importer's checks, as a hand-edited database would have it; servers read reference data again
            await connection.ExecuteAsync(
                "UPDATE policies SET deductible_basis = 'per_month' WHERE insuplc_admdvs = '220100' AND insutype = '310' AND category = 'emergency_outpatient'");
            await connection.ExecuteAsync("UPDATE reference_data SET version = version + 1 WHERE id = 1");
        }

        var refused = await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true);

        refused.ShouldFail("起付线方式“per_month”无法识别");
        Assert.Equal(before, await ZhangWeiStateAsync());
        await using var check = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements"));
    }

    [Fact]
    public void A_stored_policy_row_of_an_unknown_category_is_never_taken_for_emergency_outpatient_care()
    {
        var row = new MedSettle.Storage.PolicyRow
        {
            InsuplcAdmdvs = "220100", Insutype = "310", Category = "outpatient", HospLv = 3, EffectiveFrom = "2026-01-01",
            DeductibleFen = 20000, DeductibleBasis = "per_year", Ratio = "0.65", AnnualCapFen = 300000,
        };
        Assert.Contains("类别“outpatient”", Assert.Throws<Refusal>(() => Settle.ToPolicy(row)).Message);
        row.Category = "inpatient";
        Assert.Equal(MedSettle.Engine.CareCategory.Inpatient, Settle.ToPolicy(row).Category);
    }

    [Fact]
    public async Task Settling_twice_with_the_same_msgid_pays_once()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);

        var first = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();
        var retry = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();

        Assert.Equal(first.Body, retry.Body);
        Assert.Equal((15945L, 20000L, 107460L), await ZhangWeiStateAsync());
        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));
    }

    [Fact]
    public async Task The_same_msgid_with_different_input_is_refused_and_changes_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: false, msgid: msgid)).ShouldSucceed();
        var state = await ZhangWeiStateAsync();

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldFail("已用于一笔内容不同的 2207 交易：重试时内容须与原报文完全相同");
        (await His.FileAsync(ZhangWei, "310", "2026-03-15", msgid: msgid)).ShouldFail("已用于另一笔交易");

        Assert.Equal(state, await ZhangWeiStateAsync());
    }

    [Fact]
    public async Task Settling_an_already_settled_visit_is_refused()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldFail($"已结算（{setlId}）");
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, firstSn: 10)).ShouldFail("已结算");
    }

    [Fact]
    public async Task Reversal_restores_the_accumulators_and_the_account_and_the_visit_can_be_settled_again()
    {
        var before = await ZhangWeiStateAsync();
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var setlId = settled.Text("setlinfo", "setl_id");
        var policy = settled.Output.GetProperty("setldetail")[0].GetProperty("setl_proc_info").GetString()!;
        Assert.StartsWith("起付线200.00，支付比例", policy);

        var reversed = (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();

        // the reversal's detail names what it undoes, with the deductible given back as a positive amount
        Assert.Equal($"撤销结算{setlId}：退回{policy}", reversed.Output.GetProperty("setldetail")[0].GetProperty("setl_proc_info").GetString());
        Assert.Equal(-159.45m, reversed.Money("setlinfo", "hifp_pay"));
        Assert.Equal(-445.90m, reversed.Money("setlinfo", "acct_pay"));
        Assert.Equal(1520.50m, reversed.Money("setlinfo", "balc"));
        Assert.Equal(before, await ZhangWeiStateAsync());
        var again = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal(200.00m, again.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(1074.60m, again.Money("setlinfo", "balc"));
    }

    [Fact]
    public async Task After_a_reversal_its_lines_and_those_uploaded_since_are_settled_together_and_each_settlement_keeps_its_own()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var first = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await His.ReverseAsync(first, mdtrtId, ZhangWei)).ShouldSucceed();
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, batch: "B2", firstSn: 10)).ShouldSucceed();

        // the released lines alone no longer make the bill: the lines uploaded since belong to it too
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: false)).ShouldFail("不一致");
        var second = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 680.35m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await Platform.CallAsync("2205", JilinCentral, new { data = new { mdtrt_id = mdtrtId, chrg_bchno = "B2", psn_no = ZhangWei } }))
            .ShouldFail("已结算");

        await using var connection = await Platform.Database.OpenConnectionAsync();
        var lines = (await connection.QueryAsync<(string SetlId, long Count, long Fen)>(
            $"""
            SELECT COALESCE(f.setl_id, ''), COUNT(*), CAST(SUM(f.amount_fen) AS BIGINT) FROM ({MedSettle.Transactions.Bills.LinesWithSettlement} WHERE f.mdtrt_id = @mdtrtId) f
            GROUP BY f.setl_id
            """, new { mdtrtId })).ToList();
        Assert.Equal([(second, FirstVisitBill.Length + SecondVisitBill.Length, 68035L)], lines);
        // (settled in the same second of the test's clock: ids do not count up, the bill numbers do)
        Assert.Equal([(first, 1L), (second, 2L)], await connection.QueryAsync<(string, long)>(
            "SELECT setl_id, bill_no FROM settlements WHERE mdtrt_id = @mdtrtId AND kind = 'settle' ORDER BY bill_no", new { mdtrtId }));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task Reversing_twice_is_refused()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        var state = await ZhangWeiStateAsync();

        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldFail("不能重复撤销");

        Assert.Equal(state, await ZhangWeiStateAsync());
    }

    [Fact]
    public async Task A_total_that_differs_from_the_uploaded_details_is_refused()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 600.00m, useAccount: true)).ShouldFail("与已上传的费用明细合计 605.35 不一致");

        Assert.Equal((0L, 0L, 152050L), await ZhangWeiStateAsync());
    }

    [Fact]
    public async Task An_upload_with_codes_not_in_the_catalogue_is_refused_whole_and_names_every_unknown_code()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldSucceed().Text("data", "mdtrt_id");

        var refused = (await His.UploadAsync(mdtrtId, ZhangWei, [("110200001", 50m, 1), ("NOPE001", 1m, 1), ("NOPE002", 2m, 1)]))
            .ShouldFail("NOPE001");
        Assert.Contains("NOPE002", refused.ErrMsg);

        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 50m, useAccount: false)).ShouldFail("没有待结算的费用明细");
    }

    [Fact]
    public async Task An_amount_that_is_not_price_times_count_is_refused()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldSucceed().Text("data", "mdtrt_id");

        (await His.UploadAsync(mdtrtId, ZhangWei, [("XJ01DDA036B001010178838", 23.45m, 3)], amountOverride: 70.34m))
            .ShouldFail("不等于 单价 23.45 × 数量 3 = 70.35");
    }

    [Fact]
    public async Task Another_hospitals_visit_and_settlement_cannot_be_touched()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var other = new His(Platform, "H22020000002");

        (await other.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, firstSn: 20)).ShouldFail($"未找到就诊 {mdtrtId}（或不属于本机构）");
        (await other.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldFail($"未找到就诊 {mdtrtId}（或不属于本机构）");
        (await other.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldFail($"未找到就诊 {mdtrtId}（或不属于本机构）");
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await other.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldFail($"未找到结算 {setlId}（或不属于本机构）");

        Assert.Equal((15945L, 20000L, 107460L), await ZhangWeiStateAsync());
    }

    [Fact]
    public async Task Final_inpatient_settlement_needs_discharge_and_a_mid_stay_settlement_does_not()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001")).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang, [("110900001", 55.00m, 4), ("210102001", 240.00m, 2)], inpatient: true)).ShouldSucceed();

        (await his.SettleAsync(mdtrtId, WangFang, "390", 700.00m, useAccount: false, inpatient: true)).ShouldFail("须先办理出院（2402）");

        var mid = (await his.SettleAsync(mdtrtId, WangFang, "390", 700.00m, useAccount: false, inpatient: true, midSetlFlag: "1")).ShouldSucceed();
        Assert.Equal(592.00m, mid.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(0.00m, mid.Money("setlinfo", "hifp_pay"));
        (await his.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 8)], inpatient: true, firstSn: 10)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-16 09:00:00")).ShouldSucceed();
        var final = (await his.SettleAsync(mdtrtId, WangFang, "390", 144.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(8.00m, final.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(88.40m, final.Money("setlinfo", "hifp_pay"));

        // The final settlement met only what the mid-stay one left of the deductible: so it is reversed first.
        var (midId, finalId) = (mid.Text("setlinfo", "setl_id"), final.Text("setlinfo", "setl_id"));
        (await his.ReverseAsync(midId, mdtrtId, WangFang, inpatient: true)).ShouldFail($"请先撤销 {finalId}");
        (await his.ReverseAsync(finalId, mdtrtId, WangFang, inpatient: true)).ShouldSucceed();
        (await his.ReverseAsync(midId, mdtrtId, WangFang, inpatient: true)).ShouldSucceed();
        var again = (await his.SettleAsync(mdtrtId, WangFang, "390", 844.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal(600.00m, again.Money("setlinfo", "act_pay_dedc"));
    }

    [Fact]
    public async Task A_visit_cannot_begin_after_now_and_a_bill_of_nothing_is_not_settled()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        // the clock reads 2026-03-15 10:00:00; a HIS clock a few minutes ahead is let through
        (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 10:30:00", "MZ-LATER")).ShouldFail("晚于当前时间 2026-03-15 10:00:00");
        (await His.AdmitAsync(ZhangWei, "310", "2099-06-01 09:00:00", "ZY-LATER")).ShouldFail("入院只能在患者到院后办理");
        (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 10:04:00", "MZ-SKEW")).ShouldSucceed();

        var free = await His.OutpatientVisitAsync(ZhangWei, "310", [("110200001", 0.00m, 1)]);
        (await His.PreSettleAsync(free, ZhangWei, "310", 0.00m, useAccount: false)).ShouldFail("合计为 0.00，无需结算");
        (await His.SettleAsync(free, ZhangWei, "310", 0.00m, useAccount: false)).ShouldFail("合计为 0.00，无需结算");
    }

    [Fact]
    public async Task A_visit_registered_without_a_diagnosis_takes_its_filings_until_2203_brings_one()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15", diseCodg: "I21.0")).ShouldSucceed();
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ-DX")).ShouldSucceed().Text("data", "mdtrt_id");
        await using var connection = await Platform.Database.OpenConnectionAsync();
        async Task<(string, string)> DiagnosisAsync() =>
            await connection.QuerySingleAsync<(string, string)>("SELECT dise_codg, dise_name FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId });

        Assert.Equal(("I21.0", "急诊诊断"), await DiagnosisAsync());
        (await Platform.CallAsync("2203", JilinCentral, new
        {
            mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, med_type = "13", begntime = "2026-03-15 09:00:00", dise_codg = "I21.9", dise_name = "急性心肌梗死" },
        })).ShouldSucceed();
        Assert.Equal(("I21.9", "急性心肌梗死"), await DiagnosisAsync());
    }

    [Fact]
    public async Task A_settlement_cannot_use_the_wrong_medical_type_or_transaction()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        (await Platform.CallAsync("2207", JilinCentral, new
        {
            data = new { psn_no = ZhangWei, med_type = "11", medfee_sumamt = 605.35m, mdtrt_id = mdtrtId, insutype = "310", acct_used_flag = "0" },
        })).ShouldFail("本平台只办理省内异地急诊直接结算");
        (await Platform.CallAsync("2203", JilinCentral, new
        {
            mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, med_type = "11", begntime = "2026-03-15 09:00:00", dise_codg = "J18.9", dise_name = "肺炎" },
        })).ShouldFail("本平台只办理省内异地急诊直接结算");
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: false, inpatient: true)).ShouldFail("是门诊就诊");
        (await Platform.CallAsync("2203", JilinCentral, new
        {
            mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, med_type = "13", begntime = "2026-03-15 09:00:00", dise_codg = "J18.9", dise_name = "肺炎" },
        })).ShouldSucceed();
    }

    [Fact]
    public async Task Withdrawn_fee_lines_are_not_settled()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, batch: "B2", firstSn: 10)).ShouldSucceed();

        (await Platform.CallAsync("2205", JilinCentral, new { data = new { mdtrt_id = mdtrtId, chrg_bchno = "B2", psn_no = ZhangWei } })).ShouldSucceed();

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        (await Platform.CallAsync("2205", JilinCentral, new { data = new { mdtrt_id = mdtrtId, chrg_bchno = "B1", psn_no = ZhangWei } }))
            .ShouldFail("已结算");
    }

    [Fact]
    public async Task A_visit_may_be_registered_before_filing_but_is_settled_only_with_a_covering_filing()
    {
        var registered = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldSucceed();
        Assert.Contains("结算前须办理备案（2551）", registered.WarnMsg);
        var early = registered.Text("data", "mdtrt_id");
        (await His.UploadAsync(early, ZhangWei, SecondVisitBill)).ShouldSucceed();
        (await His.PreSettleAsync(early, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("请先办理备案（2551）后再结算");
        (await His.FileAsync(ZhangWei, "310", "2026-03-14", enddate: "2026-03-14")).ShouldSucceed();
        (await His.SettleAsync(early, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("没有覆盖 2026-03-15 的有效异地急诊备案");
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        (await His.SettleAsync(early, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed();
    }

    [Fact]
    public async Task A_settlement_takes_the_filing_that_covers_its_day_not_an_earlier_or_a_revoked_one()
    {
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldSucceed().Text("data", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill)).ShouldSucceed();
        (await His.FileAsync(ZhangWei, "310", "2026-03-14", enddate: "2026-03-14")).ShouldSucceed();
        var revoked = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
        (await Platform.CallAsync("2552", JilinCentral, new { data = new { trt_dcla_detl_sn = revoked, psn_no = ZhangWei } })).ShouldSucceed();
        var covering = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed();

        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(covering, await connection.ExecuteScalarAsync<string>("SELECT trt_dcla_detl_sn FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));
    }

    [Fact]
    public async Task Care_in_the_persons_own_region_is_not_registered()
    {
        (await new His(Platform, "H22010000001").RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1")).ShouldFail("属于本地就医");
    }

    [Fact]
    public async Task A_cancelled_registration_cannot_be_settled()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await Platform.CallAsync("2202", JilinCentral, new { data = new { psn_no = ZhangWei, mdtrt_id = mdtrtId, ipt_otp_no = "x" } })).ShouldSucceed();

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("撤销挂号");
    }
}

public sealed class SettlementFlowTests_Sqlite() : SettlementFlowTests(new SqliteTarget());

public sealed class SettlementFlowTests_Postgres() : SettlementFlowTests(new PostgresTarget());
