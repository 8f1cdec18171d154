// MedSettle.Engine.Benchmarks — per-settlement cost of the pure settlement engine (DESIGN.md rules 1-10).
//
// Full run (BenchmarkDotNet default job, several minutes):
//   dotnet run -c Release --project bench/MedSettle.Engine.Benchmarks -- --filter '*'
// Quick run (ShortRun-like job: 1 launch, 3 warmups, 3 iterations; under ~2 minutes on 2 cores):
//   dotnet run -c Release --project bench/MedSettle.Engine.Benchmarks -- --filter '*' --quick
//   (BenchmarkDotNet's own `--job short` does the same.)
//
// Reports (markdown/csv/html) land in bench/MedSettle.Engine.Benchmarks/bin/Release/net10.0/BenchmarkDotNet.Artifacts/.
// Always -c Release: BenchmarkDotNet refuses to measure non-optimized assemblies.
// Issue targets: >= 500,000 ten-line settlement computations per second on one core; no allocation per fee line
// (GradeOneLine must show "-" / 0 B in the Allocated column).
using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using MedSettle.Engine.Benchmarks;

var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();

// Reports and logs go under this project's bin/ (ignored by git) unless --artifacts says otherwise.
IConfig config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
if (quick)
    config = config.AddJob(Job.ShortRun.WithId("Quick"));

var summaries = BenchmarkSwitcher.FromAssembly(typeof(EngineBenchmarks).Assembly).Run(rest, config).ToList();

const double TargetPerSecond = 500_000;
foreach (var report in summaries.SelectMany(s => s.Reports))
{
    if (report.ResultStatistics is not { } stats) continue;
    var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
    var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
    var perSecond = 1e9 / stats.Mean;
    var line = name switch
    {
        nameof(EngineBenchmarks.SettleTenLineBill) =>
            $"{name}: {stats.Mean:F1} ns/op, {Bytes(allocated)}/op -> {perSecond:N0} ten-line settlements/s on one core "
            + $"(target >= {TargetPerSecond:N0}/s: {(perSecond >= TargetPerSecond ? "MET" : "NOT MET")})",
        nameof(EngineBenchmarks.GradeOneLine) =>
            $"{name}: {stats.Mean:F1} ns/op, {Bytes(allocated)}/op -> {perSecond:N0} fee lines/s "
            + $"(target 0 B per fee line: {(allocated == 0 ? "MET" : "NOT MET")})",
        _ => $"{name}: {stats.Mean:F1} ns/op, {Bytes(allocated)}/op -> {perSecond:N0} ops/s",
    };
    Console.WriteLine(line);
}

return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

static string Bytes(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b} B") : "? B";
