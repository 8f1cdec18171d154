using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dapper;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Faults;

/// <summary>
/// Issue 6, crash: the server process is killed (SIGKILL) in the middle of a settlement load, restarted on the same
/// database, and every request without an answer is sent again with its msgid, twice at once, beside replays of the
/// answered ones. Then <c>medsettle verify</c> finds nothing, every msgid has exactly one settlement with its fee
/// lines, and no visit is settled twice.
/// </summary>
public abstract class CrashTests(DatabaseTarget target, ITestOutputHelper log)
{
    private const int VisitsPerPair = 4, Clients = 12, KillAfterAnswers = 20;

    [Fact]
    public async Task A_server_killed_mid_load_loses_and_doubles_nothing_after_a_restart_and_a_retry_storm()
    {
        var db = await target.NewDatabaseValueAsync();
        await using (var database = Database.Open(db))
        {
            await Schema.MigrateAsync(database);
            await new BundleImporter(database).ImportAsync(TestPaths.JilinMini);
        }

        var server = await ServerProcess.StartAsync(db);
        List<SettleRequest> requests;
        LoadFigures figures;
        try
        {
            requests = await FaultLoad.PrepareVisitsAsync(server.Client, VisitsPerPair);
            figures = await FaultLoad.SettleAndKillAsync(server, requests, Clients, KillAfterAnswers);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var restart = Stopwatch.StartNew();
        await using var restarted = await ServerProcess.StartAsync(db, server.Port);
        var restartTime = restart.Elapsed;
        var storm = await FaultLoad.RetryStormAsync([restarted.Client], requests, figures.KilledAt);

        log.WriteLine($"[{target.Name}] {requests.Count} settlements sent by {Clients} clients; killed after {figures.AnsweredBeforeKill} answers "
                      + $"with {figures.InFlightAtKill} in flight and {figures.NeverSent} not yet sent; restart to first healthy answer "
                      + $"{restartTime.TotalMilliseconds:0} ms (process start {restarted.Startup.TotalMilliseconds:0} ms); "
                      + $"retried {storm.Retried} unanswered msgids ({storm.Requests} storm requests, "
                      + $"{storm.CommittedBeforeKill} of them had been committed before the kill and were answered from the store)");

        Assert.True(figures.AnsweredBeforeKill >= KillAfterAnswers);
        Assert.True(figures.InFlightAtKill + figures.NeverSent > 0, "the kill must come in the middle of the load");
        Assert.All(requests, r => Assert.True(r.Answer is { Infcode: 0 }, $"{r.Msgid}: {r.Answer?.Body}"));
        await FaultChecks.VerifyCleanAsync(db);
        await FaultChecks.ExactlyOnceAsync(db, requests);
    }
}

public sealed class CrashTests_Sqlite(ITestOutputHelper log) : CrashTests(new SqliteTarget(), log);

public sealed class CrashTests_Postgres(ITestOutputHelper log) : CrashTests(new PostgresTarget(), log);

/// <summary>One 2207 of the load: its fixed envelope (so that a retry is byte for byte the same) and the answer it got.</summary>
public sealed class SettleRequest(string hospital, string psnNo, string mdtrtId, string msgid, string body, int feeLines)
{
    public string Hospital { get; } = hospital;
    public string PsnNo { get; } = psnNo;
    public string MdtrtId { get; } = mdtrtId;
    public string Msgid { get; } = msgid;
    public string Body { get; } = body;
    public int FeeLines { get; } = feeLines;
    public Reply? Answer { get; set; }
    public string? SetlId => Answer is { Infcode: 0 } a ? a.Text("setlinfo", "setl_id") : null;
}

public sealed record LoadFigures(int AnsweredBeforeKill, int InFlightAtKill, int NeverSent, DateTime KilledAt);

public sealed record StormFigures(int Retried, int Requests, int CommittedBeforeKill);

/// <summary>The load of the fault tests, over any server address: visits ready to settle, a settlement load, a retry storm.</summary>
public static class FaultLoad
{
    /// <summary>The active people of jilin-mini and the cross-region hospitals outside their home region.</summary>
    public static readonly (string PsnNo, string Insutype, string Home)[] People =
    [
        (ZhangWei, "310", "220100"), (WangFang, "390", "220100"), ("22020000000000000003", "310", "220200"), ("22240000000000000004", "390", "222400"),
    ];

    public static readonly string[] Hospitals = ["H22010000001", "H22020000001", "H22020000002", "H22240000001", "H22070000001"];

    public static IEnumerable<(string PsnNo, string Insutype, string Hospital)> Pairs =>
        from p in People from h in Hospitals where h.Substring(1, 6) != p.Home select (p.PsnNo, p.Insutype, h);

    /// <summary>Files (2551) each person at each hospital, then registers (2201) and bills (2204) <paramref name="perPair"/> visits each.</summary>
    public static async Task<List<SettleRequest>> PrepareVisitsAsync(ITransactionCaller caller, int perPair)
    {
        var today = PlatformClient.Today;
        var prepared = await Task.WhenAll(Pairs.Select(async pair =>
        {
            var his = new His(caller, pair.Hospital);
            (await his.FileAsync(pair.PsnNo, pair.Insutype, today)).ShouldSucceed();
            var requests = new List<SettleRequest>();
            for (var i = 0; i < perPair; i++)
            {
                var bill = i % 2 == 0 ? SecondVisitBill : FirstVisitBill;
                var mdtrtId = (await his.RegisterAsync(pair.PsnNo, pair.Insutype, today + " 00:00:01", "MZ" + Guid.NewGuid().ToString("N")[..12]))
                    .ShouldSucceed().Text("data", "mdtrt_id");
                (await his.UploadAsync(mdtrtId, pair.PsnNo, bill)).ShouldSucceed();
                requests.Add(Settlement(pair.Hospital, pair.PsnNo, pair.Insutype, mdtrtId, bill));
            }
            return requests;
        }));
        return prepared.SelectMany(r => r).ToList();
    }

    public static SettleRequest Settlement(string hospital, string psnNo, string insutype, string mdtrtId, (string, decimal Price, decimal Count)[] bill)
    {
        var medfee = bill.Sum(i => Math.Round(i.Price * i.Count, 2, MidpointRounding.AwayFromZero));
        var msgid = PlatformClient.NewMsgid(hospital);
        var input = new
        {
            data = new
            {
                psn_no = psnNo, mdtrt_cert_type = "02", mdtrt_cert_no = "", med_type = "13", medfee_sumamt = medfee, psn_setlway = "01",
                mdtrt_id = mdtrtId, chrg_bchno = "B1", insutype, acct_used_flag = insutype == "310" ? "1" : "0",
            },
        };
        return new SettleRequest(hospital, psnNo, mdtrtId, msgid, PlatformClient.Envelope("2207", hospital, input, msgid), bill.Length);
    }

    /// <summary>
    /// Sends the settlements from <paramref name="clients"/> concurrent clients and kills the server with SIGKILL once
    /// <paramref name="killAfter"/> answers have arrived; the clients then stop. Answers are kept on the requests.
    /// </summary>
    public static async Task<LoadFigures> SettleAndKillAsync(ServerProcess server, List<SettleRequest> requests, int clients, int killAfter)
    {
        var queue = new ConcurrentQueue<SettleRequest>(requests);
        int answered = 0, inFlight = 0, inFlightAtKill = -1;
        var killedAt = DateTime.MinValue;
        var killed = 0;
        var gate = new object();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref killed) == 0 && queue.TryDequeue(out var request))
            {
                Interlocked.Increment(ref inFlight);
                try
                {
                    request.Answer = await server.Client.PostAsync(request.Body);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    continue; // no answer: the server is gone
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
                if (Interlocked.Increment(ref answered) != killAfter) continue;
                lock (gate)
                {
                    inFlightAtKill = Volatile.Read(ref inFlight);
                    killedAt = PlatformClient.Now;
                    Volatile.Write(ref killed, 1);
                    server.KillHard();
                }
            }
        })));
        Assert.True(inFlightAtKill >= 0, "the load ended before the kill");
        return new LoadFigures(requests.Count(r => r.Answer is not null), inFlightAtKill, queue.Count, killedAt);
    }

    /// <summary>
    /// After the restart: every request without an answer is sent twice at once (alternating over <paramref name="servers"/>),
    /// and every answered one once more; a replay must repeat its first answer.
    /// </summary>
    public static async Task<StormFigures> RetryStormAsync(IReadOnlyList<PlatformClient> servers, List<SettleRequest> requests, DateTime killedAt)
    {
        var unanswered = requests.Where(r => r.Answer is null).ToList();
        var answered = requests.Where(r => r.Answer is not null).ToList();
        var firstAnswers = answered.ToDictionary(r => r.Msgid, r => r.SetlId);
        var n = 0;
        var storm = unanswered.SelectMany(r => new[] { r, r }).Concat(answered)
            .Select(r => (Request: r, Server: servers[n++ % servers.Count])).ToList();
        var replies = await Task.WhenAll(storm.Select(async s => (s.Request, Reply: await s.Server.PostAsync(s.Request.Body))));
        foreach (var (request, reply) in replies)
        {
            Assert.True(reply.Infcode == 0, $"{request.Msgid}: {reply.Body}");
            if (firstAnswers.TryGetValue(request.Msgid, out var first))
                Assert.Equal(first, reply.Text("setlinfo", "setl_id"));
            else if (request.Answer is null)
                request.Answer = reply;
            else
                Assert.Equal(request.SetlId, reply.Text("setlinfo", "setl_id"));
        }
        // a replayed answer carries the time its message was first received: before the kill, it was committed then
        var committedBeforeKill = unanswered.Count(r => string.CompareOrdinal(r.Answer!.Root.GetProperty("refmsg_time").GetString(),
            killedAt.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)) < 0);
        return new StormFigures(unanswered.Count, storm.Count, committedBeforeKill);
    }
}

/// <summary>What must hold after any fault, checked from outside: the verify command, and each msgid's one settlement.</summary>
public static class FaultChecks
{
    public static async Task VerifyCleanAsync(string db)
    {
        var (code, output) = await ServerProcess.RunAsync("verify", "--db", db);
        Assert.True(code == 0, output);
        Assert.Contains("0 violation(s)", output);
    }

    public static async Task ExactlyOnceAsync(string db, IReadOnlyCollection<SettleRequest> requests)
    {
        await using var database = Database.Open(db);
        await using var connection = await database.OpenConnectionAsync();
        foreach (var r in requests)
        {
            var messages = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM messages WHERE fixmedins_code = @Hospital AND msgid = @Msgid AND state = 'done' AND response IS NOT NULL", r);
            Assert.True(messages == 1, $"{r.Msgid}: {messages} stored messages");
            var settlements = (await connection.QueryAsync<string>(
                "SELECT setl_id FROM settlements WHERE fixmedins_code = @Hospital AND msgid = @Msgid", r)).ToList();
            Assert.Equal([r.SetlId!], settlements);
            Assert.Equal(r.FeeLines, await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM fee_lines f JOIN settlements s ON s.mdtrt_id = f.mdtrt_id AND s.bill_no = f.bill_no WHERE s.setl_id = @setlId AND f.withdrawn_at IS NULL",
                new { setlId = r.SetlId }));
        }
        var visits = requests.Select(r => r.MdtrtId).ToHashSet();
        var standing = (await connection.QueryAsync<(string MdtrtId, long Count)>(
            "SELECT mdtrt_id, COUNT(*) FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL GROUP BY mdtrt_id")).ToList();
        Assert.All(standing.Where(s => visits.Contains(s.MdtrtId)), s => Assert.Equal(1, s.Count));
    }
}
