using System.Globalization;
using System.CommandLine;
using MedSettle.Admin;
using MedSettle.Engine;
using MedSettle.Tools.Demo;
using MedSettle.Hosting;
using MedSettle.Import;
using MedSettle.Privacy;
using MedSettle.Tools.Simulation;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Verify;
using MedSettle.Web;
using MedSettle.WhatIf;
using Npgsql;
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

    private static readonly Option<string?> KeyFile = new("--key-file")
    {
        Description = "Personal-data key file. Without it: the environment variable MEDSETTLE_DATA_KEY (the key file's text), else DB.keys beside a "
                      + "SQLite database or MEDSETTLE_DATA_DIR/NAME.keys for a PostgreSQL database NAME (created on first start)",
    };

    private static Database OpenDatabase(ParseResult parse, bool mustExist = false) =>
        Database.Open(parse.GetValue(Db)!, parse.GetValue(KeyFile), mustExist);

    /// <summary>
    /// Runs the command line. A problem the operator can fix (a usage error, the wrong personal-data key file) prints its
    /// message alone and answers 2; anything else unexpected prints the exception and answers 1, as System.CommandLine would.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var parse = Root().Parse(args);
            if (parse.Errors.Count > 0)
            {
                // A usage error: its lines alone (no help page after them) and 2, like every other problem an operator can fix.
                foreach (var error in parse.Errors) Console.Error.WriteLine(error.Message);
                return 2;
            }
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception problem) when (problem is KeyFileProblem or DatabaseProblem or SettingsProblem)
        {
            Console.Error.WriteLine(problem.Message);
            return 2;
        }
        catch (NpgsqlException e) when (Unreachable(e))
        {
            Console.Error.WriteLine($"Cannot use the PostgreSQL database given by --db: {e.Message}");
            return 2;
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine($"{e.Message.TrimEnd('.')}: another program is listening there; stop it or give another address with --urls");
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Unhandled exception: {e}");
            return 1;
        }
    }

    /// <summary>The server could not be reached, or refused the connection (no such database, wrong password, starting up).</summary>
    private static bool Unreachable(NpgsqlException e) =>
        e.InnerException is System.Net.Sockets.SocketException or TimeoutException
        || e is PostgresException { SqlState: var state } && (state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("28", StringComparison.Ordinal)
            || state is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.CannotConnectNow);

    /// <summary>The option, refusing a value below <paramref name="minimum"/> as a usage error.</summary>
    private static Option<int> AtLeast(int minimum, Option<int> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum) result.AddError($"{option.Name} must be at least {minimum}");
        });
        return option;
    }

    public static RootCommand Root()
    {
        var root = new RootCommand("MedSettle — 省内医保异地急诊直接结算平台 (intra-province cross-region emergency direct settlement)");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(ImportCommand());
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(DemoBundleCommand());
        root.Subcommands.Add(AdminTokenCommand());
        root.Subcommands.Add(HospitalCommand());
        root.Subcommands.Add(StatsCommand());
        root.Subcommands.Add(ClearCommand());
        root.Subcommands.Add(AuditCommand());
        root.Subcommands.Add(WhatIfCommand());
        root.Subcommands.Add(SimulateCommand());
        root.Subcommands.Add(UserCommand());
        root.Subcommands.Add(VerifyCommand());
        root.Subcommands.Add(KeysCommand());
        return root;
    }

    private static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("serve", "Serve the transaction API") { Db, KeyFile, urls };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse);
            var app = await MedSettleHost.BuildAsync(database, parse.GetValue(urls)!);
            await app.StartAsync(cancel);
            Console.WriteLine($"MedSettle is serving {database.Description} at {app.Address()} (personal data keys: {database.Keys.Source.Description})");
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }

    private static Command ImportCommand()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "The bundle: regions.csv, hospitals.csv, catalogue.csv, persons.csv, policies.json" };
        var strict = new Option<bool>("--strict")
        {
            Description = "Refuse the bundle (nothing written) for what is otherwise imported with a warning: identity numbers that fail the GB 11643 check",
        };
        var command = new Command("import", "Validate and load a reference-data bundle (all or nothing)") { Db, KeyFile, strict, directory };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse);
            await Schema.MigrateAsync(database, cancel);
            return await ImportWithProgressAsync(database, parse.GetValue(directory)!.FullName, cancel, parse.GetValue(strict));
        });
        return command;
    }

    public static async Task<int> ImportWithProgressAsync(Database database, string directory, CancellationToken cancel, bool strict = false)
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
                    var progress = new InlineProgress<ImportProgress>(p =>
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                            tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                        if (p.Total > 0) { task.MaxValue = p.Total; task.Value = p.Done; }
                        else task.Value = task.MaxValue;
                    });
                    summary = await new BundleImporter(database, progress, strict).ImportAsync(directory, cancel);
                    foreach (var task in tasks.Values) task.Value = task.MaxValue;
                });
            var table = new Table().AddColumns("file", "rows", "added or changed");
            foreach (var (file, (rows, changed)) in summary.Files)
                table.AddRow(file, rows.ToString("N0", CultureInfo.InvariantCulture), changed.ToString("N0", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            if (summary.CatalogueVersion is { } ver)
                AnsiConsole.MarkupLine($"The catalogue changed: version {ver} (downloads 1301–1306 since an earlier version hold the rows it added or changed).");
            foreach (var warning in summary.Warnings) Console.Error.WriteLine("warning: " + warning);
            if (summary.WarningCount > summary.Warnings.Count)
                Console.Error.WriteLine($"warning: and {summary.WarningCount - summary.Warnings.Count:N0} more like these");
            var warned = summary.WarningCount == 0 ? ""
                : $"; [yellow]{summary.WarningCount:N0} warning(s)[/] (imported all the same; --strict refuses them)";
            AnsiConsole.MarkupLine(summary.Changed == 0
                ? $"[green]Imported[/] into {Markup.Escape(database.Description)}: nothing changed{warned} ({started.Elapsed.TotalSeconds:0.0} s)."
                : $"[green]Imported[/] into {Markup.Escape(database.Description)}: {summary.Changed:N0} row(s) added or changed{warned} ({started.Elapsed.TotalSeconds:0.0} s).");
            return 0;
        }
        catch (ImportFailed failed)
        {
            Console.Error.WriteLine(failed.Message);
            foreach (var problem in failed.Problems) Console.Error.WriteLine("  " + problem);
            return 2;
        }
    }

    private static Command AdminTokenCommand()
    {
        var name = new Option<string>("--name") { Description = "Who the token is for", DefaultValueFactory = _ => "province" };
        var region = new Option<string?>("--region") { Description = "Limit the token to one pooling region (admdvs): its insured's figures and its part of the clearing" };
        var command = new Command("admin-token", "Issue a bearer token for /api/admin (printed once; only its hash is stored)") { Db, KeyFile, name, region };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse);
            await Schema.MigrateAsync(database, cancel);
            try
            {
                Console.WriteLine(await AdminTokens.IssueAsync(database, parse.GetValue(name)!, new PlatformClock(TimeProvider.System).Now, parse.GetValue(region)));
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }

    private static Command HospitalCommand()
    {
        var code = new Argument<string>("CODE") { Description = "The hospital's fixmedins_code (must be in the hospitals table)" };
        var scheme = new Option<string>("--scheme")
        {
            Description = "How the hospital's system signs: hmac (MedSettle's own, the default and the strongest: the signature covers the body), "
                          + "tif (the national gateway's x-tif headers; the secret is the token), csb (the CSB gateway's _api_* headers; paasid is the access key), "
                          + "sm (Jilin's deployment: bearer token from /auth/oauth/token, SM2-signed and SM4-encrypted input; paasid is the client id)",
            DefaultValueFactory = _ => "hmac",
        };
        scheme.AcceptOnlyFromAmong("hmac", "tif", "csb", "sm");
        var publicKey = new Option<string?>("--sm2-public-key")
        {
            Description = "For --scheme sm: the hospital's SM2 public key (hex of 04‖x‖y); without it a key pair is made and its private key printed once",
        };
        var credentials = new Command("credentials",
            "Create or rotate a hospital's credentials for the transaction API; prints paasid and secret once (the previous ones stop working)") { Db, KeyFile, scheme, publicKey, code };
        credentials.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse);
            await Schema.MigrateAsync(database, cancel);
            try
            {
                var signing = HospitalCredentials.ParseScheme(parse.GetValue(scheme))!.Value;
                if (parse.GetValue(publicKey) is not null && signing != SigningScheme.Sm)
                    throw new ArgumentException("--sm2-public-key is for --scheme sm only");
                var issued = await HospitalCredentials.IssueAsync(database, parse.GetValue(code)!, new PlatformClock(TimeProvider.System).Now, scheme: signing,
                    sm2PublicKey: parse.GetValue(publicKey));
                Console.WriteLine($"paasid={issued.Paasid}");
                Console.WriteLine($"secret={issued.Secret}");
                if (issued.Sm2PrivateKey is not null) Console.WriteLine($"sm2_private_key={issued.Sm2PrivateKey}");
                if (issued.Sm2PublicKey is not null) Console.WriteLine($"sm2_public_key={issued.Sm2PublicKey}");
                Console.Error.WriteLine($"Credentials for {issued.FixmedinsCode}, signing profile {signing.Name()}: {HowToSign(signing)} "
                                        + "Give both to the hospital now; the secret is not shown again. "
                                        + $"Any earlier credentials of this hospital are revoked. (Sealed under key {SecretBox.Default.KeyId} from {SecretBox.Default.Source}.)");
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        return new Command("hospital", "Hospitals' access to the transaction API") { credentials };
    }

    private static string HowToSign(SigningScheme scheme) => scheme switch
    {
        SigningScheme.Tif => "x-tif-paasid = paasid, x-tif-signature = hex SHA-256(timestamp + secret + nonce + timestamp), no body hash (use TLS).",
        SigningScheme.Csb => "_api_access_key = paasid, _api_signature = Base64 HmacSHA1(secret, the sorted _api_* pairs as name=value joined by &), no body hash (use TLS).",
        SigningScheme.Sm => $"token from POST {JilinGateway.TokenPath} (Basic paasid:secret; form grant_type=password, username = the hospital's code, password = secret), "
                            + "then Authorization: Bearer; input = Base64 SM4/ECB/PKCS7 under paasid's 16 characters, cainfo = Base64 SM3withSM2 of the input JSON (user id 1234567812345678).",
        _ => "x-tif-paasid = paasid, x-tif-signature = hex HMAC-SHA256(secret, timestamp \\n nonce \\n hex SHA-256 of the body).",
    };

    /// <summary>A required day, yyyy-MM-dd; anything else is a usage error that names the option and the value.</summary>
    private static Option<DateOnly> DayOption(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
            result.AddError($"{name} must be a day written yyyy-MM-dd; \"{text}\" is not one");
            return default;
        },
    };

    /// <summary>The option's value, when it could be read (a value that could not is reported by the parser itself).</summary>
    private static bool Parsed<T>(System.CommandLine.Parsing.CommandResult result, Option<T> option, out T value)
    {
        try
        {
            value = result.GetValue(option)!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static Command StatsCommand()
    {
        var from = DayOption("--from", "First day (yyyy-MM-dd)");
        var to = DayOption("--to", "Last day (yyyy-MM-dd)");
        var home = new Option<string?>("--insuplc-admdvs") { Description = "Only this home region" };
        var area = new Option<string?>("--mdtrtarea-admvs") { Description = "Only this treating region" };
        var hospital = new Option<string?>("--fixmedins-code") { Description = "Only this hospital" };
        var command = new Command("stats", "The four headline figures for a period: 备案人次, 结算人次, 结算金额, 医保支付金额") { Db, KeyFile, from, to, home, area, hospital };
        PeriodInOrder(command, from, to);
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.RequireCurrentAsync(database, cancel);
            var timer = System.Diagnostics.Stopwatch.StartNew();
            var report = await Stats.ComputeAsync(database, new StatsQuery(parse.GetValue(from), parse.GetValue(to),
                parse.GetValue(home), parse.GetValue(area), parse.GetValue(hospital)), cancel);
            AnsiConsole.MarkupLine($"[bold]{report.From} 至 {report.To}[/] (computed in {timer.Elapsed.TotalSeconds:0.000} s)");
            var headline = new Table().AddColumns("备案人次", "结算人次", "结算金额（元）", "医保支付金额（元）", "基金支付占比");
            foreach (var column in headline.Columns) column.RightAligned();
            headline.AddRow(report.Filings.ToString("N0", CultureInfo.InvariantCulture), report.Settlements.ToString("N0", CultureInfo.InvariantCulture),
                report.MedfeeSumamt.ToString("N2", CultureInfo.InvariantCulture), report.FundPaySumamt.ToString("N2", CultureInfo.InvariantCulture),
                report.FundShare.ToString("P1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(headline);
            var byFund = new Table().Title("医保支付金额按基金（元）").AddColumns(FundHeadings);
            foreach (var column in byFund.Columns) column.RightAligned();
            byFund.AddRow(FundCells(report.HifpPay, report.HifobPay, report.HifmiPay, report.MafPay));
            AnsiConsole.Write(byFund);
            foreach (var (title, groups) in new[] { ("按参保地", report.ByHomeRegion), ("按就医地", report.ByTreatingRegion), ("按定点医院", report.ByHospital) })
            {
                var table = new Table().Title(title).AddColumns(["编码", "名称", "备案人次", "结算人次", "结算金额", "医保支付金额", .. FundHeadings]);
                foreach (var column in table.Columns.Skip(2)) column.RightAligned();
                foreach (var g in groups)
                    table.AddRow([g.Key, Markup.Escape(g.Name), g.Filings.ToString("N0", CultureInfo.InvariantCulture),
                        g.Settlements.ToString("N0", CultureInfo.InvariantCulture), g.MedfeeSumamt.ToString("N2", CultureInfo.InvariantCulture),
                        g.FundPaySumamt.ToString("N2", CultureInfo.InvariantCulture), .. FundCells(g.HifpPay, g.HifobPay, g.HifmiPay, g.MafPay)]);
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }

    /// <summary>The funds of 医保支付金额, headed as on the dashboard's clearing page.</summary>
    private static readonly string[] FundHeadings = ["统筹基金", "大额补助", "大病保险", "医疗救助"];

    private static string[] FundCells(decimal hifp, decimal hifob, decimal hifmi, decimal maf) =>
        [hifp.ToString("N2", CultureInfo.InvariantCulture), hifob.ToString("N2", CultureInfo.InvariantCulture),
            hifmi.ToString("N2", CultureInfo.InvariantCulture), maf.ToString("N2", CultureInfo.InvariantCulture)];

    private static Command ClearCommand()
    {
        var month = new Option<string>("--month") { Description = "The month (yyyy-MM)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where to write the CSV and XLSX statement", DefaultValueFactory = _ => new DirectoryInfo(".") };
        output.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DirectoryInfo>() is { } folder && File.Exists(folder.FullName))
                result.AddError($"--out must be a folder; {folder.FullName} is a file");
        });
        var confirm = new Option<bool>("--confirm") { Description = "Freeze the statement (only for a month that has ended)" };
        var command = new Command("clear", "Compute a month's clearing between regions and export it as CSV and XLSX") { Db, KeyFile, month, output, confirm };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.MigrateAsync(database, cancel);
            var now = new PlatformClock(TimeProvider.System).Now;
            try
            {
                ClearingStatement statement = null!;
                (string Csv, string Xlsx) files = default;
                var timer = System.Diagnostics.Stopwatch.StartNew();
                var computed = TimeSpan.Zero;
                await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("清算", maxValue: 5);
                        var progress = new InlineProgress<string>(stage => { task.Description = stage; task.Increment(1); });
                        statement = parse.GetValue(confirm)
                            ? await MonthlyClearing.ConfirmAsync(database, parse.GetValue(month)!, now)
                            : await MonthlyClearing.ComputeAsync(database, parse.GetValue(month)!, now, progress);
                        computed = timer.Elapsed;
                        task.Description = "导出 CSV / XLSX";
                        files = ClearingExport.Write(statement, parse.GetValue(output)!.FullName);
                        task.Value = task.MaxValue;
                    });
                var table = new Table().Title($"{statement.Month} 清算（{statement.Status}）").AddColumns("统筹区", "应收", "应付", "净额");
                foreach (var column in table.Columns.Skip(1)) column.RightAligned();
                foreach (var p in statement.Positions)
                    table.AddRow(Markup.Escape($"{p.Name}（{p.Admdvs}）"), p.Receivable.ToString("N2", CultureInfo.InvariantCulture),
                        p.Payable.ToString("N2", CultureInfo.InvariantCulture), p.Net.ToString("N2", CultureInfo.InvariantCulture));
                AnsiConsole.Write(table);
                Console.WriteLine($"{statement.Lines.Count} lines, {statement.Transfers.Count} transfers, {statement.Disputes.Count} disputed rows; written to {files.Csv} and {files.Xlsx}");
                Console.WriteLine($"clearing {statement.Month}: {statement.Totals.Count:N0} settlements net, computed in {computed.TotalSeconds:0.000} s, with export {timer.Elapsed.TotalSeconds:0.000} s");
                return 0;
            }
            catch (ClearingRefused refused)
            {
                Console.Error.WriteLine(refused.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Refuses a --from after --to (a usage error: exit 2).</summary>
    private static void PeriodInOrder(Command command, Option<DateOnly> from, Option<DateOnly> to) =>
        command.Validators.Add(result =>
        {
            if (Parsed(result, from, out var first) && Parsed(result, to, out var last) && first > last)
                result.AddError("--from must not be after --to");
        });

    private static Command AuditCommand()
    {
        var from = DayOption("--from", "First day (yyyy-MM-dd)");
        var to = DayOption("--to", "Last day (yyyy-MM-dd)");
        var command = new Command("audit",
            "事后审核: run the supervision rules that need history (R07–R10, and R01–R06 over settled visits) over a period and file what they find "
            + "into the review queue (running it again files nothing new)") { Db, KeyFile, from, to };
        PeriodInOrder(command, from, to);
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.RequireCurrentAsync(database, cancel);
            var timer = System.Diagnostics.Stopwatch.StartNew();
            var report = await AuditWithProgressAsync(database, parse.GetValue(from), parse.GetValue(to), cancel);
            PrintAudit(report, timer.Elapsed);
            return 0;
        });
        return command;
    }

    private static async Task<AuditReport> AuditWithProgressAsync(Database database, DateOnly from, DateOnly to, CancellationToken cancel)
    {
        AuditReport report = null!;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("事后审核", maxValue: 6);
                var progress = new InlineProgress<string>(stage => { task.Description = Markup.Escape(stage); task.Increment(1); });
                report = await SupervisionAudit.RunAsync(database, from, to, new PlatformClock(TimeProvider.System).Now, progress, cancel);
                task.Value = task.MaxValue;
            });
        return report;
    }

    private static void PrintAudit(AuditReport report, TimeSpan elapsed)
    {
        var table = new Table().Title($"audit {report.From.ToText()} to {report.To.ToText()}").AddColumns("rule", "checked", "found", "newly filed");
        foreach (var column in table.Columns.Skip(1)) column.RightAligned();
        foreach (var r in report.Rules)
            table.AddRow($"{r.Rule.Code()} {r.Rule.ChineseName()}", r.Checked.ToString("N0", CultureInfo.InvariantCulture),
                r.Found.ToString("N0", CultureInfo.InvariantCulture), r.Filed.ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Console.WriteLine($"audit {report.From.ToText()} to {report.To.ToText()}: {report.Rules.Sum(r => r.Found):N0} found, "
                          + $"{report.Rules.Sum(r => r.Filed):N0} newly filed in {elapsed.TotalSeconds:0.0} s "
                          + $"({string.Join(", ", report.Passes.Select(p => $"{p.Pass} {p.Took.TotalSeconds:0.0} s"))})");
    }

    private static Command WhatIfCommand()
    {
        var from = DayOption("--from", "First day of the period, by settlement time (yyyy-MM-dd)");
        var to = DayOption("--to", "Last day of the period (yyyy-MM-dd)");
        var draft = new Option<string?>("--draft")
        {
            Description = "Draft rows: a JSON file of policies.json and/or supplements.json rows (an array, or {\"policies\": [...], \"supplements\": [...]}), "
                          + "or a directory holding either file. Without it: the self-check alone",
        };
        var region = new Option<string[]>("--region") { Description = "Only these home regions (admdvs; repeat for more)", AllowMultipleArgumentsPerToken = true };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file" };
        var xlsx = new Option<string?>("--xlsx") { Description = "Write the results as XLSX to this file" };
        var command = new Command("whatif",
            "政策测算: re-settle the period's history (and what came earlier in the same years) under a draft policy, read only; "
            + "checks that the rules in force reproduce every stored settlement to the fen (exit 1 when any differs)")
            { Db, KeyFile, from, to, draft, region, json, xlsx };
        PeriodInOrder(command, from, to);
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.RequireCurrentAsync(database, cancel);
            PolicyDraft rows;
            try
            {
                rows = parse.GetValue(draft) is { } path ? await new BundleImporter(database).ReadDraftAsync(path, cancel) : PolicyDraft.Empty;
            }
            catch (ImportFailed failed)
            {
                Console.Error.WriteLine(failed.Message);
                foreach (var problem in failed.Problems) Console.Error.WriteLine("  " + problem);
                return 2;
            }
            var regions = parse.GetValue(region) is { Length: > 0 } given ? given.ToHashSet(StringComparer.Ordinal) : null;
            var query = new WhatIfQuery(parse.GetValue(from), parse.GetValue(to), rows, regions);
            WhatIfReport report = null!;
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("重放结算", maxValue: 1);
                    var progress = new InlineProgress<WhatIfProgress>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; });
                    report = await PolicyReplay.RunAsync(database, query, progress, cancel);
                    task.Value = task.MaxValue;
                });
            PrintWhatIf(report);
            if (parse.GetValue(json) is { } jsonPath) { WhatIfExport.WriteJson(report, jsonPath); Console.WriteLine($"written to {jsonPath}"); }
            if (parse.GetValue(xlsx) is { } xlsxPath) { WhatIfExport.WriteXlsx(report, xlsxPath); Console.WriteLine($"written to {xlsxPath}"); }
            return report.Identical == report.Replayed ? 0 : 1;
        });
        return command;
    }

    private static void PrintWhatIf(WhatIfReport r)
    {
        // a redirected console is 80 columns to Spectre: the tables below want more before they wrap
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 132);
        static string Yuan(decimal amount) => amount.ToString("N2", CultureInfo.InvariantCulture);
        static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var funds = new Table().Title($"基金支出 {r.From.ToText()} 至 {r.To.ToText()}（草案 {r.DraftRows} 行）")
            .AddColumns("参保地", "险种", "基金", "笔数", "测算前", "测算后", "变化");
        foreach (var column in funds.Columns.Skip(3)) column.RightAligned();
        foreach (var f in r.Funds)
            funds.AddRow(Markup.Escape(f.RegionName), f.Insutype, Markup.Escape(f.FundName), Count(f.Count), Yuan(f.Before), Yuan(f.After), Yuan(f.Change));
        funds.AddRow("合计", "", "", "", Yuan(r.FundBefore), Yuan(r.FundAfter), Yuan(r.FundAfter - r.FundBefore));
        AnsiConsole.Write(funds);
        var patients = new Table().Title("个人负担").AddColumns("参保地", "险种", "笔数", "医疗费总额", "现金测算前", "现金测算后", "现金变化", "账户变化", "有变化笔数");
        foreach (var column in patients.Columns.Skip(2)) column.RightAligned();
        foreach (var p in r.Patients)
            patients.AddRow(Markup.Escape(p.RegionName), p.Insutype, Count(p.Count), Yuan(p.Medfee), Yuan(p.CashBefore), Yuan(p.CashAfter), Yuan(p.CashChange),
                Yuan(p.AccountAfter - p.AccountBefore), Count(p.Changed));
        AnsiConsole.Write(patients);
        if (r.CashChangeDeciles.Count > 0)
            Console.WriteLine("个人现金变化分位 P0 P10 … P100: " + string.Join(" ", r.CashChangeDeciles.Select(Yuan)));
        if (r.Largest.Count > 0)
        {
            var largest = new Table().Title($"基金支付变化最大的 {r.Largest.Count} 笔").AddColumns("结算ID", "参保地", "险种", "医疗费总额", "测算前", "测算后", "变化", "跨越封顶或分段");
            foreach (var column in largest.Columns.Skip(3).Take(4)) column.RightAligned();
            foreach (var c in r.Largest)
                largest.AddRow(c.SetlId, c.Region, c.Insutype, Yuan(c.Medfee), Yuan(c.FundBefore), Yuan(c.FundAfter), Yuan(c.FundChange), Markup.Escape(c.Crossed ?? ""));
            AnsiConsole.Write(largest);
        }
        Console.WriteLine($"{r.CrossingCount:N0} settlement(s) reach a cap or band differently under the draft");
        foreach (var d in r.Differences) Console.WriteLine($"difference: {d.SetlId} {d.Field}: stored {d.Stored}, replayed {d.Replayed}");
        if (r.Replayed - r.Identical > r.Differences.Select(d => d.SetlId).Distinct().Count())
            Console.WriteLine($"(the first {r.Differences.Count} differences are listed)");
        Console.WriteLine($"replayed {r.Replayed:N0}, identical {r.Identical:N0}; {r.Settlements:N0} standing settlement(s) in the period; {r.Seconds:0.00} s");
    }

    private static Command VerifyCommand()
    {
        var command = new Command("verify", "Check every invariant: accumulators and balances equal their settlements, every acknowledged message stored once") { Db, KeyFile };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.RequireCurrentAsync(database, cancel);
            var timer = System.Diagnostics.Stopwatch.StartNew();
            var violations = await Invariants.CheckAsync(database, new InlineProgress<string>(check => Console.Error.WriteLine($"checking: {check}")), cancel);
            foreach (var violation in violations) Console.WriteLine(violation);
            Console.WriteLine($"{violations.Count} violation(s) in {database.Description} ({timer.Elapsed.TotalSeconds:0.0} s)");
            return violations.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command KeysCommand()
    {
        var rotate = new Command("rotate", "Add a new personal-data key (new writes use it), re-encrypt every person and filing phone number with it in batches, then retire the older keys") { Db, KeyFile };
        rotate.SetAction(async (parse, cancel) => await RotateAsync(parse, addKey: true, cancel));
        var reencrypt = new Command("reencrypt", "Finish an interrupted rotation: re-encrypt every person and filing phone number not yet under the newest key, then retire the older keys") { Db, KeyFile };
        reencrypt.SetAction(async (parse, cancel) => await RotateAsync(parse, addKey: false, cancel));
        return new Command("keys", "Personal-data keys (AES-GCM encryption of names and identity numbers)") { rotate, reencrypt };
    }

    /// <summary>A key file that does not fit (or keys given by MEDSETTLE_DATA_KEY, which cannot take a new key) ends in <see cref="RunAsync"/>'s message and 2.</summary>
    private static async Task<int> RotateAsync(ParseResult parse, bool addKey, CancellationToken cancel)
    {
        await using var database = OpenDatabase(parse);
        await Schema.MigrateAsync(database, cancel);
        if (addKey)
        {
            var ring = database.Keys.WithNewKey();
            database.Keys = ring;
            Console.WriteLine($"Added key {ring.Newest.IdText} to {ring.Source.Description}; older keys stay there until every backup that needs them is gone.");
            await Schema.MigrateAsync(database, cancel); // records the new key in the database
        }
        var timer = System.Diagnostics.Stopwatch.StartNew();
        DataKeys.Rotation rotation = null!;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"re-encrypting under key {database.Keys.Newest.IdText}", maxValue: 1);
                var progress = new InlineProgress<(long Done, long Total)>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; });
                rotation = await DataKeys.ReencryptAsync(database, progress, cancel);
                task.Value = task.MaxValue;
            });
        Console.WriteLine($"{rotation.Persons:N0} persons checked, {rotation.Reencrypted:N0} re-encrypted under key {rotation.NewestKey} "
                          + $"(and {rotation.PhonesResealed:N0} filings' phone numbers) in {timer.Elapsed.TotalSeconds:0.0} s; "
                          + (rotation.Retired.Count == 0 ? "no key retired." : $"retired key(s) {string.Join(", ", rotation.Retired)}."));
        return 0;
    }

    private static Command UserCommand()
    {
        var username = new Argument<string>("USERNAME") { Description = "The sign-in name" };
        var role = new Option<string>("--role") { Description = "clerk (a hospital's window), agency (a region) or province", Required = true };
        var hospital = new Option<string?>("--hospital") { Description = "The clerk's hospital (fixmedins_code)" };
        var region = new Option<string?>("--region") { Description = "The agency's pooling region (admdvs)" };
        var name = new Option<string?>("--name") { Description = "The name shown on pages" };
        var password = new Option<string?>("--password") { Description = "At least 8 characters; read from MEDSETTLE_PASSWORD when omitted" };
        var add = new Command("add", "Create or update a web account") { Db, KeyFile, username, role, hospital, region, name, password };
        add.SetAction(async (parse, cancel) =>
        {
            var secret = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("MEDSETTLE_PASSWORD");
            if (secret is null)
            {
                Console.Error.WriteLine("give --password or set MEDSETTLE_PASSWORD");
                return 2;
            }
            await using var database = OpenDatabase(parse);
            await Schema.MigrateAsync(database, cancel);
            try
            {
                var user = parse.GetValue(username)!;
                await Accounts.AddAsync(database, user, parse.GetValue(name) ?? user, parse.GetValue(role)!, parse.GetValue(hospital), parse.GetValue(region),
                    secret, new PlatformClock(TimeProvider.System).Now);
                Console.WriteLine($"account {user} ({parse.GetValue(role)}) is ready");
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
        });
        var disabledName = new Argument<string>("USERNAME") { Description = "The sign-in name" };
        var disable = new Command("disable", "Disable a web account: it can no longer sign in, and its open sessions end at once (`user add` enables it again)")
            { Db, KeyFile, disabledName };
        disable.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse, mustExist: true);
            await Schema.MigrateAsync(database, cancel);
            var user = parse.GetValue(disabledName)!;
            if (!await Accounts.DisableAsync(database, user, new PlatformClock(TimeProvider.System).Now))
            {
                Console.Error.WriteLine($"there is no account {user}");
                return 2;
            }
            Console.WriteLine($"account {user} is disabled and its sessions have ended");
            return 0;
        });
        return new Command("user", "Web accounts") { add, disable };
    }

    private static Command SimulateCommand()
    {
        var from = DayOption("--from", "First simulated day (yyyy-MM-dd)");
        var to = DayOption("--to", "Last simulated day (yyyy-MM-dd), not after today");
        var rate = AtLeast(1, new Option<int>("--rate") { Description = "Emergency filings per day across the province", DefaultValueFactory = _ => 8 });
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed and data give the same history)", DefaultValueFactory = _ => 2026 };
        var anomalies = new Option<double?>("--anomalies")
        {
            Description = "Plant a violation of one of R01–R10 in this share (0–1) of settled cases, audit the period at the end, and print per rule: "
                          + "planted, found, precision, recall (0: clean traffic, to count false positives)",
        };
        anomalies.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } share && share is < 0 or > 1) result.AddError("--anomalies must be a share from 0 to 1");
        });
        var command = new Command("simulate", "Drive realistic traffic through the transaction API over a period, on a simulated clock")
            { Db, KeyFile, from, to, rate, seed, anomalies };
        command.SetAction(async (parse, cancel) =>
        {
            await using var database = OpenDatabase(parse);
            await Schema.MigrateAsync(database, cancel);
            var options = new SimulationOptions(parse.GetValue(from), parse.GetValue(to), parse.GetValue(rate), parse.GetValue(seed),
                Anomalies: parse.GetValue(anomalies));
            if (options.To < options.From || options.To > new PlatformClock(TimeProvider.System).Today)
            {
                Console.Error.WriteLine("--to must not be before --from, nor after today: the platform refuses filings dated in the future");
                return 2;
            }
            var report = await SimulateWithProgressAsync(database, options, cancel);
            PrintSimulation(report);
            return 0;
        });
        return command;
    }

    private static async Task<SimulationReport> SimulateWithProgressAsync(Database database, SimulationOptions options, CancellationToken cancel)
    {
        // No web host runs while history is simulated: the id node lease is renewed here for as long as it takes.
        using var renewal = new IdNodeRenewal(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<IdNodeRenewal>.Instance);
        await renewal.StartAsync(cancel);
        try
        {
            SimulationReport report = null!;
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"模拟 {options.From:yyyy-MM-dd} 至 {options.To:yyyy-MM-dd}", maxValue: options.To.DayNumber - options.From.DayNumber + 1);
                    var progress = new InlineProgress<(int Day, int Days)>(p => { task.MaxValue = p.Days; task.Value = p.Day; });
                    report = await new ProvinceSimulator(database).RunAsync(options, progress, cancel);
                    task.Value = task.MaxValue;
                });
            return report;
        }
        finally
        {
            await renewal.StopAsync(CancellationToken.None);
        }
    }

    private static void PrintSimulation(SimulationReport r)
    {
        Console.WriteLine($"Simulated {r.Filings:N0} filings, {r.Settlements:N0} settlements ({r.Reversals:N0} reversed, {r.Resettlements:N0} settled again), "
                          + $"{r.NeverSettled:N0} never settled, {r.Refused:N0} refused ({SettledShare()} of filings settled); "
                          + $"standing: medfee {r.MedfeeSumamt:N2} ({Average()} a settlement), fund {r.FundPaySumamt:N2} "
                          + $"({Share(r.FundPaySumamt)}: basic {r.HifpPay:N2}, 大额 {r.HifobPay:N2}, 大病 {r.HifmiPay:N2}, 医疗救助 {r.MafPay:N2})");

        if (r.Anomalies is { } figures)
        {
            var table = new Table().Title("planted anomalies: what the platform found (filed at settlement or by the audit, or refused)")
                .AddColumns("rule", "planted", "found", "of them planted", "precision", "recall");
            foreach (var column in table.Columns.Skip(1)) column.RightAligned();
            foreach (var f in figures)
                table.AddRow($"{f.Rule.Code()} {f.Rule.ChineseName()}", f.Planted.ToString("N0", CultureInfo.InvariantCulture),
                    f.Found.ToString("N0", CultureInfo.InvariantCulture), f.TruePositives.ToString("N0", CultureInfo.InvariantCulture),
                    f.Precision is { } p ? p.ToString("P1", CultureInfo.InvariantCulture) : "–", f.Recall is { } q ? q.ToString("P1", CultureInfo.InvariantCulture) : "–");
            AnsiConsole.Write(table);
        }

        string Share(decimal amount) => r.MedfeeSumamt == 0 ? "–" : $"{amount / r.MedfeeSumamt:P1} of medfee";
        string SettledShare() => r.Filings == 0 ? "–" : $"{(double)(r.Filings - r.NeverSettled) / r.Filings:P0}";
        string Average() => r.Settlements == 0 ? "–" : $"{r.MedfeeSumamt / r.Settlements:N0}";
    }

    private static Command DemoBundleCommand()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "Where to write the bundle" };
        var persons = AtLeast(0, new Option<int>("--persons") { Description = "How many insured people to generate", DefaultValueFactory = _ => 3000 });
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
        var persons = AtLeast(0, new Option<int>("--persons") { Description = "How many insured people to generate", DefaultValueFactory = _ => DemoProvince.DemoPersons });
        var history = AtLeast(0, new Option<int>("--history-days") { Description = "Days of simulated traffic before today", DefaultValueFactory = _ => 90 });
        var command = new Command("demo", "Serve a demo province (12 Jilin pooling regions) on a fresh embedded database") { urls, persons, history };
        command.SetAction(async (parse, cancel) =>
        {
            // Each running demo holds its folder: a second one takes the next free folder instead of deleting this one's database.
            using var folder = DemoFolder.Claim(Path.GetTempPath());
            var bundle = folder.BundlePath;
            await using var database = folder.OpenFreshDatabase();
            await Schema.MigrateAsync(database, cancel);
            int imported;
            try
            {
                DemoProvince.WriteBundle(bundle, parse.GetValue(persons));
                imported = await ImportWithProgressAsync(database, bundle, cancel);
            }
            finally
            {
                // The bundle lists the generated people's names and identity numbers in plain text; the database seals them.
                if (Directory.Exists(bundle)) Directory.Delete(bundle, recursive: true);
            }
            if (imported != 0) return imported;
            var days = parse.GetValue(history);
            if (days > 0)
            {
                var today = new PlatformClock(TimeProvider.System).Today;
                PrintSimulation(await SimulateWithProgressAsync(database, DemoProvince.History(today, days), cancel));
            }

            var now = new PlatformClock(TimeProvider.System).Now;
            await Accounts.AddAsync(database, "clerk", "吉林市示例中心医院 收费员", Roles.Clerk, "H22020000001", null, "clerk123", now);
            await Accounts.AddAsync(database, "yanbian", "延边示例医院 收费员", Roles.Clerk, "H22240000001", null, "clerk123", now);
            await Accounts.AddAsync(database, "changchun", "长春市医保经办中心", Roles.Agency, null, "220100", "agency123", now);
            await Accounts.AddAsync(database, "province", "吉林省医保局", Roles.Province, null, null, "province123", now);
            var walkthrough = await HospitalCredentials.IssueAsync(database, "H22020000001", now);

            var app = await MedSettleHost.BuildAsync(database, parse.GetValue(urls)!);
            await app.StartAsync(cancel);
            Console.Write(DemoBanner.Of(app.Address(), folder, database, walkthrough));
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }
}
