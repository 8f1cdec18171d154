using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Verify;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// A reversal restores everything its settlement took (DESIGN.md rule 10), through the real handlers: a run of visits
/// drawn from a seed — emergency visits settled whole or batch by batch, admissions settled mid-stay and at discharge,
/// people whose bills reach the supplementary funds — is settled, then every settlement is reversed in an order drawn
/// from the same seed (any the platform allows: a visit's settlements newest first), by 2208/2305 or by 2601 冲正 of the
/// settlement, some reversals themselves taken back by 2601 and made again. Each person's year and account end exactly
/// where they were before the run. The seed is in the test's name and in every failure message.
/// </summary>
public abstract class ReversalRestoresTheYearTests(DatabaseTarget target, ITestOutputHelper output) : PlatformTests(target, JilinCentral)
{
    [Theory]
    [InlineData(20260315)]
    [InlineData(7)]
    public async Task Settling_a_run_of_visits_then_reversing_them_in_any_order_puts_every_year_and_account_back(int seed)
    {
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var run = new VisitRun(Platform, His, JilinCentral, seed);
        // Settlements made before the run and never reversed: the run must come back to them, not to nothing.
        Platform.Clock.Set(new DateTime(2026, 2, 20, 18, 0, 0));
        var kept = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: "2026-02-20");
        run.Ok(await His.SettleAsync(kept, ZhangWei, "310", 605.35m, useAccount: true), "the settlement kept");
        var before = await MoneyStateAsync();
        output.WriteLine($"before the run: {before}");

        var settled = new List<VisitRun.Settled>();
        for (var v = 0; v < 12; v++)
            settled.AddRange(await run.VisitAsync(random, $"visit {v}", new DateTime(2026, 3, 1 + v)));
        var found = await Invariants.CheckAsync(Platform.Database);
        Assert.True(found.Count == 0, $"seed {seed}: after settling, verify finds {string.Join("; ", found)}");
        output.WriteLine($"after {settled.Count} settlements: {await MoneyStateAsync()}");

        Platform.Clock.Set(new DateTime(2026, 3, 25, 9, 0, 0));
        var standing = settled.ToList();
        while (standing.Count > 0)
        {
            // a visit's settlements are reversed newest first; settlements of different visits in any order
            var reversible = VisitRun.Reversible(standing);
            var s = reversible[random.Next(reversible.Count)];
            var step = $"reversing {s.SetlId} ({(s.Inpatient ? "admission" : "visit")} {s.MdtrtId} of {s.PsnNo})";
            Platform.Clock.Advance(TimeSpan.FromMinutes(1)); // a reversal's own time, after the one before it
            switch (random.Next(3))
            {
                case 0:
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), step + " by 2208/2305");
                    break;
                case 1:
                    run.Ok(await His.UndoAsync(s.PsnNo, s.Msgid, s.Inpatient ? "2304" : "2207"), step + " by 2601");
                    break;
                default:
                {
                    var standingState = await MoneyStateAsync();
                    var msgid = Platform.NewMsgid(JilinCentral);
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient, msgid), step + " by 2208/2305, to be taken back");
                    Platform.Clock.Advance(TimeSpan.FromMinutes(1));
                    run.Ok(await His.UndoAsync(s.PsnNo, msgid, s.Inpatient ? "2305" : "2208"), step + ": 2601 of the reversal");
                    Assert.True(standingState == await MoneyStateAsync(), $"seed {seed}, {step}: 2601 of the reversal did not put back what the reversal had given back");
                    Platform.Clock.Advance(TimeSpan.FromMinutes(1));
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), step + " again by 2208/2305");
                    break;
                }
            }
            standing.Remove(s);
        }

        var after = await MoneyStateAsync();
        output.WriteLine($"after reversing them all: {after}");
        Assert.True(before == after, $"seed {seed}: the years and accounts did not come back.\nbefore: {before}\nafter:  {after}");
        var left = await Invariants.CheckAsync(Platform.Database);
        Assert.True(left.Count == 0, $"seed {seed}: after reversing, verify finds {string.Join("; ", left)}");
    }

    /// <summary>Every person's year (each fund's paid and base, the deductibles used) and account balance, as the database holds them.</summary>
    private async Task<string> MoneyStateAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var years = await connection.QueryAsync<string>(
            """
            SELECT psn_no || '/' || insutype || '/' || CAST(year AS TEXT) || ': hifp ' || CAST(hifp_paid_fen AS TEXT)
                || ' dedc ' || CAST(dedc_outpatient_fen AS TEXT) || '+' || CAST(dedc_inpatient_fen AS TEXT)
                || ' hifob ' || CAST(hifob_base_fen AS TEXT) || '/' || CAST(hifob_paid_fen AS TEXT)
                || ' hifmi ' || CAST(hifmi_base_fen AS TEXT) || '/' || CAST(hifmi_paid_fen AS TEXT)
                || ' maf ' || CAST(maf_base_fen AS TEXT) || '/' || CAST(maf_paid_fen AS TEXT)
            FROM year_accumulators
            WHERE hifp_paid_fen <> 0 OR dedc_outpatient_fen <> 0 OR dedc_inpatient_fen <> 0 OR hifob_base_fen <> 0 OR hifob_paid_fen <> 0
               OR hifmi_base_fen <> 0 OR hifmi_paid_fen <> 0 OR maf_base_fen <> 0 OR maf_paid_fen <> 0
            ORDER BY psn_no, insutype, year
            """);
        var accounts = await connection.QueryAsync<string>("SELECT psn_no || '/' || insutype || ': ' || CAST(acct_balc_fen AS TEXT) FROM persons ORDER BY psn_no, insutype");
        return $"years [{string.Join("; ", years)}] accounts [{string.Join("; ", accounts)}]";
    }
}

public sealed class ReversalRestoresTheYearTests_Sqlite(ITestOutputHelper output) : ReversalRestoresTheYearTests(new SqliteTarget(), output);

public sealed class ReversalRestoresTheYearTests_Postgres(ITestOutputHelper output) : ReversalRestoresTheYearTests(new PostgresTarget(), output);
