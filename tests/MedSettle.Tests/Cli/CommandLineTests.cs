using Dapper;
using MedSettle.Tools.Demo;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Tests.Transactions;

namespace MedSettle.Tests.Cli;

/// <summary>`medsettle import` as a user runs it, and the demo province's bundle.</summary>
public abstract class CommandLineTests(DatabaseTarget target)
{
    [Fact]
    public async Task Import_loads_a_bundle_and_answers_0_then_changes_nothing_the_second_time()
    {
        var db = await target.NewDatabaseValueAsync();

        await InProcessCli.SucceedsAsync("import", "--db", db, TestPaths.JilinMini);
        await InProcessCli.SucceedsAsync("import", "--db", db, TestPaths.JilinMini);

        await using var database = Database.Open(db);
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(144L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM policies"));
    }

    [Fact]
    public async Task A_key_file_that_does_not_fit_the_database_answers_2_with_what_to_do_and_no_stack_trace()
    {
        var db = await target.NewDatabaseValueAsync();
        var keys = TestPaths.TempDirectory();
        await InProcessCli.SucceedsAsync("import", "--db", db, "--key-file", Path.Combine(keys, "right.keys"), TestPaths.JilinMini);

        var (code, _, errors) = await InProcessCli.RunAsync("hospital", "credentials", "--db", db, "--key-file", Path.Combine(keys, "other.keys"), WorkedExampleTests.JilinCentral);

        Assert.Equal(2, code);
        Assert.Contains("does not exist, but the database already holds encrypted personal data", errors);
        Assert.Contains("--key-file PATH", errors);
        Assert.DoesNotContain(" at MedSettle.", errors);
        await using var database = Database.Open(db);
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM hospital_credentials"));
    }

    [Fact]
    public async Task Verify_and_stats_only_read_a_database_that_exists_and_a_bad_db_value_answers_2_without_a_stack_trace()
    {
        var db = await target.NewDatabaseValueAsync(); // a SQLite file not there yet, or an empty PostgreSQL database

        foreach (var command in new[] { "verify", "stats --from 2026-03-01 --to 2026-03-31" })
        {
            var (code, _, errors) = await InProcessCli.RunAsync([.. command.Split(' '), "--db", db]);
            Assert.Equal(2, code);
            Assert.Matches("There is no database at|is not a MedSettle database", errors);
            Assert.DoesNotContain(" at MedSettle.", errors);
        }
        if (db.StartsWith("sqlite:", StringComparison.Ordinal)) Assert.False(File.Exists(db["sqlite:".Length..]), "a mistyped --db made a new database");

        await InProcessCli.SucceedsAsync("import", "--db", db, TestPaths.JilinMini);
        var (verified, output, _) = await InProcessCli.RunAsync("verify", "--db", db);
        Assert.Equal((0, true), (verified, output.Contains("0 violation(s)")));

        foreach (var bad in new[] { "bogus", "sqlite:", "postgres:", "postgres:garbage" })
        {
            var (code, _, errors) = await InProcessCli.RunAsync("verify", "--db", bad);
            Assert.Equal(2, code);
            Assert.StartsWith("--db ", errors);
        }
    }

    [Fact]
    public async Task Values_out_of_range_are_usage_errors_that_name_the_option()
    {
        var file = Path.Combine(TestPaths.TempDirectory(), "not-a-folder");
        await File.WriteAllTextAsync(file, "");
        (string[] Args, string Error)[] cases =
        [
            (["demo-bundle", "--persons", "-1", TestPaths.TempDirectory()], "--persons must be at least 0"),
            (["simulate", "--from", "2026-03-01", "--to", "2026-03-02", "--rate", "0"], "--rate must be at least 1"),
            (["stats", "--from", "2026-03-31", "--to", "2026-03-01"], "--from must not be after --to"),
            (["stats", "--from", "2026-13-01", "--to", "2026-03-01"], "--from must be a day written yyyy-MM-dd; \"2026-13-01\" is not one"),
            (["simulate", "--from", "2026-03-01", "--to", "3/1/2026"], "--to must be a day written yyyy-MM-dd"),
            (["clear", "--month", "2026-03", "--out", file], $"--out must be a folder; {file} is a file"),
        ];
        foreach (var (args, error) in cases)
        {
            var (code, output, errors) = await InProcessCli.RunAsync(args);
            Assert.Equal(2, code);
            Assert.StartsWith(error, errors);
            Assert.Equal("", output); // the error alone, no help page after it
            Assert.DoesNotContain(" at MedSettle.", errors);
        }
    }

    [Fact]
    public async Task Serve_on_a_port_in_use_answers_2_with_one_line()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var (code, output, errors) = await InProcessCli.RunAsync("serve", "--db", await target.NewDatabaseValueAsync(), "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(2, code);
        // (a fresh database first says where its new key file is) then one line for the port
        var last = errors.Trim().Split('\n')[^1];
        Assert.StartsWith($"Failed to bind to address http://127.0.0.1:{port}: address already in use", last);
        Assert.Equal(1, errors.Split('\n').Count(l => l.Contains("Failed to bind", StringComparison.Ordinal)));
        Assert.DoesNotContain(" at Microsoft.", output + errors); // no stack trace
    }

    [Fact]
    public async Task Import_of_a_broken_bundle_answers_2_and_lists_the_problems()
    {
        var directory = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(directory, "hospitals.csv"), "fixmedins_code,fixmedins_name,admdvs,hosp_lv,cross_region_enabled\nH1,某医院,220100,4,1\nH2,另一医院,220100,2,1\n");
        var (code, _, errors) = await InProcessCli.RunAsync("import", "--db", await target.NewDatabaseValueAsync(), directory);

        Assert.Equal(2, code);
        Assert.Contains("hospitals.csv line 2, column hosp_lv: \"4\" is not a hospital level 1, 2 or 3", errors);
        Assert.Contains("hospitals.csv line 3, column admdvs: \"220100\" is not a pooling region", errors);
        Assert.Contains("nothing was changed", errors);
    }

    [Fact]
    public async Task Import_warns_of_an_identity_number_failing_its_check_digit_without_printing_it_and_strict_refuses_it()
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var persons = Path.Combine(directory, "persons.csv");
        File.WriteAllText(persons, File.ReadAllText(persons).Replace("220102197503120110", "220102197503120111"));
        var db = await target.NewDatabaseValueAsync();
        const string Warning = "persons.csv line 2, column certno: 220102********0111 fails the GB 11643 check digit (expected 0); "
                               + "the window cannot find this person by identity number";

        var (code, output, errors) = await InProcessCli.RunAsync("import", "--strict", "--db", db, directory);

        Assert.Equal(2, code);
        Assert.Contains(Warning, errors);
        Assert.Contains("nothing was changed", errors);
        Assert.DoesNotContain("220102197503120111", output + errors);
        await using (var database = Database.Open(db))
        await using (var connection = await database.OpenConnectionAsync())
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM persons"));

        (code, output, errors) = await InProcessCli.RunAsync("import", "--db", db, directory);

        Assert.Equal(0, code);
        Assert.Equal("warning: " + Warning, errors.Trim().Split('\n').Single(l => l.Contains("certno", StringComparison.Ordinal)).Trim());
        Assert.Contains("1 warning(s)", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ")); // however the console wraps it
        Assert.DoesNotContain("220102197503120111", output + errors);
        await using (var database = Database.Open(db))
        await using (var connection = await database.OpenConnectionAsync())
            Assert.Equal(8L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM persons"));
    }

    [Fact]
    public async Task Import_of_a_bundle_without_policies_into_a_database_without_any_answers_2_with_one_line()
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini).Where(f => !f.EndsWith("policies.json", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));

        var (code, output, errors) = await InProcessCli.RunAsync("import", "--db", await target.NewDatabaseValueAsync(), directory);

        Assert.Equal(2, code);
        var lines = errors.Trim().Split('\n');
        Assert.StartsWith("The bundle was not imported; nothing was changed: it has no policies", lines[^1]);
        Assert.Equal(1, lines.Count(l => l.Contains("not imported", StringComparison.Ordinal)));
        Assert.DoesNotContain(" at MedSettle.", output + errors);
    }

    [Fact]
    public async Task The_demo_province_imports_cleanly_and_settles_a_generated_person()
    {
        var bundle = TestPaths.TempDirectory();
        DemoProvince.WriteBundle(bundle, persons: 500);
        await using var platform = await RunningPlatform.StartAsync(target, bundle);

        await using var connection = await platform.Database.OpenConnectionAsync();
        Assert.Equal(12L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM regions"));
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT hosp_lv) FROM hospitals") == 3);
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue") >= 300);
        var person = await connection.QueryFirstAsync<PersonRow>(
            "SELECT * FROM persons WHERE insuplc_admdvs = '220300' AND insutype = '390' AND psn_insu_stas = '1' ORDER BY psn_no");
        var his = new His(platform, WorkedExampleTests.JilinCentral);
        var mdtrtId = await his.OutpatientVisitAsync(person.PsnNo, "390", WorkedExampleTests.SecondVisitBill);
        var settled = (await his.SettleAsync(mdtrtId, person.PsnNo, "390", 75.00m, useAccount: false)).ShouldSucceed();
        Assert.Equal("220300", settled.Text("setlinfo", "clr_optins"));
        Assert.Equal(75.00m, settled.Money("setlinfo", "fund_pay_sumamt") + settled.Money("setlinfo", "psn_cash_pay"));
    }

    [Fact]
    public async Task The_demo_bundle_is_the_same_for_the_same_seed_and_contains_the_sample()
    {
        var a = TestPaths.TempDirectory();
        var b = TestPaths.TempDirectory();
        DemoProvince.WriteBundle(a, persons: 200);
        DemoProvince.WriteBundle(b, persons: 200);

        foreach (var file in new[] { "regions.csv", "hospitals.csv", "catalogue.csv", "persons.csv", "policies.json", "supplements.json" })
            Assert.Equal(File.ReadAllText(Path.Combine(a, file)), File.ReadAllText(Path.Combine(b, file)));
        var persons = File.ReadAllLines(Path.Combine(a, "persons.csv"));
        Assert.All(File.ReadAllLines(Path.Combine(TestPaths.JilinMini, "persons.csv")).Skip(1), line => Assert.Contains(line, persons));
        var database = await target.NewDatabaseAsync();
        await using (database)
            Assert.True((await new BundleImporter(database).ImportAsync(a)).Changed > 0);
    }
}

public sealed class CommandLineTests_Sqlite() : CommandLineTests(new SqliteTarget());

public sealed class CommandLineTests_Postgres() : CommandLineTests(new PostgresTarget());

/// <summary>What a command run in the test process writes is its own, whatever other tests write meanwhile.</summary>
public sealed class InProcessCliTests
{
    [Fact]
    public async Task A_command_s_captured_output_holds_only_what_the_command_wrote()
    {
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        // another test writing to the console at the same moment (a server's log, a key file being created)
        var other = Task.Run(async () =>
        {
            started.SetResult();
            while (!stop.IsCancellationRequested)
            {
                Console.Error.Write("·");
                Console.Out.Write("·");
                await Task.Delay(1);
            }
        });
        await started.Task;
        var (code, output, errors) = await InProcessCli.RunAsync("verify", "--db", "bogus");
        await stop.CancelAsync();
        await other;

        Assert.Equal(2, code);
        Assert.StartsWith("--db ", errors);
        Assert.DoesNotContain("·", errors);
        Assert.DoesNotContain("·", output);
    }
}
