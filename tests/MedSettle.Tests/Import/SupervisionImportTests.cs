using Dapper;
using MedSettle.Engine;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;

namespace MedSettle.Tests.Import;

/// <summary>
/// The bundle's fund-supervision data (issue 22, docs/SUPERVISION.md): catalogue.csv's optional limits and rules.json's
/// versions, validated by file, line and field, added and never overwritten.
/// </summary>
public abstract class SupervisionImportTests(DatabaseTarget target) : ImportDatabaseTests(target)
{
    private const string LimitColumns = ",lmt_gend,lmt_age_min,lmt_age_max,lmt_daily_cnt,excl_group";

    /// <summary>jilin-mini with the limit columns: each catalogue row (in the sample's order) gets its five values, and <paramref name="extra"/> rows follow.</summary>
    private static string BundleWithLimits(string[] limits, params string[] extra)
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var lines = File.ReadAllLines(Path.Combine(directory, "catalogue.csv"));
        File.WriteAllLines(Path.Combine(directory, "catalogue.csv"),
            [lines[0] + LimitColumns, .. lines.Skip(1).Select((line, i) => line + (i < limits.Length ? limits[i] : ",,,,,")), .. extra]);
        return directory;
    }

    /// <summary>Limits on 急诊监护 (24 a day), 普通病房床位费 (1 a day, group 床位), 复方丹参滴丸 (from 18), 重症监护 (group 床位).</summary>
    private static readonly string[] SampleLimits = [",,,,,", ",,,,,", ",,,,,", ",,,,,", ",,,,24,", ",,,,1,床位", ",,,,,", ",,,,,", ",,18,,,", ",,,,,", ",,,,,", ",,,,,床位"];

    private static readonly string[] NewItems = ["310300001,宫颈细胞学检查,201,04,01,,,2,,,,", "121100001,新生儿护理,201,05,01,,,,0,1,,"];

    private async Task<ItemLimits> LimitsAsync(string code)
    {
        await using var connection = await _database.OpenConnectionAsync();
        return SupervisionVersions.LimitsOf(await connection.QuerySingleAsync<CatalogueRow>("SELECT * FROM catalogue WHERE med_list_codg = @code", new { code }));
    }

    [Fact]
    public async Task The_catalogues_limits_and_the_rules_versions_are_stored_and_a_second_import_changes_nothing()
    {
        var directory = BundleWithLimits(SampleLimits, NewItems);
        File.WriteAllText(Path.Combine(directory, "rules.json"), """
            [
              {"code": "R07", "effective_from": "2026-01-01", "params": {"within_days": 10}},
              {"code": "R04", "effective_from": "2026-01-01", "severity": "warn"},
              {"code": "R09", "effective_from": "2026-07-01", "enabled": false, "params": {"multiple": 2.5}}
            ]
            """);

        var first = await new BundleImporter(_database).ImportAsync(directory);

        Assert.Equal((14L, 14L), first.Files["catalogue.csv"]);
        Assert.Equal((3L, 3L), first.Files["rules.json"]);
        Assert.Equal(new ItemLimits(DailyCount: 24m), await LimitsAsync("311201001"));
        Assert.Equal(new ItemLimits(DailyCount: 1m, ExclusionGroup: "床位"), await LimitsAsync("110900001"));
        Assert.Equal(new ItemLimits(MinAge: 18), await LimitsAsync("ZA12BAD0011010103983"));
        Assert.Equal(new ItemLimits(Sex: Sex.Female), await LimitsAsync("310300001"));
        Assert.Equal(new ItemLimits(MinAge: 0, MaxAge: 1), await LimitsAsync("121100001"));
        Assert.Equal(ItemLimits.None, await LimitsAsync("110200001"));

        var versions = await _database.ReadAsync(SupervisionVersions.AllAsync);
        var march = RuleSet.InForce(versions, new DateOnly(2026, 3, 1));
        Assert.Equal((10m, RuleSeverity.Warn), (march[SupervisionRule.R07].Param("within_days"), march[SupervisionRule.R07].Severity));
        Assert.Equal(RuleSeverity.Warn, march[SupervisionRule.R04].Severity);
        Assert.True(march[SupervisionRule.R09].Enabled);
        var august = RuleSet.InForce(versions, new DateOnly(2026, 8, 1))[SupervisionRule.R09];
        Assert.Equal((false, RuleSeverity.Warn, 2.5m, 20m), (august.Enabled, august.Severity, august.Param("multiple"), august.Param("min_cases")));
        await using (var connection = await _database.OpenConnectionAsync())
            Assert.Equal("""{"lookback_days":365,"min_cases":20,"multiple":2.5}""",
                await connection.ExecuteScalarAsync<string>("SELECT params FROM supervision_rules WHERE code = 'R09'"));

        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(directory)).Changed);

        // the sample without the columns: the four rows that had limits lose them
        Assert.Equal(4, (await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini)).Files["catalogue.csv"].Changed);
        Assert.Equal(ItemLimits.None, await LimitsAsync("110900001"));
        Assert.Equal(3, await CountAsync("supervision_rules"));
    }

    [Fact]
    public async Task The_catalogues_limits_are_validated_by_file_line_and_column_and_nothing_is_written()
    {
        var longGroup = new string('组', 51);
        var directory = BundleWithLimits(
        [
            ",3,,,,", ",,-1,,,", ",,,151,,", ",,12.5,,,", ",,18,10,,", ",,,,0,", ",,,,abc,", $",,,,,{longGroup}", ",,,,-2,", ",1,0,150,0.5,床位",
        ]);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.Equal(
        [
            "catalogue.csv line 2, column lmt_gend: \"3\" is not a sex limit 1 (male only), 2 (female only) or blank",
            "catalogue.csv line 3, column lmt_age_min: \"-1\" is not an age limit in whole years from 0 to 150, or blank",
            "catalogue.csv line 4, column lmt_age_max: \"151\" is not an age limit in whole years from 0 to 150, or blank",
            "catalogue.csv line 5, column lmt_age_min: \"12.5\" is not an age limit in whole years from 0 to 150, or blank",
            "catalogue.csv line 6, column lmt_age_max: \"10\" is below lmt_age_min 18: no age would be allowed",
            "catalogue.csv line 7, column lmt_daily_cnt: \"0\" is not a daily count limit (a positive number, at most 4 decimals), or blank",
            "catalogue.csv line 8, column lmt_daily_cnt: \"abc\" is not a daily count limit (a positive number, at most 4 decimals), or blank",
            "catalogue.csv line 9, column excl_group: is longer than 50 characters",
            "catalogue.csv line 10, column lmt_daily_cnt: \"-2\" is not a daily count limit (a positive number, at most 4 decimals), or blank",
        ], failed.Problems.Select(p => p.ToString()));
        Assert.Equal(0, await CountAsync("catalogue"));
        Assert.Equal(0, await CountAsync("regions"));
    }

    [Fact]
    public async Task Rules_are_validated_by_file_array_index_and_field_and_nothing_is_written()
    {
        var directory = BundleWithLimits([]);
        File.WriteAllText(Path.Combine(directory, "rules.json"), """
            [
              {"code": "R11", "effective_from": "2026-01-01"},
              {"effective_from": "2026-01-01"},
              {"code": "R04", "effective_from": "2026-01-01", "severity": "stop"},
              {"code": "R07", "effective_from": "2026-01-01", "params": {"days": 10}},
              {"code": "R07", "effective_from": "2026-02-01", "params": {"within_days": 0}},
              {"code": "R09", "effective_from": "2026-01-01", "params": {"multiple": 2.555}},
              {"code": "R08", "effective_from": "2026-01-01", "params": {"filings": 2.5}},
              {"code": "R01", "effective_from": "2026-01-01", "params": {"bed_only_days": 3}},
              {"code": "R10", "params": {"bed_only_days": 3}},
              {"code": "R10", "effective_from": "2026/01/01"},
              {"code": "R03", "effective_from": "2026-01-01", "enabled": "yes"},
              "R02",
              {"code": "R06", "effective_from": "2026-01-01", "params": [1]},
              {"code": "R05", "effective_from": "2026-01-01"},
              {"code": "R05", "effective_from": "2026-01-01", "severity": "warn"}
            ]
            """);

        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));

        Assert.Equal(
        [
            "rules.json line 2, column code: (rules[0]) \"R11\" is not a rule code R01 to R10",
            "rules.json line 3, column code: (rules[1]) is missing; it must be a rule code R01 to R10",
            "rules.json line 4, column severity: (rules[2] R04) \"stop\" is not a severity warn or block",
            "rules.json line 5, column params.days: (rules[3] R07) is not a parameter of this rule; its parameters are within_days",
            "rules.json line 6, column params.within_days: (rules[4] R07) \"0\" is not a whole number from 1 to 365",
            "rules.json line 7, column params.multiple: (rules[5] R09) \"2.555\" is not a number from 1 to 100 with at most 2 decimals",
            "rules.json line 8, column params.filings: (rules[6] R08) \"2.5\" is not a whole number from 2 to 1000",
            "rules.json line 9, column params.bed_only_days: (rules[7] R01) is not a parameter: this rule has none",
            "rules.json line 10, column effective_from: (rules[8] R10) is missing; it must be the day this version begins, written yyyy-MM-dd",
            "rules.json line 11, column effective_from: (rules[9] R10) \"2026/01/01\" is not a date written yyyy-MM-dd",
            "rules.json line 12, column enabled: (rules[10] R03) \"yes\" is not true or false",
            "rules.json line 13: rules[11] is not a JSON object",
            "rules.json line 14, column params: (rules[12] R06) \"[1]\" is not a JSON object of parameters",
            "rules.json line 16, column effective_from: \"R05/2026-01-01\" repeats line 15",
        ], failed.Problems.Select(p => p.ToString()));
        Assert.Equal(0, await CountAsync("supervision_rules"));
        Assert.Equal(0, await CountAsync("catalogue"));
    }

    [Fact]
    public async Task Rule_versions_are_added_and_never_overwritten()
    {
        await new BundleImporter(_database).ImportAsync(TestPaths.JilinMini);
        var directory = TestPaths.TempDirectory();
        var rules = Path.Combine(directory, "rules.json");
        File.WriteAllText(rules, """[{"code": "R10", "effective_from": "2026-01-01", "params": {"bed_only_days": 3}}]""");
        Assert.Equal((1L, 1L), (await new BundleImporter(_database).ImportAsync(directory)).Files["rules.json"]);
        // the same version written with its defaults left out says the same: nothing changes
        File.WriteAllText(rules, """[{"code": "R10", "effective_from": "2026-01-01", "severity": "warn", "enabled": true}]""");
        Assert.Equal(0, (await new BundleImporter(_database).ImportAsync(directory)).Changed);

        File.WriteAllText(rules, """[{"code": "R10", "effective_from": "2026-01-01", "params": {"bed_only_days": 5}}]""");
        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(_database).ImportAsync(directory));
        Assert.Equal("rules.json line 1, column effective_from: the rule version R10/2026-01-01 is already stored with other values; "
                     + "versions are never overwritten, add a new version with a later effective_from", Assert.Single(failed.Problems).ToString());

        File.WriteAllText(rules, File.ReadAllText(rules).Replace("2026-01-01", "2026-07-01"));
        await new BundleImporter(_database).ImportAsync(directory);
        var versions = await _database.ReadAsync(SupervisionVersions.AllAsync);
        Assert.Equal(3m, RuleSet.InForce(versions, new DateOnly(2026, 6, 30))[SupervisionRule.R10].Param("bed_only_days"));
        Assert.Equal(5m, RuleSet.InForce(versions, new DateOnly(2026, 7, 1))[SupervisionRule.R10].Param("bed_only_days"));
    }
}

public sealed class SupervisionImportTests_Sqlite() : SupervisionImportTests(new SqliteTarget());

public sealed class SupervisionImportTests_Postgres() : SupervisionImportTests(new PostgresTarget());
