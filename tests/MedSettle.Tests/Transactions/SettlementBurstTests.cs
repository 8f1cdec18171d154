using System.Globalization;
using System.Text;
using Dapper;
using MedSettle.Engine;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// A burst of settlements at once, as a busy province sends them: many people, one of them with several visits, every
/// request sent twice with its msgid (a retry storm), and some that must be refused. On PostgreSQL these are settled in
/// groups sharing a commit; each request must still be answered as if it had been alone. The order requests are sent
/// in is shuffled from a fixed seed, written to the test's output.
/// </summary>
public abstract class SettlementBurstTests(DatabaseTarget target, ITestOutputHelper output) : PlatformTests(target, JilinCentral)
{
    private const int OrderSeed = 20261201;

    /// <summary><paramref name="items"/> in an order drawn from <see cref="OrderSeed"/>, said in the test's output.</summary>
    private List<T> Shuffled<T>(IEnumerable<T> items)
    {
        output.WriteLine($"requests shuffled with seed {OrderSeed}");
        var random = new Random(OrderSeed);
        return items.OrderBy(_ => random.Next()).ToList();
    }

    private const int People = 24;
    private const decimal Bill = 546.90m;
    private const string WangFang = "22010000000000000002";

    private static readonly (string, decimal, decimal)[] Items = [("110200001", 100.00m, 5), ("XJ01DDA036B001010178838", 23.45m, 2)];

    [Fact]
    public async Task Every_settlement_of_a_burst_is_made_once_and_answered_alike_for_each_of_its_retries()
    {
        var people = await ImportPeopleAsync();
        var visits = new List<(string MdtrtId, string PsnNo)>();
        foreach (var psnNo in people) visits.Add((await His.OutpatientVisitAsync(psnNo, "310", Items), psnNo));
        // Zhang Wei has four visits in the burst: his annual cap and his account are shared by all four.
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        for (var i = 0; i < 4; i++)
        {
            var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", $"BURST{i}")).ShouldSucceed().Text("data", "mdtrt_id");
            (await His.UploadAsync(mdtrtId, ZhangWei, Items)).ShouldSucceed();
            visits.Add((mdtrtId, ZhangWei));
        }

        var requests = visits.Select(v => (v.MdtrtId, v.PsnNo, Msgid: Platform.NewMsgid(JilinCentral), Medfee: Bill)).ToList();
        // Refused in the same burst: a total that is not the bill's (Wang Fang's only visit), and a visit of another person's.
        var wangFang = await His.OutpatientVisitAsync(WangFang, "390", Items);
        var wrongTotal = (MdtrtId: wangFang, PsnNo: WangFang, Msgid: Platform.NewMsgid(JilinCentral), Medfee: Bill + 1);
        var wrongPerson = requests[1] with { PsnNo = requests[2].PsnNo, Msgid = Platform.NewMsgid(JilinCentral) };
        var sent = Shuffled(requests.Concat(requests).Append(wrongTotal).Append(wrongPerson));

        var replies = await Task.WhenAll(sent.Select(async r =>
            (Request: r, Reply: await His.SettleAsync(r.MdtrtId, r.PsnNo, r.PsnNo == WangFang ? "390" : "310", r.Medfee, useAccount: true, msgid: r.Msgid))));

        foreach (var group in replies.Where(r => r.Request.Msgid != wrongTotal.Msgid && r.Request.Msgid != wrongPerson.Msgid).GroupBy(r => r.Request.Msgid))
        {
            var both = group.ToList();
            Assert.Equal(2, both.Count);
            both[0].Reply.ShouldSucceed();
            Assert.Equal(both[0].Reply.Body, both[1].Reply.Body);
            Assert.Equal(both[0].Request.MdtrtId, both[0].Reply.Text("setlinfo", "mdtrt_id"));
        }
        replies.Single(r => r.Request.Msgid == wrongTotal.Msgid).Reply.ShouldFail("不一致");
        replies.Single(r => r.Request.Msgid == wrongPerson.Msgid).Reply.ShouldFail("不属于人员");

        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal((long)requests.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements"));
        Assert.Equal((long)requests.Count, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(DISTINCT mdtrt_id) FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM messages WHERE msgid = @a OR msgid = @b", new { a = wrongTotal.Msgid, b = wrongPerson.Msgid }));
        // Zhang Wei's four settlements met his per-year deductible once and drew down one account.
        var his = replies.Where(r => r.Request.PsnNo == ZhangWei && r.Reply.Infcode == 0).DistinctBy(r => r.Request.Msgid).Select(r => r.Reply).ToList();
        Assert.Equal(4, his.Count);
        Assert.Equal(20000L, await connection.ExecuteScalarAsync<long>(
            "SELECT SUM(act_pay_dedc_fen) FROM settlements WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Equal(152050L - Money.ToFen(his.Sum(r => r.Money("setlinfo", "acct_pay"))),
            await connection.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei }));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));

        if (Platform.Database.Provider == DbProvider.Postgres)
        {
            var figures = System.Text.Json.JsonSerializer.SerializeToElement(Platform.Groups.Figures());
            Assert.True(figures.GetProperty("settled").GetInt64() > figures.GetProperty("committed_groups").GetInt64(),
                $"a burst of {sent.Count} requests should have been settled in shared commits: {figures}");
        }
    }

    [Fact]
    public async Task A_msgid_sent_at_once_for_two_people_settles_one_of_them_and_refuses_the_other()
    {
        var people = await ImportPeopleAsync();
        var visits = new List<(string MdtrtId, string PsnNo)>();
        foreach (var psnNo in people) visits.Add((await His.OutpatientVisitAsync(psnNo, "310", Items), psnNo));
        var pairs = visits.Chunk(2).Select(pair => (Msgid: Platform.NewMsgid(JilinCentral), First: pair[0], Second: pair[1])).ToList();

        var replies = await Task.WhenAll(Shuffled(pairs.SelectMany(p => new[] { (p.Msgid, Visit: p.First), (p.Msgid, Visit: p.Second) }))
            .Select(async r => (r.Msgid, r.Visit, Reply: await His.SettleAsync(r.Visit.MdtrtId, r.Visit.PsnNo, "310", Bill, useAccount: true, msgid: r.Msgid))));

        await using var connection = await Platform.Database.OpenConnectionAsync();
        foreach (var pair in replies.GroupBy(r => r.Msgid))
        {
            var settled = pair.Where(r => r.Reply.Infcode == 0).ToList();
            var refused = Assert.Single(pair, r => r.Reply.Infcode != 0);
            Assert.Equal(settled.Single().Visit.MdtrtId, settled.Single().Reply.Text("setlinfo", "mdtrt_id"));
            Assert.True(refused.Reply.ErrMsg!.Contains("已用于一笔内容不同的 2207 交易") || refused.Reply.ErrMsg.Contains("正在处理中"), refused.Reply.Body);
            Assert.Equal(settled.Single().Visit.MdtrtId, await connection.ExecuteScalarAsync<string>(
                "SELECT mdtrt_id FROM settlements WHERE msgid = @msgid", new { msgid = pair.Key }));
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId = refused.Visit.MdtrtId }));
        }
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    /// <summary>People of Changchun (220100), employees' scheme with 500 yuan in their account, added to jilin-mini.</summary>
    private async Task<List<string>> ImportPeopleAsync()
    {
        var bundle = TestPaths.TempDirectory();
        var csv = new StringBuilder("psn_no,psn_name,certno,gend,brdy,insuplc_admdvs,insutype,psn_insu_stas,acct_balc\n");
        var people = new List<string>();
        for (var i = 0; i < People; i++)
        {
            var psnNo = $"2201000000000001{i:D4}";
            var first17 = $"22010219800101{i:D3}";
            var certno = first17 + IdentityNumber.CheckCharacter(first17);
            csv.Append(CultureInfo.InvariantCulture, $"{psnNo},测试{i},{certno},1,1980-01-01,220100,310,1,500.00\n");
            people.Add(psnNo);
        }
        File.WriteAllText(Path.Combine(bundle, "persons.csv"), csv.ToString());
        await new BundleImporter(Platform.Database).ImportAsync(bundle);
        return people;
    }
}

public sealed class SettlementBurstTests_Sqlite(ITestOutputHelper output) : SettlementBurstTests(new SqliteTarget(), output);

public sealed class SettlementBurstTests_Postgres(ITestOutputHelper output) : SettlementBurstTests(new PostgresTarget(), output);
