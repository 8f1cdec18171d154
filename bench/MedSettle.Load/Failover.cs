using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace MedSettle.Load;

/// <summary>
/// durable: C clients settle prepared visits (2207) for T seconds as a careful HIS does: each request gets its msgid
/// once, and a request without an answer — connection refused or reset, HTTP 5xx — is sent again with the same msgid
/// every <c>--retry-ms</c> until it is answered. Every acknowledged settlement is appended to <c>--log</c> at once
/// (unix ms answered, msgid, hospital, mdtrt_id, setl_id, attempts, unix ms the answered attempt and the first were sent), so the log
/// survives whatever happens to the server.
/// Kept apart from <c>settle</c>, which measures throughput with a fresh msgid per request.
/// </summary>
public static class DurableRun
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url");
        var file = options.Text("visits");
        var log = options.Text("log");
        var clients = Math.Max(1, options.Int("clients", 8));
        var seconds = options.Double("seconds", 30);
        var retry = TimeSpan.FromMilliseconds(Math.Max(10, options.Int("retry-ms", 200)));
        var giveUp = TimeSpan.FromSeconds(options.Double("give-up-seconds", 300));

        var visits = File.ReadLines(file).Skip(1).Where(l => l.Length > 0).Select(PreparedVisit.Parse).ToArray();
        Output.Progress($"durable: {visits.Length:N0} prepared visits, {clients} clients, {seconds} s, acknowledgements to {log}");

        await using var platform = new Platform(url, clients, options.ConnectionString());
        await platform.SignInAllAsync(visits.Select(v => v.Hospital));
        var his = new His(platform, null!);
        await using var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        var writeLock = new object();
        int next = -1, acknowledged = 0, refused = 0, retriedRequests = 0, unanswered = 0;
        long attemptsWithoutAnswer = 0;
        var refusals = new ConcurrentBag<string>();
        var limit = TimeSpan.FromSeconds(seconds);
        var watch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while (watch.Elapsed < limit && (i = Interlocked.Increment(ref next)) < visits.Length)
            {
                var v = visits[i];
                var msgid = platform.NextMsgid(v.HospitalCode);
                var attempts = 0;
                var first = watch.Elapsed;
                var firstSent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                while (true)
                {
                    attempts++;
                    var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    Reply? reply = null;
                    try
                    {
                        reply = await his.SettleAsync(v.Hospital, v.InsuplcAdmdvs, v.PsnNo, v.Insutype, v.MdtrtId, v.MedfeeSumamt, msgid);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException)
                    {
                        // no answer (or HTTP 5xx): the outcome is unknown, so the same msgid goes again
                    }
                    using (reply)
                    {
                        if (reply is { Ok: true })
                        {
                            var setlId = reply.Output.GetProperty("setlinfo").GetProperty("setl_id").GetString();
                            lock (writeLock)
                                writer.WriteLine(string.Join('\t', DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                                    msgid, v.HospitalCode, v.MdtrtId, setlId, attempts.ToString(CultureInfo.InvariantCulture),
                                    sent.ToString(CultureInfo.InvariantCulture), firstSent.ToString(CultureInfo.InvariantCulture)));
                            Interlocked.Increment(ref acknowledged);
                            break;
                        }
                        if (reply is not null)
                        {
                            Interlocked.Increment(ref refused);
                            if (refusals.Count < 5) refusals.Add($"{msgid}: {reply.ErrMsg}");
                            break;
                        }
                    }
                    Interlocked.Increment(ref attemptsWithoutAnswer);
                    if (watch.Elapsed - first > giveUp)
                    {
                        Interlocked.Increment(ref unanswered);
                        Output.Progress($"durable: {msgid} unanswered after {giveUp.TotalSeconds} s; giving up on it");
                        break;
                    }
                    await Task.Delay(retry);
                }
                if (attempts > 1) Interlocked.Increment(ref retriedRequests);
            }
        })));

        Output.Progress($"durable: {acknowledged:N0} acknowledged, {retriedRequests} needed a retry, {refused} refused, {unanswered} unanswered, {watch.Elapsed.TotalSeconds:0.0} s");
        Output.Result(new
        {
            acknowledged,
            retried_requests = retriedRequests,
            attempts_without_answer = attemptsWithoutAnswer,
            refused,
            refusal_samples = refusals.ToArray(),
            unanswered,
            seconds = Output.Round(watch.Elapsed.TotalSeconds, 2),
            log,
        });
        return refused + unanswered == 0 ? 0 : 1;
    }
}

/// <summary>
/// failover-check: every settlement in a <c>durable</c> log is in the database, once, with the setl_id it was
/// acknowledged with, and no visit of the log has two standing settlements. With <c>--since-ms</c> (when the primary
/// was stopped) it also counts what was acknowledged before, and the downtime: from then to the first acknowledgement
/// of a request sent after it.
/// </summary>
public static class FailoverCheck
{
    public static async Task<int> RunAsync(Options options)
    {
        var connectionString = options.ConnectionString();
        var log = options.Text("log");
        var watch = Stopwatch.StartNew();
        var since = options.Optional("since-ms") is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : (long?)null;

        var acks = File.ReadLines(log).Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .Select(f => (At: long.Parse(f[0], CultureInfo.InvariantCulture), Msgid: f[1], Hospital: f[2], MdtrtId: f[3], SetlId: f[4],
                Attempts: int.Parse(f[5], CultureInfo.InvariantCulture), Sent: long.Parse(f[6], CultureInfo.InvariantCulture),
                FirstSent: long.Parse(f[7], CultureInfo.InvariantCulture)))
            .ToList();

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stored = new Dictionary<(string, string), List<string>>();
        await using (var command = new NpgsqlCommand("SELECT fixmedins_code, msgid, setl_id FROM settlements WHERE kind = 'settle'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!stored.TryGetValue(key, out var list)) stored[key] = list = [];
                list.Add(reader.GetString(2));
            }
        var standing = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand(
            "SELECT mdtrt_id, COUNT(*) FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL GROUP BY mdtrt_id", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) standing[reader.GetString(0)] = reader.GetInt64(1);

        int found = 0, missing = 0, duplicated = 0, otherSetlId = 0;
        var samples = new List<string>();
        foreach (var a in acks)
        {
            if (!stored.TryGetValue((a.Hospital, a.Msgid), out var ids)) { missing++; Sample($"missing {a.Msgid} ({a.SetlId})"); continue; }
            found++;
            if (ids.Count > 1) { duplicated++; Sample($"{a.Msgid} has {ids.Count} settlements"); }
            if (!ids.Contains(a.SetlId)) { otherSetlId++; Sample($"{a.Msgid} acknowledged {a.SetlId}, stored {string.Join(",", ids)}"); }
        }
        var visitsSettledTwice = acks.Select(a => a.MdtrtId).Distinct().Count(m => standing.GetValueOrDefault(m) > 1);
        var before = since is null ? (int?)null : acks.Count(a => a.At < since);
        var firstAfter = since is null ? null : acks.Where(a => a.Sent >= since).Select(a => (long?)a.At).Min();
        Output.Result(new
        {
            acknowledged = acks.Count,
            acknowledged_before_stop = before,
            in_flight_at_stop = since is null ? (int?)null : acks.Count(a => a.FirstSent < since && a.At >= since),
            found,
            missing,
            duplicated,
            other_setl_id = otherSetlId,
            visits_settled_twice = visitsSettledTwice,
            acknowledged_after_retry = acks.Count(a => a.Attempts > 1),
            downtime_s = firstAfter is null || since is null ? (double?)null : Output.Round((firstAfter.Value - since.Value) / 1000.0, 2),
            samples,
            check_seconds = Output.Round(watch.Elapsed.TotalSeconds, 2),
        });
        return missing + duplicated + otherSetlId + visitsSettledTwice == 0 ? 0 : 1;

        void Sample(string text)
        {
            if (samples.Count < 10) samples.Add(text);
        }
    }
}
