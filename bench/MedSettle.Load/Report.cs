using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace MedSettle.Load;

/// <summary>
/// report: gathers one run of bench/run.sh into one JSON file (--set section.key=value for the script's own figures,
/// --part name=FILE for each subcommand's result), prints the table, and ends with the one machine-readable line.
/// </summary>
public static class Report
{
    public static int Run(Options options)
    {
        var output = options.Text("out");
        var root = new JsonObject { ["date"] = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) };

        foreach (var assignment in options.All("set"))
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            var dot = assignment.IndexOf('.', StringComparison.Ordinal);
            if (equals < 0 || dot < 0 || dot > equals) throw new UsageException($"--set wants section.key=value, not \"{assignment}\"");
            var section = assignment[..dot];
            var key = assignment[(dot + 1)..equals];
            if (root[section] is not JsonObject target) root[section] = target = [];
            target[key] = Value(assignment[(equals + 1)..]);
        }
        foreach (var part in options.All("part"))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0) throw new UsageException($"--part wants name=FILE, not \"{part}\"");
            var file = part[(equals + 1)..];
            root[part[..equals]] = File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } text ? JsonNode.Parse(text) : null;
        }

        var settlements = Number(root, "settle", "settlements_per_s");
        // pgbench runs before settling and again after: the better of the two, so that a slow moment of the machine
        // during one of them never flatters the ratio
        var before = Number(root, "pgbench", "tps");
        var after = root["pgbench_after"] is JsonObject ? Number(root, "pgbench_after", "tps") : 0;
        var tps = Math.Round(Math.Max(before, after), 1, MidpointRounding.AwayFromZero);
        var ratio = tps > 0 ? Math.Round(settlements / tps, 2, MidpointRounding.AwayFromZero) : 0;
        var summary = new JsonObject
        {
            ["settlements_per_s"] = settlements,
            ["pgbench_tps"] = tps,
            ["ratio"] = ratio,
            ["p50_ms"] = Number(root, "settle", "p50_ms"),
            ["p99_ms"] = Number(root, "settle", "p99_ms"),
            ["full_flows_per_s"] = Number(root, "flow", "full_flows_per_s"),
            ["rss_mb"] = Number(root, "server", "rss_mb"),
        };
        root["summary"] = summary;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, root.ToJsonString(new JsonSerializerOptions(Output.Json) { WriteIndented = true }) + "\n");

        var table = new Table().Title("MedSettle against pgbench, same machine, same run").AddColumns("", "measured", "");
        void Row(string name, string value, string note = "") => table.AddRow(Markup.Escape(name), Markup.Escape(value), Markup.Escape(note));
        string N(double value, string format = "N1") => value.ToString(format, CultureInfo.InvariantCulture);

        Row("machine", $"{Text(root, "machine", "nproc")} cores, {Text(root, "machine", "memory_mb")} MB", Text(root, "machine", "pg_version"));
        Row("parameters", $"{Text(root, "parameters", "clients")} clients, {Text(root, "parameters", "seconds")} s",
            $"{Number(root, "parameters", "persons"):N0} + demo people");
        if (root["persons"] is JsonObject)
            Row("bulk load of people (COPY)", $"{N(Number(root, "persons", "rows_per_s"), "N0")} rows/s",
                $"{Number(root, "persons", "rows"):N0} rows in {N(Number(root, "persons", "seconds"))} s");
        Row("prepare (2551+2201+2204)", $"{N(Number(root, "prepare", "api_visits_per_s"))} visits/s",
            $"{Number(root, "prepare", "through_api"):N0} through the API, {Number(root, "prepare", "refusals")} refused; "
            + $"{Number(root, "prepare", "copies"):N0} SQL copies");
        Row("pgbench TPC-B (-M prepared)", $"{N(tps)} tps", after > 0
            ? $"best of 2 runs: {N(before)} before, {N(after)} after"
            : "without connection time");
        Row("settlements (2207)", $"{N(settlements)} /s",
            $"{Number(root, "settle", "settlements"):N0} in {N(Number(root, "settle", "seconds"))} s, {Number(root, "settle", "errors")} errors");
        if (root["health"]?["settlement_groups"] is JsonObject groups && groups["committed_groups"]!.GetValue<double>() > 0)
            Row("settlement groups (one commit each)", $"{N(groups["settled"]!.GetValue<double>() / groups["committed_groups"]!.GetValue<double>())} per commit",
                $"{groups["committed_groups"]!.GetValue<double>():N0} commits since the server started"
                + (groups["ms_per_group"] is JsonObject ms
                    ? $"; ms each: read {N(ms["read"]!.GetValue<double>(), "0.00")}, decide {N(ms["decide"]!.GetValue<double>(), "0.00")}, "
                      + $"write+commit {N(ms["write"]!.GetValue<double>(), "0.00")}"
                    : ""));
        Row("ratio settlements / pgbench", N(ratio, "0.00"), "target ≥ 1.0");
        if (root["pgbench_scaled"] is JsonObject)
        {
            // for reference only: at scale 10, more than 10 clients share TPC-B's 10 branch rows
            var scaled = Number(root, "pgbench_scaled", "tps");
            Row($"pgbench at scale {Number(root, "pgbench_scaled", "scale"):N0} (reference)", $"{N(scaled)} tps",
                $"ratio against it {N(scaled > 0 ? settlements / scaled : 0, "0.00")}; not the target's ratio (scale 10)");
        }
        Row("2207 latency p50 / p99", $"{N(summary["p50_ms"]!.GetValue<double>())} / {N(summary["p99_ms"]!.GetValue<double>())} ms",
            $"max {N(Number(root, "settle", "max_ms"))} ms");
        Row("full flows (2551→2201→2203→2204→2207)", $"{N(Number(root, "flow", "full_flows_per_s"))} /s",
            $"flow p50 {N(Number(root, "flow", "flow_p50_ms"))} ms, p99 {N(Number(root, "flow", "flow_p99_ms"))} ms");
        if (root["verify"] is JsonObject)
        {
            var violations = Text(root, "verify", "violations");
            Row("medsettle verify (every invariant)", violations == "1" ? "1 violation" : $"{violations} violations",
                Text(root, "verify", "exit_code") == "0"
                    ? $"in {N(Number(root, "verify", "seconds"))} s, over all this run wrote"
                    : "FAILED: the violations are printed above the table");
        }
        Row("server peak RSS (VmHWM)", $"{N(Number(root, "server", "rss_mb"), "N0")} MB", "target ≤ 500 MB");
        if (root["cpu"] is JsonObject)
            Row("CPU while settling (% of one core)",
                $"server {N(Number(root, "cpu", "settle_server_pct"), "N0")} · postgres {N(Number(root, "cpu", "settle_postgres_pct"), "N0")} · driver {N(Number(root, "cpu", "settle_driver_pct"), "N0")}",
                $"pgbench run: postgres {N(Number(root, "cpu", "pgbench_postgres_pct"), "N0")} · pgbench {N(Number(root, "cpu", "pgbench_client_pct"), "N0")}");
        // % of one core over a phase / its rate per second = ms of CPU per settlement (per TPC-B transaction, per request)
        string Ms(string key, double rate) => N(Number(root, "cpu", key) * 10 / Math.Max(rate, 1e-9), "0.00");
        if (root["cpu"] is JsonObject && settlements > 0 && before > 0)
        {
            Row("CPU per settlement (ms)",
                $"server {Ms("settle_server_pct", settlements)} · postgres {Ms("settle_postgres_pct", settlements)} · driver {Ms("settle_driver_pct", settlements)}",
                $"per TPC-B transaction (first run): postgres {Ms("pgbench_postgres_pct", before)} · pgbench {Ms("pgbench_client_pct", before)}");
        }
        if (root["http_floor"] is JsonObject)
        {
            var floor = Number(root, "http_floor", "settlements_per_s");
            Row("HTTP floor: 2207 to a stub (no database)", $"{N(floor)} /s",
                $"p50 {N(Number(root, "http_floor", "p50_ms"), "0.00")} ms; CPU per request: stub {Ms("floor_stub_pct", floor)} · driver {Ms("floor_driver_pct", floor)} ms");
        }
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 132;
        AnsiConsole.Write(table);
        Console.WriteLine($"results: {output}");

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settlements_per_s={settlements} pgbench_tps={tps} ratio={ratio:0.00} p50_ms={summary["p50_ms"]} p99_ms={summary["p99_ms"]} full_flows_per_s={summary["full_flows_per_s"]} rss_mb={summary["rss_mb"]}"));
        return 0;
    }

    private static JsonNode? Value(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && text.Trim().Length > 0 && !text.StartsWith('+')
            ? JsonValue.Create(number)
            : JsonValue.Create(text);

    private static double Number(JsonObject root, string section, string key) =>
        root[section] is JsonObject s && s[key] is JsonValue v && v.TryGetValue<double>(out var number) ? number : 0;

    private static string Text(JsonObject root, string section, string key) =>
        root[section] is JsonObject s && s[key] is JsonNode v ? v.ToString() : "?";
}
