using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Verify;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Verify;

/// <summary>`medsettle verify`: silent on a database the platform wrote, precise about one that was tampered with.</summary>
public abstract class InvariantsTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private async Task SettledAndReversedAsync()
    {
        var first = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await His.ReverseAsync(setlId, first, ZhangWei)).ShouldSucceed();
        (await His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var second = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await His.SettleAsync(second, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed();
    }

    [Fact]
    public async Task A_database_written_by_the_platform_has_no_violation()
    {
        await SettledAndReversedAsync();

        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task A_tampered_balance_and_accumulator_are_each_named()
    {
        await SettledAndReversedAsync();
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE persons SET acct_balc_fen = acct_balc_fen + 1 WHERE psn_no = @p", new { p = ZhangWei });
            await connection.ExecuteAsync("UPDATE year_accumulators SET hifp_paid_fen = hifp_paid_fen - 100 WHERE psn_no = @p", new { p = ZhangWei });
        }

        var violations = await Invariants.CheckAsync(Platform.Database);

        Assert.Contains(violations, v => v.Invariant.StartsWith("account balance", StringComparison.Ordinal) && v.Detail == "stored 107461, derived 107460 (fen)");
        Assert.Contains(violations, v => v.Invariant.StartsWith("year fund paid", StringComparison.Ordinal) && v.Subject == $"220100/{ZhangWei}/310/2026");
        Assert.Equal(2, violations.Count);
    }

    [Fact]
    public async Task Tampered_supplementary_years_and_a_fund_pay_that_is_not_its_funds_sum_are_each_named()
    {
        await SettledAndReversedAsync();
        string setlId;
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE year_accumulators SET hifob_base_fen = hifob_base_fen + 7 WHERE psn_no = @p", new { p = ZhangWei });
            await connection.ExecuteAsync("UPDATE year_accumulators SET maf_paid_fen = maf_paid_fen + 5 WHERE psn_no = @p", new { p = ZhangWei });
            setlId = await connection.QueryFirstAsync<string>(
                "SELECT setl_id FROM settlements WHERE psn_no = @p AND kind = 'settle' AND reversed_by IS NULL ORDER BY setl_id", new { p = ZhangWei });
            await connection.ExecuteAsync("UPDATE settlements SET fund_pay_fen = fund_pay_fen + 1 WHERE setl_id = @setlId", new { setlId });
        }

        var violations = await Invariants.CheckAsync(Platform.Database);

        var year = $"220100/{ZhangWei}/310/2026";
        Assert.Contains(violations, v => v.Invariant == "year hifob base equals the settlements'" && v.Subject == year && v.Detail.StartsWith("stored 7, derived 0", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Invariant == "year maf paid equals the settlements'" && v.Subject == year && v.Detail.StartsWith("stored 5, derived 0", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Invariant == "a settlement's fund pay is the sum of its funds' pays" && v.Subject == setlId);
    }

    [Fact]
    public async Task A_year_lost_while_its_settlements_counted_toward_it_is_named()
    {
        await SettledAndReversedAsync();
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            await connection.ExecuteAsync("DELETE FROM year_accumulators WHERE psn_no = @p", new { p = ZhangWei });

        var violations = await Invariants.CheckAsync(Platform.Database);

        Assert.Contains(violations, v => v.Invariant == "settlements' funds are counted in the year" && v.Subject == $"220100/{ZhangWei}/310/2026");
    }

    [Fact]
    public async Task A_settlement_without_its_fee_lines_and_a_settlement_message_without_its_settlement_are_each_named()
    {
        var visit = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var settled = await His.SettleAsync(visit, ZhangWei, "310", 75.00m, useAccount: false, msgid: Platform.NewMsgid(JilinCentral));
        var setlId = settled.ShouldSucceed().Text("setlinfo", "setl_id");
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            // the settlement's bill loses its lines to the next bill
            await connection.ExecuteAsync(
                "UPDATE fee_lines SET bill_no = bill_no + 1 WHERE mdtrt_id = (SELECT mdtrt_id FROM settlements WHERE setl_id = @setlId)", new { setlId });
            await connection.ExecuteAsync("UPDATE settlements SET msgid = msgid || 'X' WHERE setl_id = @setlId", new { setlId });
        }

        var violations = await Invariants.CheckAsync(Platform.Database);

        Assert.Contains(violations, v => v.Invariant == "a standing settlement has its fee lines" && v.Subject == setlId);
        Assert.Contains(violations, v => v.Invariant == "an acknowledged settlement message has its settlement" && v.Subject.StartsWith(JilinCentral + "/", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Invariant == "every settlement was acknowledged by its message" && v.Subject == setlId);
    }
}

public sealed class InvariantsTests_Sqlite() : InvariantsTests(new SqliteTarget());

public sealed class InvariantsTests_Postgres() : InvariantsTests(new PostgresTarget());
