using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;

namespace MedSettle.Tests.Storage;

/// <summary>
/// Migration 13 turns each fee line's setl_id into numbered bills (Transactions/Bills): a database settled before it
/// keeps every settlement's lines, and its open lines (those a reversal released among them) stay open.
/// </summary>
public abstract class BillMigrationTests(DatabaseTarget target)
{
    [Fact]
    public async Task Settled_released_open_and_withdrawn_lines_keep_their_meaning()
    {
        await using var database = Database.Open(await target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "bills.keys"));
        await Schema.MigrateAsync(database, upTo: 12);
        await using (var connection = await database.OpenConnectionAsync())
        {
            // visit V: S1 settled lines 1-2 and was reversed by R1 (releasing them), S2 then settled them mid-stay with line 3,
            // line 4 came after S2 and is open, line 5 was withdrawn before S2; visit W has one settlement and no open line
            await SettlementAsync(connection, "S1", "settle", "V", "2026-03-01 10:00:00", reversedBy: "R1");
            await SettlementAsync(connection, "R1", "reversal", "V", "2026-03-01 11:00:00", origSetlId: "S1");
            await SettlementAsync(connection, "S2", "settle", "V", "2026-03-02 10:00:00");
            await SettlementAsync(connection, "S3", "settle", "W", "2026-03-01 09:00:00");
            await LineAsync(connection, "V", "1", 100, "S2");
            await LineAsync(connection, "V", "2", 200, "S2");
            await LineAsync(connection, "V", "3", 300, "S2");
            await LineAsync(connection, "V", "4", 400, null);
            await LineAsync(connection, "V", "5", 500, null, withdrawn: true);
            await LineAsync(connection, "W", "1", 700, "S3");
        }

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        Assert.Equal([("R1", (long?)null), ("S1", 1L), ("S2", 2L), ("S3", 1L)],
            (await check.QueryAsync<(string, long?)>("SELECT setl_id, bill_no FROM settlements ORDER BY setl_id")).ToList());
        var lines = (await check.QueryAsync<(string, string, string)>(
            $"SELECT f.mdtrt_id, f.feedetl_sn, COALESCE(f.setl_id, '') FROM ({Bills.LinesWithSettlement}) f ORDER BY f.mdtrt_id, f.feedetl_sn")).ToList();
        Assert.Equal([("V", "1", "S2"), ("V", "2", "S2"), ("V", "3", "S2"), ("V", "4", ""), ("V", "5", ""), ("W", "1", "S3")], lines);
        Assert.Equal(["4"], await check.QueryAsync<string>($"SELECT f.feedetl_sn FROM fee_lines f WHERE {Bills.OpenLinesOf("'V'")}"));
        Assert.Empty(await check.QueryAsync<string>($"SELECT f.feedetl_sn FROM fee_lines f WHERE {Bills.OpenLinesOf("'W'")}"));
        // one settlement per bill is a key now
        await Assert.ThrowsAnyAsync<Exception>(() => check.ExecuteAsync("UPDATE settlements SET bill_no = 2 WHERE setl_id = 'S1'"));
    }

    private static Task SettlementAsync(System.Data.Common.DbConnection connection, string setlId, string kind, string mdtrtId, string time,
        string? reversedBy = null, string? origSetlId = null) =>
        connection.ExecuteAsync(
            """
            INSERT INTO settlements (setl_id, kind, orig_setl_id, reversed_by, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype,
                med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
                medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen, cap_left_fen,
                hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid)
            VALUES (@setlId, @kind, @origSetlId, @reversedBy, @mdtrtId, '220100', '220200', 'H22020000001', 'P1', '310',
                '24', '21', '1', '0', 2026, @time, 'B1', '2026-01-01', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, @setlId)
            """, new { setlId, kind, origSetlId, reversedBy, mdtrtId, time });

    private static Task LineAsync(System.Data.Common.DbConnection connection, string mdtrtId, string sn, long fen, string? setlId, bool withdrawn = false) =>
        connection.ExecuteAsync(
            """
            INSERT INTO fee_lines (mdtrt_id, upload_msgid, feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, med_list_name,
                pric, cnt, amount_fen, chrgitm_lv, med_chrgitm_type, selfpay_prop, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen,
                setl_id, withdrawn_at)
            VALUES (@mdtrtId, 'U1', @sn, 'B1', '2026-03-01 09:00:00', '110200001', 'X', '诊查费', '1', '1', @fen, 1, '01', '0', 0, 0, 0, @fen,
                @setlId, @withdrawnAt)
            """, new { mdtrtId, sn, fen, setlId, withdrawnAt = withdrawn ? "2026-03-01 12:00:00" : null });
}

public sealed class BillMigrationTests_Sqlite() : BillMigrationTests(new SqliteTarget());

public sealed class BillMigrationTests_Postgres() : BillMigrationTests(new PostgresTarget());
