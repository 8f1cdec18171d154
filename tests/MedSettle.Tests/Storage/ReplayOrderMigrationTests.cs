using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>
/// Migration 38 gives PostgreSQL's settlements the order a replay takes them in (seq): the rows already stored are numbered
/// by settlement time, then id, and every row written afterwards draws the next number.
/// </summary>
public sealed class ReplayOrderMigrationTests
{
    [Fact]
    public async Task Stored_settlements_are_numbered_in_settlement_time_order_and_new_ones_follow()
    {
        await using var database = Database.Open(await new PostgresTarget().NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "seq.keys"));
        await Schema.MigrateAsync(database, upTo: 37);
        const string insert = """
            INSERT INTO settlements (setl_id, kind, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype,
                med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
                medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen, cap_left_fen,
                hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid, bill_no)
            VALUES (@setlId, 'settle', @setlId, '220100', '220200', 'H22020000001', 'P1', '310',
                '13', '11', '0', '0', 2026, @time, 'B1', '2026-01-01', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, @setlId, 1)
            """;
        await using (var connection = await database.OpenConnectionAsync())
            foreach (var (setlId, time) in new[] { ("S3", "2026-03-02 09:00:00"), ("S1", "2026-03-01 10:00:00"), ("S2", "2026-03-01 10:00:00") })
                await connection.ExecuteAsync(insert, new { setlId, time });

        await Schema.MigrateAsync(database);
        await using var check = await database.OpenConnectionAsync();
        await check.ExecuteAsync(insert, new { setlId = "S0", time = "2026-01-01 00:00:00" });

        Assert.Equal(["S1", "S2", "S3", "S0"], (await check.QueryAsync<string>("SELECT setl_id FROM settlements ORDER BY seq")).ToList());
        Assert.Equal(4, await check.QuerySingleAsync<long>("SELECT max(seq) FROM settlements"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Stored_settlements_take_their_visits_begin_date(string provider)
    {
        DatabaseTarget target = provider == "sqlite" ? new SqliteTarget() : new PostgresTarget();
        await using var database = Database.Open(await target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "begndate.keys"));
        await Schema.MigrateAsync(database, upTo: 41);
        await using (var connection = await database.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("""
                INSERT INTO visits (mdtrt_id, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, kind, med_type, begntime, ipt_otp_no, created_at, msgid)
                VALUES ('V1', '220100', 'P1', '310', 'H22020000001', '220200', 'inpatient', '24', '2026-02-27 23:10:00', 'ZY1', '2026-02-27 23:10:00', 'M1')
                """);
            foreach (var (setlId, mdtrtId, billNo) in new[] { ("S1", "V1", 1), ("S2", "V1", 2), ("S3", "no visit", 1) })
                await connection.ExecuteAsync("""
                    INSERT INTO settlements (setl_id, kind, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype,
                        med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
                        medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen, cap_left_fen,
                        hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid, bill_no)
                    VALUES (@setlId, 'settle', @mdtrtId, '220100', '220200', 'H22020000001', 'P1', '310',
                        '24', '21', '0', '0', 2026, '2026-03-02 09:00:00', 'B1', '2026-01-01', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, @setlId, @billNo)
                    """, new { setlId, mdtrtId, billNo });
        }

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        Assert.Equal([("S1", "2026-02-27"), ("S2", "2026-02-27"), ("S3", null)],
            (await check.QueryAsync<(string, string?)>("SELECT setl_id, begndate FROM settlements ORDER BY setl_id")).ToList());
    }
}
