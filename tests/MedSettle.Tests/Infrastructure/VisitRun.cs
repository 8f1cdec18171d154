using System.Globalization;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// Visits drawn from a seed and settled through the real handlers, as a hospital's HIS makes them: emergency visits
/// settled whole or batch by batch, admissions settled mid-stay none, once or twice and then at discharge, bills now and
/// then dear enough to reach the basic fund's cap and the supplementary funds' thresholds. The seed is in every failure
/// message. Used where a test needs a history of every kind of settlement (ReversalRestoresTheYearTests, PolicyReplayTests).
/// </summary>
internal sealed class VisitRun(RunningPlatform platform, His his, string hospital, int seed)
{
    public const string SunLi = "22010000000000000006", ChenGang = "22010000000000000007", ZhaoMin = "22010000000000000008";

    /// <summary>The people of a run (all of Changchun, 220100): employees with accounts, residents, 大额, 大病 and 医疗救助.</summary>
    public static readonly (string PsnNo, string Insutype)[] People =
    [
        (Transactions.WorkedExampleTests.ZhangWei, "310"), (ChenGang, "310"), (Transactions.WorkedExampleTests.WangFang, "390"), (SunLi, "390"),
        (ZhaoMin, "390"),
    ];

    /// <summary>Items of jilin-mini's catalogue at their prices: 甲/乙/丙 classes, some above their ceiling.</summary>
    private static readonly (string Code, decimal Price)[] Items =
    [
        ("110200001", 50.00m), ("210102001", 240.00m), ("311201001", 72.00m), ("XJ01DDA036B001010178838", 23.45m), ("C14010101001", 6.50m),
        ("XS0000000001", 88.00m), ("250101001", 25.00m), ("110900001", 55.00m), ("120400001", 18.00m), ("XB05BBA030B001010104416", 4.28m),
    ];

    /// <summary>An item dear enough that a few of them reach the basic fund's cap and the supplementary funds' thresholds.</summary>
    public const string Dear = "311300001";

    public sealed record Settled(string PsnNo, string MdtrtId, string SetlId, string Msgid, bool Inpatient, int Order);

    /// <summary>A visit of someone drawn from <see cref="People"/> on <paramref name="day"/>: filed, then an emergency visit or an admission.</summary>
    public async Task<List<Settled>> VisitAsync(Random random, string step, DateTime day)
    {
        var (psnNo, insutype) = People[random.Next(People.Length)];
        step = $"{step} of {psnNo} on {day:yyyy-MM-dd}";
        platform.Clock.Set(day.AddHours(10)); // after the visit's begin (08:00 or 09:00)
        Ok(await his.FileAsync(psnNo, insutype, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), step + ": filing");
        return random.Next(2) == 0
            ? await OutpatientAsync(random, step, psnNo, insutype, day)
            : await AdmissionAsync(random, step, psnNo, insutype, day);
    }

    /// <summary>An emergency visit, settled whole or (two charge batches) batch by batch.</summary>
    public async Task<List<Settled>> OutpatientAsync(Random random, string step, string psnNo, string insutype, DateTime day)
    {
        var mdtrtId = Ok(await his.RegisterAsync(psnNo, insutype, $"{day:yyyy-MM-dd} 09:00:00", $"MZ{seed % 1000:D3}{day:MMdd}"), step + ": registration")
            .Text("data", "mdtrt_id");
        var batches = random.Next(2) == 0 ? new[] { "B1" } : ["B1", "B2"];
        var bills = new List<decimal>();
        for (var b = 0; b < batches.Length; b++)
        {
            var bill = Bill(random, dear: false);
            Ok(await his.UploadAsync(mdtrtId, psnNo, bill, batch: batches[b], firstSn: 1 + 100 * b), $"{step}: upload of {batches[b]}");
            bills.Add(Total(bill));
        }
        platform.Clock.Set(day.AddHours(18));
        var settled = new List<Settled>();
        for (var b = 0; b < batches.Length; b++)
        {
            var msgid = platform.NewMsgid(hospital);
            var medfee = batches.Length == 1 ? bills[0] : bills[b];
            var reply = Ok(await his.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount: random.Next(2) == 0, msgid: msgid,
                batch: batches.Length == 1 ? null : batches[b]), $"{step}: settlement of {batches[b]}");
            settled.Add(new Settled(psnNo, mdtrtId, reply.Text("setlinfo", "setl_id"), msgid, Inpatient: false, Order: b));
        }
        return settled;
    }

    /// <summary>An emergency admission: settled mid-stay none, once or twice, then at discharge.</summary>
    public async Task<List<Settled>> AdmissionAsync(Random random, string step, string psnNo, string insutype, DateTime day)
    {
        var mdtrtId = Ok(await his.AdmitAsync(psnNo, insutype, $"{day:yyyy-MM-dd} 08:00:00", $"ZY{seed % 1000:D3}{day:MMdd}"), step + ": admission")
            .Text("result", "mdtrt_id");
        var settled = new List<Settled>();
        var parts = 1 + random.Next(3);
        for (var p = 0; p < parts; p++)
        {
            var bill = Bill(random, dear: true);
            Ok(await his.UploadAsync(mdtrtId, psnNo, bill, inpatient: true, firstSn: 1 + 100 * p), $"{step}: upload {p}");
            var final = p == parts - 1;
            platform.Clock.Set(day.AddHours(11 + p));
            if (final)
            {
                Ok(await his.DischargeAsync(mdtrtId, psnNo, insutype, $"{day:yyyy-MM-dd} 17:00:00"), step + ": discharge");
                platform.Clock.Set(day.AddHours(18));
            }
            var msgid = platform.NewMsgid(hospital);
            var reply = Ok(await his.SettleAsync(mdtrtId, psnNo, insutype, Total(bill), useAccount: random.Next(2) == 0, inpatient: true, msgid: msgid,
                midSetlFlag: final ? "0" : "1"), $"{step}: {(final ? "settlement at discharge" : $"mid-stay settlement {p}")}");
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

    /// <summary>The reply, asserted to be a success; the seed and the step in the message when it is not.</summary>
    public Reply Ok(Reply reply, string step)
    {
        Assert.True(reply.Infcode == 0, $"seed {seed}, {step}: {reply.Body}");
        return reply;
    }

    /// <summary>The settlements of <paramref name="standing"/> that may be reversed now: a visit's newest first.</summary>
    public static List<Settled> Reversible(IReadOnlyCollection<Settled> standing) =>
        standing.Where(s => !standing.Any(o => o.MdtrtId == s.MdtrtId && o.Order > s.Order)).ToList();
}
