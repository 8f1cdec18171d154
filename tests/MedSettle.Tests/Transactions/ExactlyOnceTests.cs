using Dapper;
using MedSettle.Import;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>2601 冲正, fencing of messages that never arrived, and concurrent settlements for one person.</summary>
public abstract class ExactlyOnceTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{

    private async Task<T> ScalarAsync<T>(string sql, object? param = null)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, param))!;
    }

    [Fact]
    public async Task Undoing_a_settlement_by_its_msgid_reverses_it()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();

        (await His.UndoAsync(ZhangWei, msgid, "2207")).ShouldSucceed();

        Assert.Equal(152050L, await ScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT hifp_paid_fen FROM year_accumulators WHERE psn_no = @p", new { p = ZhangWei }));
        (await His.UndoAsync(ZhangWei, msgid, "2207")).ShouldFail("不能重复冲正");
        var again = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal(159.45m, again.Money("setlinfo", "hifp_pay"));
    }

    [Fact]
    public async Task Undoing_a_message_that_never_arrived_fences_it_so_its_late_arrival_is_refused()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var lost = Platform.NewMsgid(JilinCentral);

        var undone = (await His.UndoAsync(ZhangWei, lost, "2207")).ShouldSucceed();
        Assert.Contains("未到达", undone.WarnMsg);

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: lost)).ShouldFail("已被冲正");
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM settlements"));
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
    }

    [Fact]
    public async Task Undo_withdraws_a_fee_upload_cancels_a_registration_and_revokes_a_filing()
    {
        var fileMsgid = Platform.NewMsgid(JilinCentral);
        (await His.FileAsync(ZhangWei, "310", "2026-03-15", msgid: fileMsgid)).ShouldSucceed();
        var registerMsgid = Platform.NewMsgid(JilinCentral);
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ1", registerMsgid)).ShouldSucceed().Text("data", "mdtrt_id");
        var uploadMsgid = Platform.NewMsgid(JilinCentral);
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, msgid: uploadMsgid)).ShouldSucceed();

        (await His.UndoAsync(ZhangWei, uploadMsgid, "2204")).ShouldSucceed();
        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("没有待结算的费用明细");
        (await His.UndoAsync(ZhangWei, registerMsgid, "2201")).ShouldSucceed();
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, firstSn: 5)).ShouldFail("撤销挂号");
        (await His.UndoAsync(ZhangWei, fileMsgid, "2551")).ShouldSucceed();
        var later = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:30:00", "MZ2")).ShouldSucceed().Text("data", "mdtrt_id");
        (await His.UploadAsync(later, ZhangWei, SecondVisitBill)).ShouldSucceed();
        (await His.PreSettleAsync(later, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("请先办理备案");
    }

    [Fact]
    public async Task A_hospital_cannot_undo_another_hospitals_message()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();

        (await new His(Platform, "H22020000002").UndoAsync(ZhangWei, msgid, "2207")).ShouldSucceed();

        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE reversed_by IS NULL"));
        Assert.Equal(107460L, await ScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei }));
    }

    [Fact]
    public async Task Undo_checks_the_transaction_code_and_the_person()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();

        (await His.UndoAsync(ZhangWei, msgid, "2204")).ShouldFail("交易编号是 2207");
        (await His.UndoAsync(WangFang, msgid, "2207")).ShouldFail("不是 " + WangFang);
    }

    [Fact]
    public async Task Fifty_concurrent_settlements_for_one_person_never_pay_past_the_annual_cap()
    {
        var bundle = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(bundle, "policies.json"), """
            [{"insuplc_admdvs":"220100","insutype":"310","category":"emergency_outpatient","hosp_lv":3,"effective_from":"2026-03-01",
              "deductible":200,"deductible_basis":"per_year","ratio":0.65,"annual_cap":3000}]
            """);
        await new BundleImporter(Platform.Database).ImportAsync(bundle);
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var visits = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", $"MZ{i:D3}")).ShouldSucceed().Text("data", "mdtrt_id");
            (await His.UploadAsync(mdtrtId, ZhangWei, [("110200001", 100.00m, 5), ("XJ01DDA036B001010178838", 23.45m, 2)])).ShouldSucceed();
            visits.Add(mdtrtId);
        }

        var replies = await Task.WhenAll(visits.Select(v => His.SettleAsync(v, ZhangWei, "310", 546.90m, useAccount: true)));

        Assert.All(replies, r => r.ShouldSucceed());
        var fundPaid = replies.Sum(r => r.Money("setlinfo", "hifp_pay"));
        var accountPaid = replies.Sum(r => r.Money("setlinfo", "acct_pay"));
        Assert.Equal(3000.00m, fundPaid);
        Assert.Equal(1520.50m, accountPaid);
        Assert.Equal(300000L, await ScalarAsync<long>("SELECT hifp_paid_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = ZhangWei }));
        Assert.Equal(300000L, await ScalarAsync<long>("SELECT SUM(hifp_fen) FROM settlements WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Equal(20000L, await ScalarAsync<long>("SELECT dedc_outpatient_fen FROM year_accumulators WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Equal(1, replies.Count(r => r.Money("setlinfo", "act_pay_dedc") > 0));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    /// <summary>A small 大病 row for 长春市's residents from 2026-03-01: from the first fen at 50 %, at most <paramref name="cap"/>.</summary>
    private async Task ImportSmallMajorIllnessCapAsync(decimal cap)
    {
        var bundle = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(bundle, "supplements.json"), $$"""
            [{"insuplc_admdvs":"220100","fund":"hifmi","insutype":"390","effective_from":"2026-03-01","threshold":0,
              "bands":[{"upto":null,"ratio":0.5}],"annual_cap":{{cap}}}]
            """);
        await new BundleImporter(Platform.Database).ImportAsync(bundle);
    }

    [Fact]
    public async Task Fifty_concurrent_settlements_for_one_resident_never_pay_past_a_small_major_illness_cap()
    {
        await ImportSmallMajorIllnessCapAsync(1000m);
        (await His.FileAsync(WangFang, "390", "2026-03-15")).ShouldSucceed();
        var visits = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var mdtrtId = (await His.RegisterAsync(WangFang, "390", "2026-03-15 09:00:00", $"MZ{i:D3}")).ShouldSucceed().Text("data", "mdtrt_id");
            (await His.UploadAsync(mdtrtId, WangFang, [("110200001", 100.00m, 5), ("XJ01DDA036B001010178838", 23.45m, 2)])).ShouldSucceed();
            visits.Add(mdtrtId);
        }

        var replies = await Task.WhenAll(visits.Select(v => His.SettleAsync(v, WangFang, "390", 546.90m, useAccount: false)));

        Assert.All(replies, r => r.ShouldSucceed());
        var paid = replies.Sum(r => r.Money("setlinfo", "hifmi_pay"));
        var bases = replies.Sum(r => r.Output.GetProperty("setldetail")[1].GetProperty("inscp_scp_amt").GetDecimal());
        Assert.Equal(1000.00m, paid);
        Assert.All(replies, r => Assert.Equal(r.Money("setlinfo", "fund_pay_sumamt"), r.Money("setlinfo", "hifp_pay") + r.Money("setlinfo", "hifmi_pay")));
        Assert.Equal(100000L, await ScalarAsync<long>("SELECT hifmi_paid_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = WangFang }));
        Assert.Equal((long)(bases * 100), await ScalarAsync<long>("SELECT hifmi_base_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = WangFang }));
        // each settlement saw the cap left by those before it: one of them took the last of it, the rest found none
        Assert.Equal(0.00m, replies.Select(r => r.Output.GetProperty("setldetail")[1].GetProperty("crt_payb_lmt_amt").GetDecimal()).Min());
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task Reversals_and_undos_in_any_order_leave_every_funds_year_equal_to_its_standing_settlements()
    {
        await ImportSmallMajorIllnessCapAsync(300m);
        (await His.FileAsync(WangFang, "390", "2026-03-15")).ShouldSucceed();
        var settled = new List<(string MdtrtId, string SetlId, string Msgid)>();
        for (var i = 0; i < 6; i++)
        {
            var mdtrtId = (await His.RegisterAsync(WangFang, "390", "2026-03-15 09:00:00", $"MZ{i:D3}")).ShouldSucceed().Text("data", "mdtrt_id");
            (await His.UploadAsync(mdtrtId, WangFang, [("110200001", 100.00m, 5), ("XJ01DDA036B001010178838", 23.45m, 2)])).ShouldSucceed();
            var msgid = Platform.NewMsgid(JilinCentral);
            var reply = (await His.SettleAsync(mdtrtId, WangFang, "390", 546.90m, useAccount: false, msgid: msgid)).ShouldSucceed();
            // retried: answered from the stored answer, nothing settled twice
            Assert.Equal(reply.Body, (await His.SettleAsync(mdtrtId, WangFang, "390", 546.90m, useAccount: false, msgid: msgid)).ShouldSucceed().Body);
            settled.Add((mdtrtId, reply.Text("setlinfo", "setl_id"), msgid));
        }
        Assert.Equal(30000L, await ScalarAsync<long>("SELECT hifmi_paid_fen FROM year_accumulators WHERE psn_no = @p", new { p = WangFang }));

        // taken back out of order, alternately by 2208 and by 2601 冲正 of the settling message, checking after each
        foreach (var (s, i) in new[] { 3, 0, 5, 1, 4, 2 }.Select((k, i) => (settled[k], i)))
        {
            if (i % 2 == 0) (await His.ReverseAsync(s.SetlId, s.MdtrtId, WangFang)).ShouldSucceed();
            else (await His.UndoAsync(WangFang, s.Msgid, "2207")).ShouldSucceed();
            Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
        }
        Assert.Equal(0L, await ScalarAsync<long>(
            "SELECT hifp_paid_fen + hifmi_base_fen + hifmi_paid_fen + dedc_outpatient_fen FROM year_accumulators WHERE psn_no = @p", new { p = WangFang }));
    }
}

public sealed class ExactlyOnceTests_Sqlite() : ExactlyOnceTests(new SqliteTarget());

public sealed class ExactlyOnceTests_Postgres() : ExactlyOnceTests(new PostgresTarget());
