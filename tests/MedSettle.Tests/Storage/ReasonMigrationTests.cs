using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>Migration 25 adds the reason a reversal was made for (settlements.reason): the rows of a database from before keep none.</summary>
public abstract class ReasonMigrationTests(DatabaseTarget target)
{
    [Fact]
    public async Task Reversals_made_before_the_reason_was_kept_have_none()
    {
        await using var database = Database.Open(await target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "reason.keys"));
        await Schema.MigrateAsync(database, upTo: 24);
        await using (var connection = await database.OpenConnectionAsync())
        {
            foreach (var (setlId, kind, orig, reversedBy) in new[] { ("S1", "settle", (string?)null, (string?)"R1"), ("R1", "reversal", "S1", null) })
                await connection.ExecuteAsync(
                    """
                    INSERT INTO settlements (setl_id, kind, orig_setl_id, reversed_by, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype,
                        med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
                        medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen, cap_left_fen,
                        hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid, bill_no)
                    VALUES (@setlId, @kind, @orig, @reversedBy, 'V', '220100', '220200', 'H22020000001', 'P1', '310',
                        '13', '11', '0', '0', 2026, '2026-03-01 10:00:00', 'B1', '2026-01-01', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, @setlId, @billNo)
                    """, new { setlId, kind, orig, reversedBy, billNo = kind == "settle" ? 1 : (int?)null });
        }

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        Assert.Equal([("R1", (string?)null), ("S1", null)],
            (await check.QueryAsync<(string, string?)>("SELECT setl_id, reason FROM settlements ORDER BY setl_id")).ToList());
    }
}

public sealed class ReasonMigrationTests_Sqlite() : ReasonMigrationTests(new SqliteTarget());

public sealed class ReasonMigrationTests_Postgres() : ReasonMigrationTests(new PostgresTarget());
