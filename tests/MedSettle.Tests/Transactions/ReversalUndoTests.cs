using Dapper;
using MedSettle.Import;
using MedSettle.Tests.Infrastructure;
using MedSettle.Verify;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 2601 of a 2208/2305 (issue 20, point 5): 冲正 of a reversal reinstates the settlement it reversed, exactly as it was,
/// while nothing since has relied on the reversal (another settlement, a line withdrawn, the visit or its discharge
/// cancelled, the account spent, the month ended); otherwise it is refused, saying what forbids it, and nothing changes.
/// </summary>
public abstract class ReversalUndoTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    /// <summary>What a settlement moved, as the database holds it: the person's balance and year, the settlements, the lines' bills.</summary>
    private async Task<string> MoneyStateAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var balance = await connection.QuerySingleAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @ZhangWei AND insutype = '310'", new { ZhangWei });
        var year = await connection.QuerySingleAsync<string>(
            "SELECT CAST(hifp_paid_fen AS TEXT) || '/' || CAST(dedc_outpatient_fen AS TEXT) || '/' || CAST(dedc_inpatient_fen AS TEXT) FROM year_accumulators WHERE psn_no = @ZhangWei AND insutype = '310'",
            new { ZhangWei });
        var settlements = string.Join(";", await connection.QueryAsync<string>(
            """
            SELECT setl_id || ':' || kind || ':' || COALESCE(reversed_by, '-') || ':' || CAST(act_pay_dedc_fen AS TEXT) || ':' || CAST(hifp_fen AS TEXT) || ':'
                || CAST(fund_pay_fen AS TEXT) || ':' || CAST(acct_pay_fen AS TEXT) || ':' || CAST(psn_cash_fen AS TEXT) FROM settlements ORDER BY setl_id
            """));
        var lines = string.Join(";", await connection.QueryAsync<string>(
            "SELECT feedetl_sn || ':' || CAST(bill_no AS TEXT) FROM fee_lines ORDER BY feedetl_sn"));
        var reversedLines = await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM reversed_lines");
        return $"{balance} {year} {settlements} {lines} {reversedLines}";
    }

    private async Task<(string MdtrtId, string SetlId, string ReversalMsgid, string Settled)> SettledThenReversedAsync()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        var settled = await MoneyStateAsync();
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, msgid: msgid)).ShouldSucceed();
        Assert.NotEqual(settled, await MoneyStateAsync());
        return (mdtrtId, setlId, msgid, settled);
    }

    private async Task<Reply> RefusedAndUnchangedAsync(Func<Task<Reply>> send, string reason)
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        var refused = (await send()).ShouldFail(reason);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
        return refused;
    }

    [Fact]
    public async Task Undoing_a_2208_reinstates_the_settlement_exactly_and_it_can_be_reversed_again()
    {
        var (mdtrtId, setlId, reversalMsgid, settled) = await SettledThenReversedAsync();

        var undone = (await His.UndoAsync(ZhangWei, reversalMsgid, "2208")).ShouldSucceed();
        Assert.Equal("原交易已冲正", undone.Text("data", "rslt"));
        Assert.Equal(settled, await MoneyStateAsync());
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));

        // the reversal's message is spent; the settlement stands and is reversible again, under a new msgid
        await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2208"), "已冲正");
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldFail($"已结算（{setlId}）");
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task A_reversal_relied_on_since_is_not_undone_and_the_refusal_says_why()
    {
        var (mdtrtId, setlId, reversalMsgid, _) = await SettledThenReversedAsync();

        // a line withdrawn since the reversal
        (await Platform.CallAsync("2205", JilinCentral, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, feedetl_sn = "0001" } })).ShouldSucceed();
        await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2208"), "已在撤销后撤销或另行结算");

        // the visit settled again since: the person has a settlement after the reversal
        var resettled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m - FirstVisitBill[0].Item2 * FirstVisitBill[0].Item3, useAccount: true))
            .ShouldSucceed().Text("setlinfo", "setl_id");
        await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2208"), $"又有结算或撤销 {resettled}");
        Assert.NotEqual(setlId, resettled);
    }

    private static readonly (string, decimal, decimal)[] AdmissionBill =
    [
        ("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
        ("120400001", 18.00m, 8), ("210102001", 240.00m, 2),
    ];

    /// <summary>张伟 admitted, billed, discharged and settled at discharge (2304, from his account too), then the settlement reversed (2305).</summary>
    private async Task<(string MdtrtId, string SetlId, decimal AcctPay, string ReversalMsgid, string Settled)> AdmissionSettledThenReversedAsync()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(ZhangWei, "310", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, ZhangWei, AdmissionBill, inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, ZhangWei, "310", "2026-03-15 09:00:00")).ShouldSucceed();
        var settledReply = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 958.76m, useAccount: true, inpatient: true)).ShouldSucceed();
        var setlId = settledReply.Text("setlinfo", "setl_id");
        var settled = await MoneyStateAsync();
        var msgid = Platform.NewMsgid(JilinCentral);
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, inpatient: true, msgid: msgid)).ShouldSucceed();
        Assert.NotEqual(settled, await MoneyStateAsync());
        return (mdtrtId, setlId, settledReply.Money("setlinfo", "acct_pay"), msgid, settled);
    }

    [Fact]
    public async Task Undoing_a_2305_reinstates_the_discharge_settlement_with_the_account_and_the_year_as_after_it()
    {
        var (mdtrtId, setlId, acctPay, reversalMsgid, settled) = await AdmissionSettledThenReversedAsync();
        Assert.True(acctPay > 0m, "the settlement paid from the account, so that giving it back shows");
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            Assert.Equal(152050L, await connection.QuerySingleAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @ZhangWei AND insutype = '310'", new { ZhangWei }));

        var undone = (await His.UndoAsync(ZhangWei, reversalMsgid, "2305")).ShouldSucceed();

        Assert.Equal(("原交易已冲正", reversalMsgid, "2305"), (undone.Text("data", "rslt"), undone.Text("data", "omsgid"), undone.Text("data", "oinfno")));
        Assert.Contains($"结算 {setlId} 恢复有效", undone.WarnMsg);
        // the balance, the year's accumulators, the settlements' funds and the lines' bills: as after the 2304
        Assert.Equal(settled, await MoneyStateAsync());
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 958.76m, useAccount: true, inpatient: true)).ShouldFail($"已结算（{setlId}）");
        await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2305"), "已冲正");
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, inpatient: true)).ShouldSucceed();
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task A_2305_is_not_undone_once_the_discharge_or_the_admission_was_cancelled_since()
    {
        var (mdtrtId, setlId, _, reversalMsgid, _) = await AdmissionSettledThenReversedAsync();
        var reversalId = await ReversalOfAsync(setlId);

        (await Platform.CallAsync("2405", JilinCentral, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei } })).ShouldSucceed();
        var discharge = await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2305"), "已在撤销后取消出院，出院结算不能恢复");
        Assert.Contains($"不能冲正撤销 {reversalId}（恢复结算 {setlId}）：就诊 {mdtrtId} 已在撤销后取消出院", discharge.ErrMsg);

        (await Platform.CallAsync("2404", JilinCentral, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei } })).ShouldSucceed();
        var admission = await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2305"), $"就诊 {mdtrtId} 已在撤销后取消");
        Assert.DoesNotContain("取消出院", admission.ErrMsg);
    }

    [Fact]
    public async Task A_2208_is_not_undone_once_the_registration_was_cancelled_since()
    {
        var (mdtrtId, setlId, reversalMsgid, _) = await SettledThenReversedAsync();

        (await Platform.CallAsync("2202", JilinCentral, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei } })).ShouldSucceed();

        var refused = await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2208"), $"就诊 {mdtrtId} 已在撤销后取消");
        Assert.Contains($"恢复结算 {setlId}", refused.ErrMsg);
    }

    [Fact]
    public async Task A_reversal_is_not_undone_when_the_account_no_longer_holds_what_the_settlement_paid_from_it()
    {
        var (_, setlId, acctPay, reversalMsgid, _) = await AdmissionSettledThenReversedAsync();
        Assert.True(acctPay > 10.00m);
        // the home region lowers 张伟's balance to 10.00 (a re-import of its persons): the account is short of the settlement's pay
        var bundle = TestPaths.TempDirectory();
        var persons = File.ReadAllLines(Path.Combine(TestPaths.JilinMini, "persons.csv"));
        File.WriteAllLines(Path.Combine(bundle, "persons.csv"),
            [persons[0], persons.Single(l => l.StartsWith(ZhangWei + ",", StringComparison.Ordinal)).Replace(",1520.50,", ",10.00,", StringComparison.Ordinal)]);
        await new BundleImporter(Platform.Database).ImportAsync(bundle);

        var refused = await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2305"),
            $"个人账户余额 10.00 不足原结算的账户支付 {acctPay:0.00}");
        Assert.Contains($"恢复结算 {setlId}", refused.ErrMsg);
    }

    private async Task<string> ReversalOfAsync(string setlId)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return await connection.QuerySingleAsync<string>("SELECT reversed_by FROM settlements WHERE setl_id = @setlId", new { setlId });
    }

    [Fact]
    public async Task A_reversal_whose_month_has_ended_is_not_undone()
    {
        var (_, _, reversalMsgid, _) = await SettledThenReversedAsync();
        Platform.Clock.Advance(TimeSpan.FromDays(20));

        await RefusedAndUnchangedAsync(() => His.UndoAsync(ZhangWei, reversalMsgid, "2208"), "该月已结束");
    }
}

public sealed class ReversalUndoTests_Sqlite() : ReversalUndoTests(new SqliteTarget());

public sealed class ReversalUndoTests_Postgres() : ReversalUndoTests(new PostgresTarget());
