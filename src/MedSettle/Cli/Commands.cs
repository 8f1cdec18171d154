using System.CommandLine;
using MedSettle.Demo;
using MedSettle.Hosting;
using MedSettle.Import;
using MedSettle.Storage;
using Spectre.Console;

namespace MedSettle.Cli;

/// <summary>The command line: serve, import and demo, each a thin shell over the same composition root.</summary>
public static class Commands
{
    private static readonly Option<string> Db = new("--db")
    {
        Description = "Database: sqlite:PATH (embedded, the default) or postgres:<Npgsql connection string>",
        DefaultValueFactory = _ => "sqlite:medsettle.db",
    };

    public static RootCommand Root()
    {
        var root = new RootCommand("MedSettle — 省内医保异地急诊直接结算平台 (intra-province cross-region emergency direct settlement)");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(ImportCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(DemoBundleCommand());
        return root;
    }

    private static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("serve", "Serve the transaction API") { Db, urls };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = Database.Open(parse.GetValue(Db)!);
            var app = await MedSettleHost.BuildAsync(database, parse.GetValue(urls)!);
            await app.StartAsync(cancel);
            Console.WriteLine($"MedSettle is serving {database.Description} at {app.Address()}");
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }

    private static Command ImportCommand()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "The bundle: regions.csv, hospitals.csv, catalogue.csv, persons.csv, policies.json" };
        var command = new Command("import", "Validate and load a reference-data bundle (all or nothing)") { Db, directory };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = Database.Open(parse.GetValue(Db)!);
            await Schema.MigrateAsync(database, cancel);
            return await ImportWithProgressAsync(database, parse.GetValue(directory)!.FullName, cancel);
        });
        return command;
    }

    public static async Task<int> ImportWithProgressAsync(Database database, string directory, CancellationToken cancel)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            ImportSummary summary = null!;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var progress = new Progress<ImportProgress>(p =>
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                            tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                        if (p.Total > 0) { task.MaxValue = p.Total; task.Value = p.Done; }
                        else task.Value = task.MaxValue;
                    });
                    summary = await new BundleImporter(database, progress).ImportAsync(directory, cancel);
                    foreach (var task in tasks.Values) task.Value = task.MaxValue;
                });
            var table = new Table().AddColumns("file", "rows", "added or changed");
            foreach (var (file, (rows, changed)) in summary.Files)
                table.AddRow(file, rows.ToString("N0"), changed.ToString("N0"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(summary.Changed == 0
                ? $"[green]Imported[/] into {Markup.Escape(database.Description)}: nothing changed ({started.Elapsed.TotalSeconds:0.0} s)."
                : $"[green]Imported[/] into {Markup.Escape(database.Description)}: {summary.Changed:N0} row(s) added or changed ({started.Elapsed.TotalSeconds:0.0} s).");
            return 0;
        }
        catch (ImportFailed failed)
        {
            Console.Error.WriteLine(failed.Message);
            foreach (var problem in failed.Problems) Console.Error.WriteLine("  " + problem);
            return 2;
        }
    }

    private static Command DemoBundleCommand()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "Where to write the bundle" };
        var persons = new Option<int>("--persons") { Description = "How many insured people to generate", DefaultValueFactory = _ => 3000 };
        var command = new Command("demo-bundle", "Write the demo province as a reference-data bundle (for import tests and benchmarks)") { directory, persons };
        command.SetAction(parse =>
        {
            var target = parse.GetValue(directory)!.FullName;
            DemoProvince.WriteBundle(target, parse.GetValue(persons));
            Console.WriteLine($"Wrote the demo province bundle ({parse.GetValue(persons):N0} generated people) to {target}");
            return 0;
        });
        return command;
    }

    private static Command DemoCommand()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var persons = new Option<int>("--persons") { Description = "How many insured people to generate", DefaultValueFactory = _ => 3000 };
        var command = new Command("demo", "Serve a demo province (12 Jilin pooling regions) on a fresh embedded database") { urls, persons };
        command.SetAction(async (parse, cancel) =>
        {
            var home = Path.Combine(Path.GetTempPath(), "medsettle-demo");
            Directory.CreateDirectory(home);
            var bundle = Path.Combine(home, "demo-bundle");
            var dbPath = Path.Combine(home, "demo.db");
            foreach (var file in new[] { dbPath, dbPath + "-wal", dbPath + "-shm" }) File.Delete(file);
            DemoProvince.WriteBundle(bundle, parse.GetValue(persons));
            await using var database = Database.Open("sqlite:" + dbPath);
            await Schema.MigrateAsync(database, cancel);
            var imported = await ImportWithProgressAsync(database, bundle, cancel);
            if (imported != 0) return imported;

            var app = await MedSettleHost.BuildAsync(database, parse.GetValue(urls)!);
            await app.StartAsync(cancel);
            var url = app.Address();
            Console.WriteLine();
            Console.WriteLine($"MedSettle demo province is running at {url}  (database {database.Description})");
            Console.WriteLine("Try it (look up 张伟 by identity number):");
            Console.WriteLine($$$$"""
                curl -s {{{{url}}}}/fsi/api/rsfComIfsService/callService -H 'Content-Type: application/json' \
                  -d '{"infno":"1101","msgid":"H22020000001202611291200000001","fixmedins_code":"H22020000001","mdtrtarea_admvs":"220200","insuplc_admdvs":"220100","input":{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"220102197503120110"}}}'
                """);
            Console.WriteLine("The full settlement flow with curl is in README.md. Press Ctrl+C to stop.");
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }
}
