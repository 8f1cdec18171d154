using System.Diagnostics;
using MedSettle.Tools.Demo;

namespace MedSettle.Load;

/// <summary>persons: N generated insured people into persons with binary COPY (<see cref="BulkPersons"/>), timed.</summary>
public static class PersonsLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var connectionString = options.ConnectionString();
        var count = options.Long("count");
        var watch = Stopwatch.StartNew();
        var copied = TimeSpan.Zero;
        var progress = new SynchronousProgress(rows =>
        {
            var rate = rows / Math.Max(0.001, watch.Elapsed.TotalSeconds);
            if (rows >= count)
            {
                copied = watch.Elapsed;
                Output.Progress($"persons: {rows:N0} rows copied in {copied.TotalSeconds:0.0} s ({rate:N0} rows/s)"
                                + (count >= BulkPersons.RebuildIndexesFrom ? "; building indexes" : "") + "; vacuuming and analysing");
            }
            else if (rows % 1_000_000 == 0 || rows == 100_000)
                Output.Progress($"persons: {rows:N0} / {count:N0} rows ({rate:N0} rows/s)");
        });

        // the database's personal-data keys (--key-file, MEDSETTLE_DATA_KEY or the default file), as the server uses them
        await using var database = MedSettle.Storage.Database.Open("postgres:" + connectionString, options.Optional("key-file"));
        await MedSettle.Storage.Schema.MigrateAsync(database);
        var rows = await BulkPersons.LoadAsync(connectionString, database.Keys, count, progress);
        var seconds = watch.Elapsed.TotalSeconds;
        Output.Progress($"persons: {rows:N0} people loaded in {seconds:0.0} s ({rows / seconds:N0} rows/s overall)");
        Output.Result(new
        {
            rows,
            seconds = Output.Round(seconds, 2),
            rows_per_s = Output.Round(rows / seconds, 0),
            copy_seconds = Output.Round(copied.TotalSeconds, 2),
            index_and_analyze_seconds = Output.Round(seconds - copied.TotalSeconds, 2),
            indexes_rebuilt = count >= BulkPersons.RebuildIndexesFrom,
        });
        return 0;
    }

    /// <summary>Reports on the loading thread itself (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
