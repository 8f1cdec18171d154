using System.Diagnostics;

namespace MedSettle.Load;

/// <summary>
/// prepare: N visits through the real API (2551 file, 2201 register, 2204 ten fee lines), each person at a hospital
/// outside their home region. H hot persons share <c>--hot-share</c> of the visits (many each); everyone else has one.
/// The visits are written, shuffled, to a file for <c>settle</c>.
///
/// Preparing through the API runs at a few hundred visits a second, and a run at thousands of settlements a second
/// needs a hundred thousand visits. So only the first <c>--api-visits</c> (default 3,000) go through the API; each
/// further visit is a copy, made in SQL, of one of those: the same hospital, dates and graded fee lines, for another
/// planned person from outside that hospital's region, with a copy of the filing. 2207 settles a copy exactly as it
/// would the original; nothing in the settlement path can tell them apart.
/// </summary>
public static class Prepare
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Text("url");
        var connectionString = options.ConnectionString();
        var visits = options.Int("visits");
        var hotPersons = options.Int("hot-persons", 20);
        var hotShare = Math.Min(1, options.Double("hot-share", 0.1));
        var clients = Math.Max(1, options.Int("clients", 16));
        var output = options.Optional("out") ?? "visits.tsv";
        var seed = options.Int("seed", 2026);
        var apiVisits = Math.Min(visits, options.Int("api-visits", 3000));

        var world = await World.LoadAsync(connectionString);
        var hot = hotPersons > 0 ? await World.SampleAsync(connectionString, hotPersons, fresh: true) : [];
        var hotVisits = hot.Count > 0 ? (int)Math.Round(visits * hotShare) : 0;
        // At most half the people still without a visit get one here (the rest get several each), so that a later prepare
        // and the full-flow phase still find people without one.
        var people = await World.FreshPersonsEstimateAsync(connectionString);
        var coldPersons = people > 0 ? Math.Min(visits - hotVisits, Math.Max(1_000, (int)(people / 2))) : visits - hotVisits;
        var cold = await World.SampleAsync(connectionString, coldPersons, fresh: true, hot.Select(p => p.PsnNo).ToHashSet());
        if (cold.Count == 0 && visits - hotVisits > 0) throw new NoFreshPerson();
        Output.Progress($"prepare: {visits:N0} visits ({hotVisits:N0} for {hot.Count} hot persons, {visits - hotVisits:N0} for {cold.Count:N0} cold), "
                        + $"{world.Hospitals.Length} hospitals, {world.CatalogueSize} catalogue items, {clients} clients");

        var random = new Random(seed);
        var plan = new (Person Person, Hospital Hospital)[visits];
        for (var i = 0; i < visits; i++)
        {
            var person = i < hotVisits ? hot[i % hot.Count] : cold[(i - hotVisits) % cold.Count];
            plan[i] = (person, world.HospitalFor(person, random));
        }
        random.Shuffle(plan);

        await using var platform = new Platform(url, clients, connectionString);
        await platform.SignInAllAsync(world.Hospitals);
        var his = new His(platform, world);
        var tally = new Tally();
        var prepared = new PreparedVisit?[apiVisits];
        var next = -1;
        var done = 0;
        var watch = Stopwatch.StartNew();
        using var ticker = new Timer(_ => Output.Progress($"prepare: {Volatile.Read(ref done):N0}/{apiVisits:N0} visits through the API, {tally.Refusals} refused"),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var clientRandom = new Random(seed * 31 + c);
            var latencies = new List<double>();
            int i;
            while ((i = Interlocked.Increment(ref next)) < apiVisits)
            {
                var (person, hospital) = plan[i];
                prepared[i] = await his.OpenVisitAsync(hospital, person, clientRandom, visitInfo: false, tally, latencies);
                Interlocked.Increment(ref done);
            }
            tally.Add(latencies);
        })));
        var apiSeconds = watch.Elapsed.TotalSeconds;
        ticker.Change(Timeout.Infinite, Timeout.Infinite);

        var ready = prepared.Where(v => v is not null).Select(v => v!).ToList();
        var copies = visits > apiVisits && ready.Count > 0
            ? await CopyVisits.MakeAsync(connectionString, ready, plan.AsSpan(apiVisits).ToArray().Select(p => p.Person).ToList(), new Random(seed + 7))
            : [];
        var seconds = watch.Elapsed.TotalSeconds;
        ready.AddRange(copies);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ready));
        await using (var file = new StreamWriter(output))
        {
            await file.WriteLineAsync(PreparedVisit.Header);
            foreach (var visit in ready) await file.WriteLineAsync(visit.ToLine());
        }
        Output.Progress($"prepare: {ready.Count:N0} visits ready in {seconds:0.0} s, written to {output}");
        Output.Result(new
        {
            visits = ready.Count,
            requested = visits,
            through_api = ready.Count - copies.Count,
            api_seconds = Output.Round(apiSeconds, 2),
            api_visits_per_s = Output.Round((ready.Count - copies.Count) / apiSeconds),
            copies = copies.Count,
            hot_persons = hot.Count,
            hot_visits = hotVisits,
            cold_persons = cold.Count,
            seconds = Output.Round(seconds, 2),
            visits_per_s = Output.Round(ready.Count / seconds),
            requests_per_s = Output.Round(tally.Count / seconds),
            p50_ms = tally.Percentile(50),
            p99_ms = tally.Percentile(99),
            refusals = tally.Refusals,
            failures = tally.Failures,
            error_samples = tally.Samples,
            file = output,
        });
        return ready.Count == 0 && visits > 0 ? 1 : 0;
    }
}
