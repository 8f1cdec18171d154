using System.Diagnostics;

namespace MedSettle.Load;

/// <summary>
/// settle: C concurrent hospital clients take prepared visits from the file in turn and POST 2207, each with a fresh msgid,
/// for T seconds or until the visits run out. Only infcode 0 counts as a settlement; every answered request's latency is
/// recorded (p50/p99 over all of them).
/// </summary>
public static class SettleRun
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url");
        var file = options.Text("visits");
        var clients = Math.Max(1, options.Int("clients", 8));
        var seconds = options.Double("seconds", 30);
        var skip = Math.Max(0, options.Int("skip", 0));
        var rate = options.Double("rate", 0); // settlements a second across all clients; 0 = as fast as they can
        // --cycle: the visits again from the first when they run out (only for stub-server, which stores nothing)
        var cycle = options.Optional("cycle") is "yes";

        var visits = File.ReadLines(file).Skip(1).Where(l => l.Length > 0).Skip(skip).Select(PreparedVisit.Parse).ToArray();
        Output.Progress($"settle: {visits.Length:N0} prepared visits, {clients} clients, {seconds} s");

        await using var platform = new Platform(url, clients, options.ConnectionString());
        await platform.SignInAllAsync(visits.Select(v => v.Hospital));
        var his = new His(platform, null!);
        var tally = new Tally();
        var completions = new List<double>();
        var settled = 0L;
        var next = -1;
        var limit = TimeSpan.FromSeconds(seconds);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();

        var interval = rate > 0 ? TimeSpan.FromSeconds(clients / rate) : TimeSpan.Zero;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var latencies = new List<double>(100_000);
            var completed = new List<double>(100_000);
            var due = interval * client / clients;
            int i;
            while (watch.Elapsed < limit && ((i = Interlocked.Increment(ref next)) < visits.Length || cycle))
            {
                if (interval > TimeSpan.Zero)
                {
                    // paced: each client sends on its own schedule, so the offered rate holds whatever the latency
                    var wait = due - watch.Elapsed;
                    if (wait > TimeSpan.Zero) await Task.Delay(wait);
                    due += interval;
                }
                var v = visits[i % visits.Length];
                using var reply = await His.Step("2207",
                    his.SettleAsync(v.Hospital, v.InsuplcAdmdvs, v.PsnNo, v.Insutype, v.MdtrtId, v.MedfeeSumamt), tally, latencies);
                if (reply is null) continue;
                Interlocked.Increment(ref settled);
                completed.Add(watch.Elapsed.TotalSeconds);
            }
            tally.Add(latencies);
            lock (completions) completions.AddRange(completed);
        })));
        var elapsed = watch.Elapsed.TotalSeconds;
        var driverCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        // the rate over the last two thirds of the run, without the start-up of the clients (a short run's rate is mostly that)
        var steadyFrom = elapsed / 3;
        var steady = completions.Count(t => t >= steadyFrom) / Math.Max(1e-9, elapsed - steadyFrom);

        var used = Math.Min(visits.Length, Volatile.Read(ref next) + 1);
        if (used >= visits.Length && elapsed < seconds * 0.95)
            Output.Progress($"settle: the {visits.Length:N0} visits ran out after {elapsed:0.0} s; prepare more for a full {seconds} s run");
        Output.Progress($"settle: {settled:N0} settled in {elapsed:0.00} s, {tally.Refusals} refused, {tally.Failures} failed");
        Output.Result(new
        {
            settlements = settled,
            seconds = Output.Round(elapsed, 2),
            settlements_per_s = Output.Round(settled / elapsed),
            steady_settlements_per_s = Output.Round(steady),
            p50_ms = tally.Percentile(50),
            p99_ms = tally.Percentile(99),
            p999_ms = tally.Percentile(99.9),
            max_ms = tally.Percentile(100),
            errors = tally.Refusals + tally.Failures,
            refusals = tally.Refusals,
            failures = tally.Failures,
            error_samples = tally.Samples,
            requests = tally.Count,
            clients,
            offered_rate_per_s = rate > 0 ? Output.Round(rate) : (double?)null,
            visits_available = visits.Length,
            visits_ran_out = used >= visits.Length && elapsed < seconds * 0.95,
            driver_cpu_s = Output.Round(driverCpu, 2),
        });
        return 0;
    }
}
