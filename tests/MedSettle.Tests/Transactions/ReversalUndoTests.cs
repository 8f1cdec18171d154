using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Verify;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 2601 of a 2208/2305 (issue 20, point 5): 冲正 of a reversal reinstates the settlement it reversed, exactly as it was,
/// while nothing since has relied on the reversal; otherwise it is refused, saying what forbids it, and nothing changes.
/// </summary>
public abstract class ReversalUndoTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    /// <summary>What a settlement moved, as the database holds it: the person's balance and year, the settlements, the lines' bills.</summary>
    private async Task<string> MoneyStateAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var balance = await connection.QuerySingleAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @ZhangWei AND insutype = '310'", new { ZhangWei });
        var year = await connection.QuerySingleAsync<string>(
            "SELECT CAST(hifp_paid_fen AS TEXT) || '/' || CAST(dedc_outpatient_fen AS TEXT) FROM year_accumulators WHERE psn_no = @ZhangWei AND insutype = '310'", new { ZhangWei });
        var settlements = string.Join(";", await connection.QueryAsync<string>(
            "SELECT setl_id || ':' || kind || ':' || COALESCE(reversed_by, '-') || ':' || CAST(fund_pay_fen AS TEXT) || ':' || CAST(acct_pay_fen AS TEXT) FROM settlements ORDER BY setl_id"));
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

    private async Task RefusedAndUnchangedAsync(Func<Task<Reply>> send, string reason)
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        (await send()).ShouldFail(reason);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
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
