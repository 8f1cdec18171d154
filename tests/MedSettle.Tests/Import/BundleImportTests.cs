using System.Text;
using Dapper;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Import;

/// <summary>`medsettle import`: validate everything, then all or nothing; re-imports change nothing.</summary>
public abstract class BundleImportTests(DatabaseTarget target) : ImportDatabaseTests(target)
{
    private static string CopyOfJilinMini()
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return directory;
    }

    [Fact]
    public async Task The_jilin_mini_sample_imports_cleanly_and_a_second_import_changes_nothing()
    {
        var first = await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        Assert.Equal(12 + 6 + 12 + 8 + 144 + 9, first.Changed);
        Assert.Equal(9, await CountAsync("supplements"));
        Assert.Equal(144, await CountAsync("policies"));
        Assert.Equal(8, await CountAsync("persons"));

        var again = await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);

        Assert.Equal(0, again.Changed);
        Assert.Equal(12, await CountAsync("catalogue"));
    }

    [Fact]
    public async Task Extra_columns_other_column_orders_and_charge_levels_written_1_2_3_are_accepted()
    {
        var directory = CopyOfJilinMini();
        var rows = File.ReadAllLines(Path.Combine(directory, "catalogue.csv"), Encoding.UTF8).Skip(1)
            .Select(l => l.Split(','))
            .Select(c => $"\"{c[1]}\",{c[4].TrimStart('0')},extra,{c[0]},{c[6]},{c[5]},{c[3]},{c[2]}");
        File.WriteAllLines(Path.Combine(directory, "catalogue.csv"),
            ["med_list_name,chrgitm_lv,note,med_list_codg,pric_uplmt_amt,selfpay_prop,med_chrgitm_type,list_type", .. rows]);
        File.WriteAllText(Path.Combine(directory, "hospitals.csv"),
            "cross_region_enabled,hosp_lv,fixmedins_name,admdvs,fixmedins_code,contact\n1,3,吉林市示例中心医院,220200,H22020000001,\"0432-1234, ext 5\"\n");

        await new BundleImporter(_database).ImportAsync(directory);

        await using var connection = await _database.OpenConnectionAsync();
        var monitoring = await connection.QuerySingleAsync<CatalogueRow>("SELECT * FROM catalogue WHERE med_list_codg = '311201001'");
        Assert.Equal(2, monitoring.ChrgitmLv);
        Assert.Equal("60.00", monitoring.PricUplmtAmt);
        Assert.Equal(0.10m, decimal.Parse(monitoring.SelfpayProp, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini)).Files["catalogue.csv"].Changed);
    }

    [Fact]
    public async Task Every_error_names_file_line_and_column_and_nothing_is_written()
    {
        var directory = CopyOfJilinMini();
        var catalogue = File.ReadAllLines(Path.Combine(directory, "catalogue.csv"));
        catalogue[6] = catalogue[6].Replace(",01,01,,40.00", ",01,01,1.5,40.00");
        File.WriteAllLines(Path.Combine(directory, "catalogue.csv"), catalogue);
        var persons = File.ReadAllLines(Path.Combine(directory, "persons.csv"));
        persons[2] = persons[2].Replace(",390,", ",399,");
        File.WriteAllLines(Path.Combine(directory, "persons.csv"), persons);
        File.WriteAllText(Path.Combine(directory, "policies.json"), File.ReadAllText(Path.Combine(directory, "policies.json")).Replace("\"ratio\": 0.92", "\"ratio\": 9.2"));

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        var messages = failed.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains("catalogue.csv line 7, column selfpay_prop: \"1.5\" is not a ratio between 0 and 1", messages);
        Assert.Contains(messages, m => m.StartsWith("persons.csv line 3, column insutype: \"399\"", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("policies.json line ", StringComparison.Ordinal) && m.Contains("column ratio") && m.Contains("\"9.2\""));
        Assert.Equal(0, await CountAsync("regions"));
        Assert.Equal(0, await CountAsync("catalogue"));
    }

    [Fact]
    public async Task A_row_that_does_not_fit_the_header_and_a_file_not_in_utf8_are_refused_and_blank_lines_and_byte_order_marks_are_not()
    {
        var directory = CopyOfJilinMini();
        var persons = Path.Combine(directory, "persons.csv");
        // An unquoted thousands separator: eleven fields under a header of ten, which must not shift 张伟's balance to 1.00.
        File.WriteAllText(persons, File.ReadAllText(persons).Replace(",1520.50", ",1,520.50"));
        // 吉林市 as GBK bytes, the way a spreadsheet on a Chinese desktop may save it.
        var regions = Path.Combine(directory, "regions.csv");
        var gbk = File.ReadAllBytes(regions).ToList();
        gbk.AddRange([(byte)'2', (byte)'2', (byte)'0', (byte)'2', (byte)'9', (byte)'9', (byte)',', 0xBC, 0xAA, 0xC1, 0xD6, 0xCA, 0xD0, (byte)'\n']);
        File.WriteAllBytes(regions, [.. gbk]);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        var messages = failed.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains("persons.csv line 2: 11 fields, but the header has 10: quote a value that contains a comma (\"1,520.50\")", messages);
        Assert.Contains("regions.csv line 14: is not UTF-8 text (GBK or Latin-1?): save the file as UTF-8", messages);
        Assert.Equal(0, await CountAsync("persons"));

        File.WriteAllText(regions, File.ReadAllText(Path.Combine(TestPaths.JilinMini, "regions.csv")), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        File.WriteAllText(persons, File.ReadAllText(Path.Combine(TestPaths.JilinMini, "persons.csv")) + "\n\n");
        var policies = Path.Combine(directory, "policies.json");
        File.WriteAllText(policies, File.ReadAllText(policies), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(12 + 6 + 12 + 8 + 144 + 9, (await new BundleImporter(_database).ImportAsync(directory)).Changed);
        await using var connection = await _database.OpenConnectionAsync();
        Assert.Equal(152050L, await connection.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = '22010000000000000001'"));
    }

    [Fact]
    public async Task A_person_whose_home_region_changed_is_refused_by_line_and_nothing_changes()
    {
        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        var directory = CopyOfJilinMini();
        var persons = Path.Combine(directory, "persons.csv");
        File.WriteAllText(persons, File.ReadAllText(persons).Replace("1975-03-12,220100,", "1975-03-12,220200,"));

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.StartsWith("persons.csv line 2, column insuplc_admdvs: person 22010000000000000001 is already insured in another pooling region",
            Assert.Single(failed.Problems).ToString());
        Assert.Equal(8, await CountAsync("persons"));
    }

    [Fact]
    public async Task A_bundle_with_too_many_problems_to_list_says_the_list_stops_there()
    {
        var directory = TestPaths.TempDirectory();
        File.WriteAllLines(Path.Combine(directory, "regions.csv"), ["admdvs,name", .. Enumerable.Range(0, 300).Select(i => $"X{i},某地")]);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.Equal(200, failed.Problems.Count);
        Assert.Contains("Reading stopped at the first 200 problems", failed.Message);
    }

    [Fact]
    public async Task A_missing_column_is_named()
    {
        var directory = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(directory, "regions.csv"), "admdvs\n220100\n");

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.Equal("regions.csv line 1, column name: this required column is missing from the header", failed.Problems.Single().ToString());
    }

    [Fact]
    public async Task Policy_versions_are_added_and_never_overwritten()
    {
        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        var directory = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(directory, "policies.json"), """
            [{"insuplc_admdvs":"220100","insutype":"310","category":"inpatient","hosp_lv":1,"effective_from":"2026-01-01",
              "deductible":300,"deductible_basis":"per_visit","ratio":0.9,"annual_cap":150000}]
            """);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));
        Assert.Contains("never overwritten", failed.Problems.Single().Message);

        File.WriteAllText(Path.Combine(directory, "policies.json"), File.ReadAllText(Path.Combine(directory, "policies.json")).Replace("2026-01-01", "2026-07-01"));
        await new BundleImporter(_database).ImportAsync(directory);
        Assert.Equal(145, await CountAsync("policies"));
    }

    /// <summary>jilin-mini with 王芳's check digit wrong (7 → 8) and 李娜's identity number cut to 16 characters.</summary>
    private static string BundleWithBadIdentityNumbers()
    {
        var directory = CopyOfJilinMini();
        var persons = Path.Combine(directory, "persons.csv");
        File.WriteAllText(persons, File.ReadAllText(persons).Replace("220104198807210227", "220104198807210228").Replace("220202196201050349", "2202021962010503"));
        return directory;
    }

    [Fact]
    public async Task Identity_numbers_the_window_could_never_find_are_imported_with_a_warning_by_line_masked()
    {
        var summary = await new BundleImporter(_database).ImportAsync(BundleWithBadIdentityNumbers());

        Assert.Equal(8, await CountAsync("persons"));
        Assert.Equal(2, summary.WarningCount);
        Assert.Equal(
        [
            "persons.csv line 3, column certno: 220104********0228 fails the GB 11643 check digit (expected 7); the window cannot find this person by identity number",
            "persons.csv line 4, column certno: 220202******0503 is not an 18-character GB 11643 identity number (17 digits and a check digit or X); "
            + "the window cannot find this person by identity number",
        ], summary.Warnings.Select(w => w.ToString()));
        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini)).WarningCount);
    }

    [Fact]
    public async Task A_strict_import_refuses_identity_numbers_that_fail_the_check_and_writes_nothing()
    {
        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database, strict: true).ImportAsync(BundleWithBadIdentityNumbers()));

        Assert.Equal(2, failed.Problems.Count);
        Assert.StartsWith("persons.csv line 3, column certno: 220104********0228 fails the GB 11643 check digit (expected 7)", failed.Problems[0].ToString());
        Assert.Equal(0, await CountAsync("persons"));
        Assert.Equal(0, await CountAsync("regions"));
        Assert.Equal(0, (await new BundleImporter(_database, strict: true).ImportAsync(TestPaths.JilinMini)).WarningCount);
    }

    [Fact]
    public async Task A_bundle_without_policies_is_refused_while_the_database_has_none_and_accepted_once_it_has()
    {
        var directory = CopyOfJilinMini();
        var policies = Path.Combine(directory, "policies.json");
        File.Delete(policies);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.Empty(failed.Problems);
        Assert.StartsWith("The bundle was not imported; nothing was changed: it has no policies (policies.json is missing or empty)", failed.Message);
        Assert.DoesNotContain('\n', failed.Message);
        Assert.Equal(0, await CountAsync("regions"));
        Assert.Equal(0, await CountAsync("persons"));
        File.WriteAllText(policies, "[]");
        await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));
        Assert.Equal(0, await CountAsync("regions"));

        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        File.Delete(policies);
        var persons = Path.Combine(directory, "persons.csv");
        File.WriteAllText(persons, File.ReadAllText(persons).Replace(",张伟,", ",张伟明,"));
        var partial = await new BundleImporter(_database).ImportAsync(directory);

        Assert.Equal(1, partial.Changed);
        Assert.Equal(144, await CountAsync("policies"));
    }

    [Fact]
    public async Task A_changed_opening_balance_moves_the_current_balance_by_the_difference()
    {
        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        await using (var connection = await _database.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE persons SET acct_balc_fen = acct_balc_fen - 10000 WHERE psn_no = '22010000000000000001'");
        var directory = CopyOfJilinMini();
        File.WriteAllText(Path.Combine(directory, "persons.csv"), File.ReadAllText(Path.Combine(directory, "persons.csv")).Replace(",1520.50", ",1620.50"));

        var summary = await new BundleImporter(_database).ImportAsync(directory);

        Assert.Equal(1, summary.Files["persons.csv"].Changed);
        await using var check = await _database.OpenConnectionAsync();
        Assert.Equal(152050L, await check.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = '22010000000000000001'"));
    }

    [Fact]
    public async Task Supplementary_rows_are_validated_by_row_and_field_and_nothing_is_written()
    {
        var directory = CopyOfJilinMini();
        File.WriteAllText(Path.Combine(directory, "supplements.json"), """
            [
              {"insuplc_admdvs":"220100","fund":"hifob","insutype":"390","effective_from":"2026-01-01","threshold":0,
               "bands":[{"upto":null,"ratio":0.9}],"annual_cap":400000},
              {"insuplc_admdvs":"220100","fund":"maf","effective_from":"2026-01-01","threshold":0,
               "bands":[{"upto":null,"ratio":0.9}],"annual_cap":50000},
              {"insuplc_admdvs":"220100","fund":"hifmi","insutype":"390","effective_from":"2026-01-01","threshold":15000,
               "bands":[{"upto":15000,"ratio":0.6},{"upto":null,"ratio":1.2}],"annual_cap":300000},
              {"insuplc_admdvs":"220100","fund":"hifmi","insutype":"390","effective_from":"2027-01-01","threshold":15000,
               "bands":[{"upto":null,"ratio":0.6},{"upto":90000,"ratio":0.7}],"annual_cap":300000},
              {"insuplc_admdvs":"220100","fund":"hifmi","insutype":"390","effective_from":"2028-01-01","threshold":15000,
               "bands":[{"upto":50000,"ratio":0.6},{"upto":50000,"ratio":0.7},{"upto":null,"ratio":0.8}],"annual_cap":300000}
            ]
            """);
        File.AppendAllText(Path.Combine(directory, "persons.csv"), "22010000000000000009,钱七,220102197503120217,1,1975-03-12,220100,390,1,0,4\n");

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        var messages = failed.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(messages, m => m.StartsWith("supplements.json line 2, column insutype: (supplementary row 1) \"390\" is not 310", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("supplements.json line 4, column assistance_type: (supplementary row 2) is missing", StringComparison.Ordinal));
        Assert.Contains("supplements.json line 6, column bands[0].upto: (supplementary row 3) 15000 is not above the threshold (15000)", messages);
        Assert.Contains("supplements.json line 6, column bands[1].ratio: (supplementary row 3) \"1.2\" is not a ratio between 0 and 1", messages);
        Assert.Contains("supplements.json line 8, column bands[0].upto: (supplementary row 4) is null, but only the last band may have no end", messages);
        Assert.Contains("supplements.json line 10, column bands[1].upto: (supplementary row 5) 50000 is not above the band before (50000): upto must rise strictly", messages);
        Assert.Contains(messages, m => m.StartsWith("persons.csv line 10, column assistance_type: \"4\" is not an assistance class", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync("supplements"));
        Assert.Equal(0, await CountAsync("persons"));
    }

    [Fact]
    public async Task The_optional_person_details_are_stored_and_a_second_import_changes_nothing_while_blanking_them_does()
    {
        var directory = Transactions.ClientFieldsTests.BundleWithPersonDetails();
        await new BundleImporter(_database).ImportAsync(directory);

        await using var connection = await _database.OpenConnectionAsync();
        var zhang = await connection.QuerySingleAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = '22010000000000000001'");
        Assert.Equal(("01", "长春示例机械厂", "2001-07-01", null, "0"), (zhang.Naty, zhang.EmpName, zhang.PsnInsuDate, zhang.PausInsuDate, zhang.CvlservFlag));
        var li = await connection.QuerySingleAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = '22020000000000000003'");
        Assert.Equal((null, null, null, null, null), (li.Naty, li.EmpName, li.PsnInsuDate, li.PausInsuDate, li.CvlservFlag));
        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(directory)).Files["persons.csv"].Changed);

        // the sample without the columns: the three people who had details lose them
        Assert.Equal(3, (await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini)).Files["persons.csv"].Changed);
        Assert.Null(await connection.ExecuteScalarAsync<string>("SELECT emp_name FROM persons WHERE psn_no = '22010000000000000001'"));
    }

    [Fact]
    public async Task The_optional_person_details_are_validated_by_file_line_and_column_and_nothing_is_written()
    {
        var directory = CopyOfJilinMini();
        var path = Path.Combine(directory, "persons.csv");
        var lines = File.ReadAllLines(path);
        var longEmployer = new string('厂', 201);
        string[] details = [",57,,,,", ",01,,2001/07/01,,", ",,,,,2", ",,,2020-05-01,2019-12-31,", $",,{longEmployer},,,", ",98,示例单位,2010-01-01,2010-01-01,1", ",,,,,", ",,,,,"];
        File.WriteAllLines(path, [lines[0] + ",naty,emp_name,psn_insu_date,paus_insu_date,cvlserv_flag", .. lines.Skip(1).Select((l, i) => l + details[i])]);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        var messages = failed.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains("persons.csv line 2, column naty: \"57\" is not an ethnic group code of GB 3304 (01 to 56, 97 or 98) or blank", messages);
        Assert.Contains("persons.csv line 3, column psn_insu_date: \"2001/07/01\" is not a date written yyyy-MM-dd", messages);
        Assert.Contains("persons.csv line 4, column cvlserv_flag: \"2\" is not a civil-servant flag 1 (公务员) or 0, or blank", messages);
        Assert.Contains("persons.csv line 5, column paus_insu_date: \"2019-12-31\" is before psn_insu_date 2020-05-01: insurance cannot be paused before it began", messages);
        Assert.Contains("persons.csv line 6, column emp_name: is longer than 200 characters", messages);
        Assert.Equal(5, messages.Count);
        Assert.DoesNotContain(messages, m => m.Contains(longEmployer, StringComparison.Ordinal)); // an employer's name is never repeated in a message
        Assert.Equal(0, await CountAsync("persons"));
    }

    [Fact]
    public async Task A_band_paid_at_a_lower_ratio_than_the_one_before_is_imported_with_a_warning_and_versions_are_never_overwritten()
    {
        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        var directory = TestPaths.TempDirectory();
        var supplements = Path.Combine(directory, "supplements.json");
        File.WriteAllText(supplements, """
            [{"insuplc_admdvs":"220100","fund":"hifmi","insutype":"390","effective_from":"2027-01-01","threshold":15000,
              "bands":[{"upto":50000,"ratio":0.7},{"upto":null,"ratio":0.6}],"annual_cap":300000}]
            """);

        var summary = await new BundleImporter(_database).ImportAsync(directory);

        Assert.Equal("supplements.json line 1, column bands[1].ratio: (supplementary row 1) 0.6 is lower than the band before (0.7): "
                     + "a larger burden would be paid at a lower ratio (梯度倒挂); imported as written", Assert.Single(summary.Warnings).ToString());
        Assert.Equal(10, await CountAsync("supplements"));

        // the same version with another cap is refused: a settled case must stay explainable by the rule it used
        File.WriteAllText(supplements, File.ReadAllText(supplements).Replace("300000", "350000"));
        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));
        Assert.Contains("versions are never overwritten", Assert.Single(failed.Problems).ToString());
        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini)).Changed);
    }
}

public sealed class BundleImportTests_Sqlite() : BundleImportTests(new SqliteTarget());

public sealed class BundleImportTests_Postgres() : BundleImportTests(new PostgresTarget());
