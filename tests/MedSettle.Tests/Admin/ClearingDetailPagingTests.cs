using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>3260 hands a month's rows out 100 at a time, in a stable order, and only the asking hospital's.</summary>
public abstract class ClearingDetailPagingTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private async Task SettlementsAsync(string hospital, string area, int count)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        for (var i = 0; i < count; i++)
            await connection.ExecuteAsync(
                """
                INSERT INTO settlements (setl_id, kind, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype, med_type,
                    clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
                    medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen, cap_left_fen,
                    hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid)
                VALUES (@id, 'settle', @id, '220100', @area, @hospital, @psn, '310', '13', '11', '0', '1', 2026, @time, 'B', '2026-01-01', '0.65',
                    10000, 0, 0, 0, 10000, 0, 0, 15000000, 6500, 6500, 3500, 1000, 2500, 0, @id)
                """,
                new { id = $"S{hospital}{i:D4}", area, hospital, psn = ZhangWei, time = $"2026-03-{1 + i % 28:D2} 10:{i % 60:D2}:00" });
    }

    [Fact]
    public async Task A_month_of_150_rows_comes_in_two_pages_and_other_hospitals_rows_never_appear()
    {
        await SettlementsAsync(JilinCentral, "220200", 150);
        await SettlementsAsync("H22020000002", "220200", 7);

        var first = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = 2026, trt_month = 3, startrow = 1 } })).ShouldSucceed();
        var second = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = 2026, trt_month = 3, startrow = 101 } })).ShouldSucceed();

        Assert.Equal(150, first.Output.GetProperty("totalrow").GetInt32());
        var page1 = first.Output.GetProperty("data").EnumerateArray().ToList();
        var page2 = second.Output.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(100, page1.Count);
        Assert.Equal(50, page2.Count);
        Assert.Equal(101, page2[0].GetProperty("seqno").GetInt32());
        var all = page1.Concat(page2).Select(r => r.GetProperty("setl_sn").GetString()).ToList();
        Assert.Equal(150, all.Distinct().Count());
        Assert.All(all, id => Assert.StartsWith("S" + JilinCentral, id));
        Assert.Equal(75.00m, page1[0].GetProperty("optins_pay_sumamt").GetDecimal());
        Assert.Equal("220102********0110", page1[0].GetProperty("certno").GetString());
    }
}

public sealed class ClearingDetailPagingTests_Sqlite() : ClearingDetailPagingTests(new SqliteTarget());

public sealed class ClearingDetailPagingTests_Postgres() : ClearingDetailPagingTests(new PostgresTarget());
