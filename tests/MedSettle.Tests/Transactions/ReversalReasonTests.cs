using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 2208/2305 may carry why the settlement is reversed (input.data.memo, as the national 撤销 transactions 2502/2506 do): it is
/// kept on the reversal's row, absent is null, and an overlong one is refused with nothing changed.
/// </summary>
public abstract class ReversalReasonTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private Task<string?> ReasonAsync(string reversalId) =>
        Platform.Database.ReadAsync(u => u.ScalarAsync<string?>("SELECT reason FROM settlements WHERE setl_id = @reversalId", new { reversalId }));

    private async Task<(string MdtrtId, string SetlId)> SettledAsync(string psnNo, string insutype, string day)
    {
        var mdtrtId = await His.OutpatientVisitAsync(psnNo, insutype, SecondVisitBill, day);
        var setlId = (await His.SettleAsync(mdtrtId, psnNo, insutype, 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        return (mdtrtId, setlId);
    }

    private Task<Reply> ReverseAsync(string setlId, string mdtrtId, string psnNo, string? memo) =>
        Platform.CallAsync("2208", JilinCentral, new { data = new { setl_id = setlId, mdtrt_id = mdtrtId, psn_no = psnNo, memo } });

    [Fact]
    public async Task A_reason_sent_with_2208_is_kept_with_the_reversal_and_none_is_null()
    {
        var (visit, setlId) = await SettledAsync(ZhangWei, "310", "2026-03-15");
        var tooLong = new string('错', 101);

        (await ReverseAsync(setlId, visit, ZhangWei, tooLong)).ShouldFail("最多 100 个字符");
        Assert.Equal(0L, await Platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE reversed_by IS NOT NULL")));

        var reversed = (await ReverseAsync(setlId, visit, ZhangWei, "  医院系统重复收费  ")).ShouldSucceed();
        Assert.Equal("医院系统重复收费", await ReasonAsync(reversed.Text("setlinfo", "setl_id")));

        var (other, otherSetl) = await SettledAsync(WangFang, "390", "2026-03-15");
        var silent = (await His.ReverseAsync(otherSetl, other, WangFang)).ShouldSucceed();
        Assert.Null(await ReasonAsync(silent.Text("setlinfo", "setl_id")));
    }
}

public sealed class ReversalReasonTests_Sqlite() : ReversalReasonTests(new SqliteTarget());

public sealed class ReversalReasonTests_Postgres() : ReversalReasonTests(new PostgresTarget());
