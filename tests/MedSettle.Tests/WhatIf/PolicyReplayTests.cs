using System.Text;
using Dapper;
using MedSettle.Import;
using MedSettle.Tests.Infrastructure;
using MedSettle.Tools.Demo;
using MedSettle.Tools.Simulation;
using MedSettle.WhatIf;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.WhatIf;

/// <summary>
/// 政策测算's replay (docs/WHATIF.md): under the rules in force it reproduces every stored settlement to the fen, whatever
/// the history holds (mid-stay and batch settlements, reversals by 2208/2305 and by 2601, caps and supplementary bands
/// reached); under a draft it changes exactly what the draft's rows change, by what a hand computation gives.
/// </summary>
public abstract class PolicyReplayTests(DatabaseTarget target, ITestOutputHelper output) : PlatformTests(target, JilinCentral)
{
    private const string JinMingzhe = "22240000000000000004";
    private static readonly WhatIfQuery TheYear = new(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), PolicyDraft.Empty);

    [Theory]
    [InlineData(20261204)]
    [InlineData(11)]
    public async Task The_rules_in_force_reproduce_a_history_of_mid_stay_settlements_reversals_and_caps_to_the_fen(int seed)
    {
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var run = new VisitRun(Platform, His, JilinCentral, seed);
        // Two admissions of 张伟 with 60 days of intensive care each: the second reaches his basic cap (150,000.00) and 大额 pays beyond it.
        for (var i = 0; i < 2; i++)
        {
            var day = new DateTime(2026, 2, 2 + 10 * i);
            Platform.Clock.Set(day.AddHours(10));
            run.Ok(await His.FileAsync(ZhangWei, "310", $"{day:yyyy-MM-dd}"), "张伟's filing");
            var mdtrtId = run.Ok(await His.AdmitAsync(ZhangWei, "310", $"{day:yyyy-MM-dd} 08:00:00", $"ZYCAP{i}"), "张伟's admission").Text("result", "mdtrt_id");
            run.Ok(await His.UploadAsync(mdtrtId, ZhangWei, [(VisitRun.Dear, 1800.00m, 60m)], inpatient: true), "张伟's bill");
            run.Ok(await His.DischargeAsync(mdtrtId, ZhangWei, "310", $"{day:yyyy-MM-dd} 17:00:00"), "张伟's discharge");
            Platform.Clock.Set(day.AddHours(18));
            run.Ok(await His.SettleAsync(mdtrtId, ZhangWei, "310", 108000.00m, useAccount: true, inpatient: true), "张伟's settlement");
        }

        // Then visits of every kind, a settlement taken back now and then between them — by 2208/2305, by 2601 of the
        // settlement, or reversed, the reversal taken back by 2601 and reversed again — so that later settlements are
        // decided on years that reversals moved.
        var standing = new List<VisitRun.Settled>();
        for (var v = 0; v < 14; v++)
        {
            var day = new DateTime(2026, 3, 1 + v);
            standing.AddRange(await run.VisitAsync(random, $"visit {v}", day));
            if (v % 3 != 2) continue;
            var s = VisitRun.Reversible(standing)[random.Next(VisitRun.Reversible(standing).Count)];
            var step = $"reversing {s.SetlId}";
            Platform.Clock.Set(day.AddHours(20));
            switch (random.Next(3))
            {
                case 0:
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), step);
                    break;
                case 1:
                    run.Ok(await His.UndoAsync(s.PsnNo, s.Msgid, s.Inpatient ? "2304" : "2207"), step + " by 2601");
                    break;
                default:
                    var msgid = Platform.NewMsgid(JilinCentral);
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient, msgid), step + ", to be taken back");
                    run.Ok(await His.UndoAsync(s.PsnNo, msgid, s.Inpatient ? "2305" : "2208"), step + ": 2601 of the reversal");
                    run.Ok(await His.ReverseAsync(s.SetlId, s.MdtrtId, s.PsnNo, s.Inpatient), step + " again");
                    break;
            }
            standing.Remove(s);
        }

        await using (var c = await Platform.Database.OpenConnectionAsync())
        {
            var held = await c.QuerySingleAsync<(long Rows, long Reversals, long MidStay, long Capped, long Hifob, long Hifmi)>(
                """
                SELECT COUNT(*), SUM(CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END), SUM(CASE WHEN mid_setl_flag = '1' THEN 1 ELSE 0 END),
                       SUM(CASE WHEN kind = 'settle' AND hifp_fen = cap_left_fen AND hifp_fen < inscp_fen - act_pay_dedc_fen THEN 1 ELSE 0 END),
                       SUM(CASE WHEN hifob_fen > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN hifmi_fen > 0 THEN 1 ELSE 0 END)
                FROM settlements
                """);
            output.WriteLine($"history: {held}");
            Assert.True(held is { Reversals: > 0, MidStay: > 0, Capped: > 0, Hifob: > 0 }, $"seed {seed}: the history lacks what the test is about: {held}");

            var report = await PolicyReplay.RunAsync(Platform.Database, TheYear);

            Assert.Empty(report.Differences);
            Assert.Equal(held.Rows, report.Replayed);
            Assert.Equal(report.Replayed, report.Identical);
            var standingRows = await c.QuerySingleAsync<long>("SELECT COUNT(*) FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL");
            Assert.Equal(standingRows, report.Settlements);
            Assert.All(report.Funds, f => Assert.Equal(f.Before, f.After));
        }
    }

    [Fact]
    public async Task A_draft_raising_one_regions_ratio_changes_that_regions_fund_pay_by_the_hand_computed_amount_and_nothing_else()
    {
        // Changchun's residents (220100, 390) admitted at a level-3 hospital: deductible 600.00 a visit, ratio 0.65 in force.
        // 王芳: 静脉输液 18.00 × 50 (甲类) + CT平扫 240.00 × 2 (乙类, 10 % 先自付 48.00): in scope 900.00 + 432.00 = 1,332.00,
        //       reimbursable 1,332.00 − 600.00 = 732.00; 0.65 → 475.80, 0.80 → 585.60 (+109.80).
        // 孙丽: 静脉输液 18.00 × 100: in scope 1,800.00, reimbursable 1,200.00; 0.65 → 780.00, 0.80 → 960.00 (+180.00).
        var wangFang = await AdmissionAsync(WangFang, "390", "2026-03-02", [("120400001", 18.00m, 50m), ("210102001", 240.00m, 2m)], 1380.00m);
        var sunLi = await AdmissionAsync(VisitRun.SunLi, "390", "2026-03-03", [("120400001", 18.00m, 100m)], 1800.00m);
        // and what the draft does not touch: Changchun's employees, another region's residents, an emergency visit
        await AdmissionAsync(ZhangWei, "310", "2026-03-04", [("120400001", 18.00m, 50m)], 900.00m);
        await AdmissionAsync(JinMingzhe, "390", "2026-03-05", [("120400001", 18.00m, 50m)], 900.00m);
        Platform.Clock.Set(new DateTime(2026, 3, 6, 10, 0, 0));
        var visit = await His.OutpatientVisitAsync(WangFang, "390", [("110200001", 50.00m, 1m), ("250101001", 25.00m, 1m)], day: "2026-03-06");
        (await His.SettleAsync(visit, WangFang, "390", 75.00m, useAccount: false)).ShouldSucceed();
        Assert.Equal(475.80m, wangFang.Hifp);
        Assert.Equal(780.00m, sunLi.Hifp);

        var draft = await new BundleImporter(Platform.Database).ReadDraftAsync("draft.json", Encoding.UTF8.GetBytes(
            """
            [{"insuplc_admdvs": "220100", "insutype": "390", "category": "inpatient", "hosp_lv": 3, "effective_from": "2026-01-01",
              "deductible": 600, "deductible_basis": "per_visit", "ratio": 0.80, "annual_cap": 120000}]
            """));
        var report = await PolicyReplay.RunAsync(Platform.Database, TheYear with { Draft = draft });

        Assert.Equal(report.Replayed, report.Identical);
        Assert.Equal(5, report.Settlements);
        var basic = Assert.Single(report.Funds, f => f is { Region: "220100", Insutype: "390", Fund: "basic" });
        // the two admissions and 王芳's emergency visit (its 75.00 all within the year's deductible of 100.00: 0.00 both ways)
        Assert.Equal((3, 475.80m + 780.00m, 585.60m + 960.00m), (basic.Count, basic.Before, basic.After));
        Assert.Equal(109.80m + 180.00m, basic.Change);
        Assert.All(report.Funds.Where(f => f != basic), f => Assert.Equal(f.Before, f.After));
        var patients = Assert.Single(report.Patients, p => p is { Region: "220100", Insutype: "390" });
        Assert.Equal(-(109.80m + 180.00m), patients.CashChange);
        Assert.All(report.Patients.Where(p => p != patients), p => Assert.Equal(p.CashBefore, p.CashAfter));
        Assert.Equal([(sunLi.SetlId, 780.00m, 960.00m), (wangFang.SetlId, 475.80m, 585.60m)],
            report.Largest.Select(c => (c.SetlId, c.FundBefore, c.FundAfter)));
        Assert.Equal(0, report.CrossingCount);
    }

    [Fact]
    public async Task A_visits_deductible_met_mid_stay_carries_to_its_settlement_at_discharge_and_to_that_ones_settlement_again_after_a_reversal()
    {
        // 王芳 (220100, 390) admitted at a level-3 hospital: 600.00 of deductible a visit. The mid-stay settlement of 360.00
        // meets 360.00 of it; the one at discharge (900.00) meets the other 240.00 and the fund pays 0.65 × 660.00 = 429.00.
        // That one is reversed and settled again: it must meet the same 240.00, so the replay must remember what the
        // mid-stay settlement met, and forget what the reversed one did.
        Platform.Clock.Set(new DateTime(2026, 3, 2, 9, 0, 0));
        (await His.FileAsync(WangFang, "390", "2026-03-02")).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(WangFang, "390", "2026-03-02 08:00:00", "ZYMID01")).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 20m)], inpatient: true)).ShouldSucceed();
        Platform.Clock.Set(new DateTime(2026, 3, 4, 10, 0, 0));
        var midStay = (await His.SettleAsync(mdtrtId, WangFang, "390", 360.00m, useAccount: false, inpatient: true, midSetlFlag: "1")).ShouldSucceed();
        Assert.Equal((360.00m, 0.00m), (midStay.Money("setlinfo", "act_pay_dedc"), midStay.Money("setlinfo", "hifp_pay")));
        (await His.UploadAsync(mdtrtId, WangFang, [("120400001", 18.00m, 50m)], inpatient: true, firstSn: 101)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-06 17:00:00")).ShouldSucceed();
        Platform.Clock.Set(new DateTime(2026, 3, 6, 18, 0, 0));
        var final = (await His.SettleAsync(mdtrtId, WangFang, "390", 900.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal((240.00m, 429.00m), (final.Money("setlinfo", "act_pay_dedc"), final.Money("setlinfo", "hifp_pay")));
        Platform.Clock.Set(new DateTime(2026, 3, 7, 9, 0, 0));
        (await His.ReverseAsync(final.Text("setlinfo", "setl_id"), mdtrtId, WangFang, inpatient: true)).ShouldSucceed();
        Platform.Clock.Set(new DateTime(2026, 3, 7, 10, 0, 0));
        var again = (await His.SettleAsync(mdtrtId, WangFang, "390", 900.00m, useAccount: false, inpatient: true)).ShouldSucceed();
        Assert.Equal((240.00m, 429.00m), (again.Money("setlinfo", "act_pay_dedc"), again.Money("setlinfo", "hifp_pay")));

        await using (var c = await Platform.Database.OpenConnectionAsync())
            // every row keeps the visit's begin date that its policy was chosen by, the reversal's too
            Assert.Equal(["2026-03-02"], await c.QueryAsync<string?>("SELECT DISTINCT begndate FROM settlements"));
        var report = await PolicyReplay.RunAsync(Platform.Database, TheYear);
        Assert.Empty(report.Differences);
        Assert.Equal((4, 4), (report.Replayed, report.Identical));

        // under a deductible of 800.00 a visit: mid-stay 360.00 met (fund 0.00); at discharge the other 440.00, 0.65 × 460.00 = 299.00, both times
        var draft = await new BundleImporter(Platform.Database).ReadDraftAsync("draft.json", Encoding.UTF8.GetBytes(
            """
            [{"insuplc_admdvs": "220100", "insutype": "390", "category": "inpatient", "hosp_lv": 3, "effective_from": "2026-01-01",
              "deductible": 800, "deductible_basis": "per_visit", "ratio": 0.65, "annual_cap": 120000}]
            """));
        var drafted = await PolicyReplay.RunAsync(Platform.Database, TheYear with { Draft = draft });
        var basic = Assert.Single(drafted.Funds, f => f is { Region: "220100", Insutype: "390", Fund: "basic" });
        Assert.Equal((2, 0.00m + 429.00m, 0.00m + 299.00m), (basic.Count, basic.Before, basic.After));
    }

    [Fact]
    public async Task A_draft_is_checked_as_an_import_checks_its_rows_and_a_bad_one_is_refused_naming_the_row_and_field()
    {
        var failed = await Assert.ThrowsAsync<ImportFailed>(() => new BundleImporter(Platform.Database).ReadDraftAsync("draft.json", Encoding.UTF8.GetBytes(
            """
            {"policies": [{"insuplc_admdvs": "220100", "insutype": "390", "category": "inpatient", "hosp_lv": 3, "effective_from": "2026-01-01",
                           "deductible": 600, "deductible_basis": "per_visit", "ratio": 1.5, "annual_cap": 120000}],
             "supplements": [{"insuplc_admdvs": "999999", "fund": "hifmi", "insutype": "390", "effective_from": "2026-01-01", "threshold": 15000,
                              "bands": [{"upto": null, "ratio": 0.6}], "annual_cap": 300000}]}
            """)));

        Assert.Contains(failed.Problems, p => p.Column == "ratio" && p.Message.Contains("\"1.5\" is not a ratio between 0 and 1", StringComparison.Ordinal));
        Assert.Contains(failed.Problems, p => p.Column == "insuplc_admdvs" && p.Message.Contains("999999", StringComparison.Ordinal));
        Assert.StartsWith("The draft was not read", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_settlement_the_rules_do_not_give_is_listed_by_id_and_field_and_the_command_answers_1_with_its_files_written()
    {
        var wangFang = await AdmissionAsync(WangFang, "390", "2026-03-02", [("120400001", 18.00m, 50m), ("210102001", 240.00m, 2m)], 1380.00m);
        var sunLi = await AdmissionAsync(VisitRun.SunLi, "390", "2026-03-03", [("120400001", 18.00m, 100m)], 1800.00m);
        await using (var c = await Platform.Database.OpenConnectionAsync())
            await c.ExecuteAsync(
                "UPDATE settlements SET hifp_fen = hifp_fen + 1, fund_pay_fen = fund_pay_fen + 1, psn_part_fen = psn_part_fen - 1, psn_cash_fen = psn_cash_fen - 1 WHERE setl_id = @id",
                new { id = wangFang.SetlId });

        var report = await PolicyReplay.RunAsync(Platform.Database, TheYear);

        Assert.Equal((2, 1), (report.Replayed, report.Identical));
        Assert.Equal(
            [
                new WhatIfDifference(wangFang.SetlId, "hifp_pay", "475.81", "475.80"),
                new WhatIfDifference(wangFang.SetlId, "fund_pay_sumamt", "475.81", "475.80"),
                new WhatIfDifference(wangFang.SetlId, "psn_part_amt", "904.19", "904.20"),
                new WhatIfDifference(wangFang.SetlId, "psn_cash_pay", "904.19", "904.20"),
            ], report.Differences);

        var files = TestPaths.TempDirectory();
        var (code, output, errors) = await InProcessCli.RunAsync("whatif", "--db", Platform.DatabaseValue, "--from", "2026-03-01", "--to", "2026-03-31",
            "--json", Path.Combine(files, "whatif.json"), "--xlsx", Path.Combine(files, "whatif.xlsx"));
        Assert.True(code == 1, $"whatif answered {code}: {errors}{output}");
        Assert.Contains($"difference: {wangFang.SetlId} hifp_pay: stored 475.81, replayed 475.80", output);
        Assert.Contains("replayed 2, identical 1; 2 standing settlement(s) in the period", output);
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(files, "whatif.json")));
        Assert.Equal((2, 1), (json.RootElement.GetProperty("replayed").GetInt64(), json.RootElement.GetProperty("identical").GetInt64()));
        Assert.Contains("自检差异", MiniExcelLibs.MiniExcel.GetSheetNames(Path.Combine(files, "whatif.xlsx")));

        var bad = Path.Combine(files, "draft.json");
        await File.WriteAllTextAsync(bad, """[{"insuplc_admdvs": "220100", "insutype": "390", "category": "inpatient", "hosp_lv": 3, "effective_from": "2026-01-01"}]""");
        (code, output, errors) = await InProcessCli.RunAsync("whatif", "--db", Platform.DatabaseValue, "--from", "2026-03-01", "--to", "2026-03-31", "--draft", bad);
        Assert.Equal(2, code);
        Assert.StartsWith("The draft was not read", errors);
        Assert.Contains("draft.json line 1, column ratio: (policy 1) is missing; it must be a ratio between 0 and 1", errors);

        // a row of a visit no longer stored, without a begin date of its own (as a row from before migration 42 would be): listed, not a failure
        await using (var c = await Platform.Database.OpenConnectionAsync())
            await c.ExecuteAsync("UPDATE settlements SET begndate = NULL, mdtrt_id = 'ZYGONE' WHERE setl_id = @id", new { id = sunLi.SetlId });
        report = await PolicyReplay.RunAsync(Platform.Database, TheYear);
        Assert.Equal((2, 0), (report.Replayed, report.Identical));
        Assert.Contains(report.Differences, d => d.SetlId == sunLi.SetlId && d.Field == "policy" && d.Replayed.Contains("ZYGONE", StringComparison.Ordinal));
    }

    private sealed record Admission(string SetlId, decimal Hifp);

    /// <summary>An admission at 吉林市示例中心医院 (level 3) on <paramref name="day"/>, its bill uploaded, discharged and settled.</summary>
    private async Task<Admission> AdmissionAsync(string psnNo, string insutype, string day, (string, decimal, decimal)[] bill, decimal medfee)
    {
        Platform.Clock.Set(DateTime.Parse(day + " 10:00:00", System.Globalization.CultureInfo.InvariantCulture));
        (await His.FileAsync(psnNo, insutype, day)).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(psnNo, insutype, day + " 08:00:00", "ZY" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, psnNo, bill, inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, psnNo, insutype, day + " 17:00:00")).ShouldSucceed();
        var settled = (await His.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount: false, inpatient: true)).ShouldSucceed();
        return new Admission(settled.Text("setlinfo", "setl_id"), settled.Money("setlinfo", "hifp_pay"));
    }
}

public sealed class PolicyReplayTests_Sqlite(ITestOutputHelper output) : PolicyReplayTests(new SqliteTarget(), output);

public sealed class PolicyReplayTests_Postgres(ITestOutputHelper output) : PolicyReplayTests(new PostgresTarget(), output);

/// <summary>The demo's 90 days of simulated traffic (medsettle demo), replayed under the rules in force: every row to the fen.</summary>
public abstract class DemoHistoryReplayTests(DatabaseTarget target) : IAsyncLifetime
{
    private MedSettle.Storage.Database _database = null!;

    public async Task InitializeAsync()
    {
        _database = await target.NewDatabaseAsync();
        var bundle = TestPaths.TempDirectory();
        DemoProvince.WriteBundle(bundle, DemoProvince.DemoPersons);
        await new BundleImporter(_database).ImportAsync(bundle);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task The_demos_ninety_days_replay_identically()
    {
        var today = new DateOnly(2026, 12, 4);
        await new ProvinceSimulator(_database).RunAsync(DemoProvince.History(today, 90));

        var report = await PolicyReplay.RunAsync(_database, new WhatIfQuery(today.AddDays(-90), today, PolicyDraft.Empty));

        await using var c = await _database.OpenConnectionAsync();
        var rows = await c.QuerySingleAsync<long>("SELECT COUNT(*) FROM settlements");
        Assert.InRange(rows, 200, 1000);
        Assert.Empty(report.Differences);
        Assert.Equal(rows, report.Replayed);
        Assert.Equal(rows, report.Identical);
    }
}

public sealed class DemoHistoryReplayTests_Sqlite() : DemoHistoryReplayTests(new SqliteTarget());

public sealed class DemoHistoryReplayTests_Postgres() : DemoHistoryReplayTests(new PostgresTarget());
