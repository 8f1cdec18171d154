using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MedSettle.Foundation;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tools.Demo;
using MedSettle.Transactions;

namespace MedSettle.Load;

/// <summary>
/// catalogue: the demo province with a catalogue of N generated 西药中成药 rows (list_type 101, besides the demo's services
/// and supplies), imported into --db (a medsettle --db value, sqlite: or postgres:), then 1301 目录下载 of the whole list
/// (ver 0) --runs times, in process through the transaction API (the handler, its query, the zip and the stored file; no
/// HTTP), each file fetched back with 9102 and its rows counted; then one row changed and imported again, and 1301 since
/// the first version (one row). Every import and download timed.
/// </summary>
public static class CatalogueRun
{
    private static readonly string[] Prefixes = ["注射用", "复方", "盐酸", "硫酸", "阿莫西林", "头孢", "左氧氟沙星", "甲硝唑", "布洛芬", "维生素", "小儿", "双氯芬酸", ""];
    private static readonly string[] Stems = ["克拉维酸钾", "曲松钠", "呋辛钠", "丹参", "葡萄糖", "氯化钠", "奥美拉唑", "氨溴索", "地塞米松", "硝苯地平", "二甲双胍", "阿司匹林"];
    private static readonly string[] Forms = ["片", "胶囊", "注射液", "颗粒", "缓释片", "口服溶液", "滴丸", "软膏", "干混悬剂"];

    public static async Task<int> RunAsync(Options options)
    {
        var rows = options.Int("rows", 50_000);
        var runs = Math.Max(1, options.Int("runs", 5));
        var bundle = Path.Combine(Path.GetTempPath(), $"medsettle-catalogue-{Environment.ProcessId}");
        try
        {
            DemoProvince.WriteBundle(bundle, persons: 10);
            var catalogue = Path.Combine(bundle, "catalogue.csv");
            var kept = File.ReadAllLines(catalogue, Encoding.UTF8).Where((line, i) => i == 0 || line.Split(',')[2] != "101").ToList();
            File.WriteAllLines(catalogue, [.. kept, .. Enumerable.Range(1, rows).Select(Drug)], new UTF8Encoding(false));

            await using var database = Database.Open(options.Text("db"), options.Optional("key-file"));
            await Schema.MigrateAsync(database);
            var clock = new PlatformClock(TimeProvider.System);
            var first = await TimedImportAsync(database, clock, bundle, "first import");

            var hospital = await database.ReadAsync(unit => unit.ScalarAsync<string>("SELECT fixmedins_code FROM hospitals ORDER BY fixmedins_code LIMIT 1"));
            var call = new Caller(database, clock, hospital);
            var signNo = (await call.AnswerAsync("9001", new { signIn = new { opter_no = "bench", mac = "", ip = "127.0.0.1" } })).GetProperty("signinoutb").GetProperty("sign_no").GetString()!;
            call.SignNo = signNo;

            var seconds = new List<double>();
            (long Zipped, long Text) bytes = (0, 0);
            for (var run = 1; run <= runs; run++)
            {
                var watch = Stopwatch.StartNew();
                var answer = await call.AnswerAsync("1301", new { data = new { ver = "0" } });
                seconds.Add(watch.Elapsed.TotalSeconds);
                var (file, text, lines) = await call.FetchAsync(answer.GetProperty("file_qury_no").GetString()!);
                bytes = (file.Length, text);
                Output.Progress($"1301 ver 0, run {run}: {answer.GetProperty("data_cnt").GetInt32():N0} rows, {file.Length:N0} bytes zipped ({text:N0} unzipped), {seconds[^1]:0.000} s; 9102 gave {lines:N0} lines");
                if (lines != rows) throw new InvalidOperationException($"the file holds {lines} rows, not {rows}");
            }

            var again = await TimedImportAsync(database, clock, bundle, "the same bundle again");
            var lines1 = File.ReadAllLines(catalogue, Encoding.UTF8);
            var changedAt = Array.FindIndex(lines1, l => l.StartsWith("XB", StringComparison.Ordinal));
            var cells = lines1[changedAt].Split(',');
            cells[1] += "（新规格）";
            lines1[changedAt] = string.Join(',', cells);
            File.WriteAllLines(catalogue, lines1, new UTF8Encoding(false));
            var second = await TimedImportAsync(database, clock, bundle, "one row changed");
            var incrementalWatch = Stopwatch.StartNew();
            var incremental = await call.AnswerAsync("1301", new { data = new { ver = CatalogueLists.VerText(first.Summary.CatalogueVersion ?? 0) } });
            var incrementalSeconds = incrementalWatch.Elapsed.TotalSeconds;
            var (_, _, incrementalLines) = await call.FetchAsync(incremental.GetProperty("file_qury_no").GetString()!);
            Output.Progress($"1301 since version {first.Summary.CatalogueVersion}: {incrementalLines} row(s), {incrementalSeconds:0.000} s");

            var sorted = seconds.Order().ToList();
            Output.Result(new
            {
                database = database.Provider.ToString(),
                rows,
                first_import_seconds = Output.Round(first.Seconds, 2),
                unchanged_import_seconds = Output.Round(again.Seconds, 2),
                one_row_import_seconds = Output.Round(second.Seconds, 2),
                download_seconds_median = Output.Round(sorted[sorted.Count / 2], 3),
                download_seconds_max = Output.Round(sorted[^1], 3),
                download_seconds_first = Output.Round(seconds[0], 3),
                zip_bytes = bytes.Zipped,
                text_bytes = bytes.Text,
                incremental_rows = incrementalLines,
                incremental_seconds = Output.Round(incrementalSeconds, 3),
            });
            return 0;
        }
        finally
        {
            if (Directory.Exists(bundle)) Directory.Delete(bundle, recursive: true);
        }
    }

    /// <summary>Generated drug number <paramref name="i"/>: a national-looking code, a name, a charge level and what goes with it.</summary>
    private static string Drug(int i)
    {
        var name = $"{Prefixes[i % Prefixes.Length]}{Stems[i / 13 % Stems.Length]}{Forms[i / 7 % Forms.Length]}";
        var (level, ratio, type) = (i % 10) switch
        {
            < 5 => ("01", "", "09"),
            < 8 => ("02", "0.10", i % 3 == 0 ? "11" : "09"),
            9 => ("03", "", "09"),
            _ => ("02", "0.05", "11"),
        };
        var ceiling = i % 17 == 0 ? (i % 500 + 1).ToString("0.00", CultureInfo.InvariantCulture) : "";
        return $"XB{i % 100:D2}AAB{i:D6}B00101{i:D7},{name},101,{type},{level},{ratio},{ceiling},,,,,"; // the demo's limit columns empty
    }

    private static async Task<(ImportSummary Summary, double Seconds)> TimedImportAsync(Database database, PlatformClock clock, string bundle, string what)
    {
        var watch = Stopwatch.StartNew();
        ImportSummary summary;
        try
        {
            summary = await new BundleImporter(database, clock: clock).ImportAsync(bundle);
        }
        catch (ImportFailed failed)
        {
            throw new InvalidOperationException(string.Join("\n", failed.Problems.Take(5).Select(p => p.ToString()).Prepend(failed.Message)), failed);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        Output.Progress($"import ({what}): {summary.Files["catalogue.csv"].Changed:N0} catalogue rows added or changed, version {summary.CatalogueVersion?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {seconds:0.00} s");
        return (summary, seconds);
    }

    /// <summary>One hospital's transactions, in process (trusted: no signature), with its sign_no once it has one.</summary>
    private sealed class Caller(Database database, PlatformClock clock, string hospital)
    {
        private int _sequence;

        public string SignNo { get; set; } = "";

        private byte[] Body(string infno, object input) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["infno"] = infno, ["msgid"] = $"{hospital}{clock.Now:yyyyMMddHHmmss}{Interlocked.Increment(ref _sequence) % 10000:D4}",
            ["fixmedins_code"] = hospital, ["mdtrtarea_admvs"] = "", ["insuplc_admdvs"] = "", ["sign_no"] = SignNo, ["inf_time"] = clock.Now.ToText(),
            ["input"] = input,
        });

        /// <summary>The output of a successful answer; anything else stops the run.</summary>
        public async Task<JsonElement> AnswerAsync(string infno, object input)
        {
            var (status, body) = await TransactionApi.CallAsync(database, clock, Body(infno, input));
            using var answer = JsonDocument.Parse(body);
            if (status != 200 || answer.RootElement.GetProperty("infcode").GetInt32() != 0) throw new InvalidOperationException($"{infno}: {body}");
            return answer.RootElement.GetProperty("output").Clone();
        }

        /// <summary>9102 of a file: its bytes, and the size and the lines of the text it zips.</summary>
        public async Task<(byte[] File, long Text, int Lines)> FetchAsync(string fileQuryNo)
        {
            var (_, body, file) = await TransactionApi.CallForFileAsync(database, clock,
                Body("9102", new { fsDownloadIn = new { file_qury_no = fileQuryNo, filename = "plc", fixmedins_code = "plc" } }));
            if (file is null) throw new InvalidOperationException($"9102: {body}");
            using var zip = new ZipArchive(new MemoryStream(file.Content));
            var entry = zip.Entries.Single();
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            var lines = 0;
            while (await reader.ReadLineAsync() is not null) lines++;
            return (file.Content, entry.Length, lines);
        }
    }
}
