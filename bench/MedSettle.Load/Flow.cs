using System.Diagnostics;

namespace MedSettle.Load;

/// <summary>
/// flow: C clients, each running the whole emergency visit again and again for fresh cold persons:
/// 2551 file → 2201 register → 2203 visit information → 2204 ten fee lines → 2207 settle. A flow counts when its 2207 is
/// accepted; its latency is the time of all five calls.
/// </summary>
public static class FlowRun
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url");
        var connectionString = options.ConnectionString();
        var clients = Math.Max(1, options.Int("clients", 8));
        var seconds = options.Double("seconds", 15);
        var poolSize = options.Int("pool", 20_000);
        var seed = options.Int("seed", 7);

        var world = await World.LoadAsync(connectionString);
        var pool = await World.SampleAsync(connectionString, poolSize, fresh: true);
        if (pool.Count == 0) throw new NoFreshPerson();
        Output.Progress($"flow: {pool.Count:N0} fresh persons, {clients} clients, {seconds} s");

        await using var platform = new Platform(url, clients, connectionString);
        await platform.SignInAllAsync(world.Hospitals);
        var his = new His(platform, world);
        var steps = new Tally();
        var flows = new Tally();
        var completed = 0L;
        var next = -1;
        var limit = TimeSpan.FromSeconds(seconds);
        var watch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(seed * 31 + c);
            var stepLatencies = new List<double>();
            var flowLatencies = new List<double>();
            while (watch.Elapsed < limit)
            {
                var person = pool[Interlocked.Increment(ref next) % pool.Count];
                var hospital = world.HospitalFor(person, random);
                var started = Stopwatch.GetTimestamp();
                var visit = await his.OpenVisitAsync(hospital, person, random, visitInfo: true, steps, stepLatencies);
                if (visit is null) continue;
                using var settled = await His.Step("2207",
                    his.SettleAsync(hospital, person.Admdvs, person.PsnNo, person.Insutype, visit.MdtrtId, visit.MedfeeSumamt), steps, stepLatencies);
                if (settled is null) continue;
                flowLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref completed);
            }
            steps.Add(stepLatencies);
            flows.Add(flowLatencies);
        })));
        var elapsed = watch.Elapsed.TotalSeconds;

        var started = Math.Max(0, Volatile.Read(ref next) + 1);
        Output.Progress($"flow: {completed:N0} full flows in {elapsed:0.00} s, {steps.Refusals} refused, {steps.Failures} failed");
        Output.Result(new
        {
            full_flows = completed,
            seconds = Output.Round(elapsed, 2),
            full_flows_per_s = Output.Round(completed / elapsed),
            requests_per_s = Output.Round(steps.Count / elapsed),
            flow_p50_ms = flows.Percentile(50),
            flow_p99_ms = flows.Percentile(99),
            request_p50_ms = steps.Percentile(50),
            request_p99_ms = steps.Percentile(99),
            errors = steps.Refusals + steps.Failures,
            refusals = steps.Refusals,
            failures = steps.Failures,
            error_samples = steps.Samples,
            clients,
            persons_used = Math.Min(started, pool.Count),
            persons_reused = started > pool.Count,
        });
        return 0;
    }
}
