using System.Globalization;
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
    private const string SunLi = "22010000000000000006", ChenGang = "22010000000000000007", ZhaoMin = "22010000000000000008";

    /// <summary>The people of the run (all of Changchun, 220100): employees with accounts, residents, 大额, 大病 and 医疗救助.</summary>
    private static readonly (string PsnNo, string Insutype)[] People =
        [(ZhangWei, "310"), (ChenGang, "310"), (WangFang, "390"), (SunLi, "390"), (ZhaoMin, "390")];

    /// <summary>Items of jilin-mini's catalogue at their prices: 甲/乙/丙 classes, some above their ceiling.</summary>
    private static readonly (string Code, decimal Price)[] Items =
    [
        ("110200001", 50.00m), ("210102001", 240.00m), ("311201001", 72.00m), ("XJ01DDA036B001010178838", 23.45m), ("C14010101001", 6.50m),
        ("XS0000000001", 88.00m), ("250101001", 25.00m), ("110900001", 55.00m), ("120400001", 18.00m), ("XB05BBA030B001010104416", 4.28m),
    ];

    /// <summary>An item dear enough that a few of them reach the basic fund's cap and the supplementary funds' thresholds.</summary>
    private const string Dear = "311300001";

    private sealed record Settled(string PsnNo, string MdtrtId, string SetlId, string Msgid, bool Inpatient, int Order);

    [Theory]
    [InlineData(20260315)]
    [InlineData(7)]
    public async Task Settling_a_run_of_visits_then_reversing_them_in_any_order_puts_every_year_and_account_back(int seed)
    {
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        // Settlements made before the run and never reversed: the run must come back to them, not to nothing.
        Platform.Clock.Set(new DateTime(2026, 2, 20, 18, 0, 0));
        var kept = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: "2026-02-20");
        Ok(await His.SettleAsync(kept, ZhangWei, "310", 605.35m, useAccount: true), seed, "the settlement kept");
        var before = await MoneyStateAsync();
        output.WriteLine($"before the run: {before}");

        var settled = new List<Settled>();
        for (var v = 0; v < 12; v++)
        {
            var day = new DateTime(2026, 3, 1 + v);
            var (psnNo, insutype) = People[random.Next(People.Length)];
            var step = $"visit {v} of {psnNo} on {day:yyyy-MM-dd}";
            Platform.Clock.Set(day.AddHours(10)); // after the visit's begin (08:00 or 09:00)
            Ok(await His.FileAsync(psnNo, insutype, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), seed, step + ": filing");
            if (random.Next(2) == 0)
                settled.AddRange(await OutpatientAsync(random, seed, step, psnNo, insutype, day));
            else
                settled.AddRange(await AdmissionAsync(random, seed, step, psnNo, insutype, day));
        }
        var found = await Invariants.CheckAsync(Platform.Database);
        Assert.True(found.Count == 0, $"seed {seed}: after settling, verify finds {string.Join("; ", found)}");
        output.WriteLine($"after {settled.Count} settlements: {await MoneyStateAsync()}");

        Platform.Clock.Set(new DateTime(2026, 3, 25, 9, 0, 0));
        var standing = settled.ToList();
        while (standing.Count > 0)
        {
            // a visit's settlements are reversed newest first; settlements of different visits in any order
            var reversible = standing.Where(s => !standing.Any(o => o.MdtrtId == s.MdtrtId && o.Order > s.Order)).ToList();
            var s = reversible[random.Next(reversible.Count)];
            var step = $"reversing {s.SetlId} ({(s.Inpatient ? "admission" : "visit")} {s.MdtrtId} of {s.PsnNo})";
            Platform.Clock.Advance(TimeSpan.FromMinutes(1)); // a reversal's own time, after the one before it
            switch (random.Next(3))
            {
                case 0:
                    Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), seed, step + " by 2208/2305");
                    break;
                case 1:
                    Ok(await His.UndoAsync(s.PsnNo, s.Msgid, s.Inpatient ? "2304" : "2207"), seed, step + " by 2601");
                    break;
                default:
                {
                    var standingState = await MoneyStateAsync();
                    var msgid = Platform.NewMsgid(JilinCentral);
                    Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient, msgid), seed, step + " by 2208/2305, to be taken back");
                    Platform.Clock.Advance(TimeSpan.FromMinutes(1));
                    Ok(await His.UndoAsync(s.PsnNo, msgid, s.Inpatient ? "2305" : "2208"), seed, step + ": 2601 of the reversal");
                    Assert.True(standingState == await MoneyStateAsync(), $"seed {seed}, {step}: 2601 of the reversal did not put back what the reversal had given back");
                    Platform.Clock.Advance(TimeSpan.FromMinutes(1));
                    Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), seed, step + " again by 2208/2305");
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

    /// <summary>An emergency visit, settled whole or (two charge batches) batch by batch.</summary>
    private async Task<List<Settled>> OutpatientAsync(Random random, int seed, string step, string psnNo, string insutype, DateTime day)
    {
        var mdtrtId = Ok(await His.RegisterAsync(psnNo, insutype, $"{day:yyyy-MM-dd} 09:00:00", $"MZ{seed % 1000:D3}{day:MMdd}"), seed, step + ": registration")
            .Text("data", "mdtrt_id");
        var batches = random.Next(2) == 0 ? new[] { "B1" } : ["B1", "B2"];
        var bills = new List<decimal>();
        for (var b = 0; b < batches.Length; b++)
        {
            var bill = Bill(random, dear: false);
            Ok(await His.UploadAsync(mdtrtId, psnNo, bill, batch: batches[b], firstSn: 1 + 100 * b), seed, $"{step}: upload of {batches[b]}");
            bills.Add(Total(bill));
        }
        Platform.Clock.Set(day.AddHours(18));
        var settled = new List<Settled>();
        for (var b = 0; b < batches.Length; b++)
        {
            var msgid = Platform.NewMsgid(JilinCentral);
            var medfee = batches.Length == 1 ? bills[0] : bills[b];
            var reply = Ok(await His.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount: random.Next(2) == 0, msgid: msgid,
                batch: batches.Length == 1 ? null : batches[b]), seed, $"{step}: settlement of {batches[b]}");
            settled.Add(new Settled(psnNo, mdtrtId, reply.Text("setlinfo", "setl_id"), msgid, Inpatient: false, Order: b));
        }
        return settled;
    }

    /// <summary>An emergency admission: settled mid-stay none, once or twice, then at discharge.</summary>
    private async Task<List<Settled>> AdmissionAsync(Random random, int seed, string step, string psnNo, string insutype, DateTime day)
    {
        var mdtrtId = Ok(await His.AdmitAsync(psnNo, insutype, $"{day:yyyy-MM-dd} 08:00:00", $"ZY{seed % 1000:D3}{day:MMdd}"), seed, step + ": admission")
            .Text("result", "mdtrt_id");
        var settled = new List<Settled>();
        var parts = 1 + random.Next(3);
        for (var p = 0; p < parts; p++)
        {
            var bill = Bill(random, dear: true);
            Ok(await His.UploadAsync(mdtrtId, psnNo, bill, inpatient: true, firstSn: 1 + 100 * p), seed, $"{step}: upload {p}");
            var final = p == parts - 1;
            Platform.Clock.Set(day.AddHours(11 + p));
            if (final)
            {
                Ok(await His.DischargeAsync(mdtrtId, psnNo, insutype, $"{day:yyyy-MM-dd} 17:00:00"), seed, step + ": discharge");
                Platform.Clock.Set(day.AddHours(18));
            }
            var msgid = Platform.NewMsgid(JilinCentral);
            var reply = Ok(await His.SettleAsync(mdtrtId, psnNo, insutype, Total(bill), useAccount: random.Next(2) == 0, inpatient: true, msgid: msgid,
                midSetlFlag: final ? "0" : "1"), seed, $"{step}: {(final ? "settlement at discharge" : $"mid-stay settlement {p}")}");
            settled.Add(new Settled(psnNo, mdtrtId, reply.Text("setlinfo", "setl_id"), msgid, Inpatient: true, Order: p));
        }
        return settled;
    }

    /// <summary>One to four items a few times each; an admission's bill now and then with dear items by the tens.</summary>
    private static (string, decimal, decimal)[] Bill(Random random, bool dear)
    {
        var lines = Enumerable.Range(0, 1 + random.Next(4))
            .Select(_ => Items[random.Next(Items.Length)])
            .Distinct()
            .Select(i => (i.Code, i.Price, (decimal)(1 + random.Next(5))))
            .ToList();
        if (dear && random.Next(2) == 0) lines.Add((Dear, 1800.00m, 5 + random.Next(60)));
        return [.. lines];
    }

    private static decimal Total(IEnumerable<(string, decimal Price, decimal Count)> bill) =>
        bill.Sum(l => Math.Round(l.Price * l.Count, 2, MidpointRounding.AwayFromZero));

    private static Reply Ok(Reply reply, int seed, string step)
    {
        Assert.True(reply.Infcode == 0, $"seed {seed}, {step}: {reply.Body}");
        return reply;
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
